package org.jvicreg.engine.cuda;

import org.jvicreg.engine.backend.ConvGeometry;

/** {@link Dnn} on one cuDNN binding: its convolution plans and its batch-norm descriptors. */
final class Cudnn<D> implements Dnn {
    private final CudnnApi<D> api;
    private final CudnnConvolutions<D> convolutions;
    private final CudnnBatchNorm<D> batchNorm;

    Cudnn(CudnnApi<D> api, Workspace workspace) {
        this.api = api;
        convolutions = new CudnnConvolutions<>(api, workspace);
        batchNorm = new CudnnBatchNorm<>(api);
    }

    @Override
    public String describe() {
        return api.describe();
    }

    @Override
    public void convForward(ConvGeometry g, long x, long w, long y, boolean tf32, boolean measure) {
        convolutions.forward(g, x, w, y, tf32, measure);
    }

    @Override
    public void convBackwardData(ConvGeometry g, long dy, long w, long dx, boolean tf32, boolean measure) {
        convolutions.backwardData(g, dy, w, dx, tf32, measure);
    }

    @Override
    public void convBackwardFilter(ConvGeometry g, long x, long dy, long dw, boolean tf32, boolean measure) {
        convolutions.backwardFilter(g, x, dy, dw, tf32, measure);
    }

    @Override
    public String batchNormUnavailable() {
        return api.batchNormUnavailable();
    }

    @Override
    public void batchNormTrain(int n, int c, int hw, long x, long y, long gamma, long beta, double momentum, long runMean,
                               long runVar, double eps, long saveMean, long saveInvStd) {
        batchNorm.forwardTraining(n, c, hw, x, y, gamma, beta, momentum, runMean, runVar, eps, saveMean, saveInvStd);
    }

    @Override
    public void batchNormEval(int n, int c, int hw, long x, long y, long gamma, long beta, long runMean, long runVar, double eps) {
        batchNorm.forwardInference(n, c, hw, x, y, gamma, beta, runMean, runVar, eps);
    }

    @Override
    public void batchNormBackward(int n, int c, int hw, long x, long dy, long dx, long gamma, long dgamma, long dbeta,
                                  double eps, long saveMean, long saveInvStd) {
        batchNorm.backward(n, c, hw, x, dy, dx, gamma, dgamma, dbeta, eps, saveMean, saveInvStd);
    }

    @Override
    public void close() {
        convolutions.close();
        batchNorm.close();
        api.close();
    }
}
