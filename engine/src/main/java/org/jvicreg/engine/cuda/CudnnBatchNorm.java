package org.jvicreg.engine.cuda;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Batch norm through cuDNN's spatial mode: x viewed as (n, c, hw, 1), statistics per channel, gamma,
 * beta and the statistics as (1, c, 1, 1). Keeps the two descriptors of each shape in a small LRU
 * cache. cuDNN's forward pass saves the mean and 1 / sqrt(var + eps), as the backend's own kernels do,
 * and moves the running variance by the unbiased variance.
 */
final class CudnnBatchNorm<D> {
    private static final int MAX_SHAPES = 256;

    private record Shape(int n, int c, int hw) {}

    private record Descriptors<D>(D x, D param) {}

    private final CudnnApi<D> api;
    private final Map<Shape, Descriptors<D>> shapes = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Shape, Descriptors<D>> eldest) {
            if (size() <= MAX_SHAPES) return false;
            destroy(eldest.getValue());
            return true;
        }
    };

    CudnnBatchNorm(CudnnApi<D> api) {
        this.api = api;
    }

    private Descriptors<D> descriptors(int n, int c, int hw) {
        return shapes.computeIfAbsent(new Shape(n, c, hw), s -> new Descriptors<>(api.tensor4d(n, c, hw, 1), api.tensor4d(1, c, 1, 1)));
    }

    private void destroy(Descriptors<D> d) {
        api.destroyTensor(d.x());
        api.destroyTensor(d.param());
    }

    synchronized void forwardTraining(int n, int c, int hw, long x, long y, long gamma, long beta, double momentum,
                                      long runMean, long runVar, double eps, long saveMean, long saveInvStd) {
        Descriptors<D> d = descriptors(n, c, hw);
        api.batchNormForwardTraining(d.x(), x, d.x(), y, d.param(), gamma, beta, momentum, runMean, runVar, eps, saveMean,
                saveInvStd);
    }

    synchronized void forwardInference(int n, int c, int hw, long x, long y, long gamma, long beta, long runMean, long runVar,
                                       double eps) {
        Descriptors<D> d = descriptors(n, c, hw);
        api.batchNormForwardInference(d.x(), x, d.x(), y, d.param(), gamma, beta, runMean, runVar, eps);
    }

    synchronized void backward(int n, int c, int hw, long x, long dy, long dx, long gamma, long dgamma, long dbeta, double eps,
                               long saveMean, long saveInvStd) {
        Descriptors<D> d = descriptors(n, c, hw);
        api.batchNormBackward(d.x(), x, d.x(), dy, d.x(), dx, d.param(), gamma, dgamma, dbeta, eps, saveMean, saveInvStd);
    }

    synchronized void close() {
        for (Descriptors<D> d : shapes.values()) destroy(d);
        shapes.clear();
    }
}
