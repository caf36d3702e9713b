package org.jvicreg.engine.cuda;

import org.jvicreg.engine.backend.ConvGeometry;

/**
 * What the backend runs through cuDNN: convolutions (NCHW float32, cross-correlation, groups and
 * dilation) and batch norm (spatial, float32). {@code tf32} lets tensor cores round convolution inputs
 * to TF32; {@code measure} chooses each shape's convolution algorithm by timing them all the first time
 * it runs, instead of by cuDNN's heuristics. Addresses are device pointers (0 for none).
 */
interface Dnn extends AutoCloseable {
    /**
     * The smallest batch-norm epsilon sent to cuDNN, which rejects one below its CUDNN_BN_MIN_EPSILON
     * (1e-5 in older releases); smaller ones run on the backend's own kernels.
     */
    double BATCH_NORM_MIN_EPSILON = 1e-5;

    /** What this is, e.g. "cuDNN 90300 through FFM (.../libcudnn.so.9)". */
    String describe();

    /**
     * Whether convolutions run through cuDNN's graph API with a cached execution plan per shape (true,
     * where the library has it) or through the legacy calls; a description of the state for describe().
     */
    default String setGraphApi(boolean on) {
        return "legacy API";
    }

    void convForward(ConvGeometry g, long x, long w, long y, boolean tf32, boolean measure);

    void convBackwardData(ConvGeometry g, long dy, long w, long dx, boolean tf32, boolean measure);

    void convBackwardFilter(ConvGeometry g, long x, long dy, long dw, boolean tf32, boolean measure);

    /** Why batch norm cannot go through this cuDNN (a missing function), or null when it can. */
    String batchNormUnavailable();

    /**
     * Training batch norm of x viewed as (n, c, hw): writes y, saveMean and saveInvStd = 1 / sqrt(var + eps);
     * runMean and runVar (both 0, or both set) move by momentum, the variance unbiased.
     */
    void batchNormTrain(int n, int c, int hw, long x, long y, long gamma, long beta, double momentum, long runMean,
                        long runVar, double eps, long saveMean, long saveInvStd);

    /** Eval batch norm with the running statistics. */
    void batchNormEval(int n, int c, int hw, long x, long y, long gamma, long beta, long runMean, long runVar, double eps);

    /** Backward of {@link #batchNormTrain} from its saved statistics: writes dx, dgamma, dbeta. */
    void batchNormBackward(int n, int c, int hw, long x, long dy, long dx, long gamma, long dgamma, long dbeta, double eps,
                           long saveMean, long saveInvStd);

    @Override
    void close();
}
