package org.jvicreg.engine.cuda;

import java.util.List;

/**
 * The raw cuDNN calls the convolutions and batch norm need, one method per C function (descriptors of
 * type D: JCudnn objects or FFM addresses). {@link CudnnConvolutions} and {@link CudnnBatchNorm} hold the
 * logic over them; JCudnn and FFM each implement this thin layer. Device pointers are addresses (0 for
 * NULL); alpha = 1 and beta = 0 throughout, so outputs are overwritten. Every method throws
 * {@link CudaError} on a non-success status.
 */
interface CudnnApi<D> extends AutoCloseable {
    /** cudnnDataType_t CUDNN_DATA_FLOAT, cudnnTensorFormat_t CUDNN_TENSOR_NCHW, CUDNN_CROSS_CORRELATION. */
    int DATA_FLOAT = 0, TENSOR_NCHW = 0, CROSS_CORRELATION = 1;
    /** cudnnBatchNormMode_t CUDNN_BATCHNORM_SPATIAL: statistics per channel over (n, h, w). */
    int BATCHNORM_SPATIAL = 1;

    String describe();

    /**
     * Convolutions through cuDNN's graph API on this binding's library and handle, or null with the reason
     * added to {@code why} when the binding or the library lacks it.
     */
    default CudnnGraphConvolutions graphConvolutions(Workspace workspace, Runnable synchronize, List<String> why) {
        why.add("this binding does not reach cuDNN's graph API");
        return null;
    }

    D tensor4d(int n, int c, int h, int w);

    D filter4d(int k, int c, int h, int w);

    D convolution(int padH, int padW, int strideH, int strideW, int dilH, int dilW, int groups);

    void setMathType(D convolution, int mathType);

    void destroyTensor(D d);

    void destroyFilter(D d);

    void destroyConvolution(D d);

    /*
     * The algorithms for one direction, best first: with measure false as cuDNN's heuristics rank them
     * (cudnnGet*Algorithm_v7, instant), with measure true by the time each took when cuDNN ran it on
     * buffers it allocates itself (cudnnFind*Algorithm, PyTorch's cudnn.benchmark; synchronises).
     */

    List<ConvAlgorithm> forwardAlgorithms(D x, D w, D conv, D y, boolean measure);

    List<ConvAlgorithm> backwardDataAlgorithms(D w, D dy, D conv, D dx, boolean measure);

    List<ConvAlgorithm> backwardFilterAlgorithms(D x, D dy, D conv, D dw, boolean measure);

    long forwardWorkspace(D x, D w, D conv, D y, int algo);

    long backwardDataWorkspace(D w, D dy, D conv, D dx, int algo);

    long backwardFilterWorkspace(D x, D dy, D conv, D dw, int algo);

    void forward(D x, long xp, D w, long wp, D conv, int algo, long ws, long wsBytes, D y, long yp);

    void backwardData(D w, long wp, D dy, long dyp, D conv, int algo, long ws, long wsBytes, D dx, long dxp);

    void backwardFilter(D x, long xp, D dy, long dyp, D conv, int algo, long ws, long wsBytes, D dw, long dwp);

    /** Why this library cannot run batch norm (a missing function), or null when it can. */
    default String batchNormUnavailable() {
        return null;
    }

    /** cudnnBatchNormalizationForwardTraining (spatial); runMean and runVar both 0 or both set. */
    void batchNormForwardTraining(D x, long xp, D y, long yp, D param, long gamma, long beta, double factor, long runMean,
                                  long runVar, double eps, long saveMean, long saveInvStd);

    /** cudnnBatchNormalizationForwardInference (spatial). */
    void batchNormForwardInference(D x, long xp, D y, long yp, D param, long gamma, long beta, long mean, long var, double eps);

    /** cudnnBatchNormalizationBackward (spatial), from the statistics the forward pass saved. */
    void batchNormBackward(D x, long xp, D dy, long dyp, D dx, long dxp, D param, long gamma, long dgamma, long dbeta,
                           double eps, long saveMean, long saveInvStd);

    @Override
    void close();
}
