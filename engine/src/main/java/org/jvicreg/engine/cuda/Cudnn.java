package org.jvicreg.engine.cuda;

import org.jvicreg.engine.backend.ConvGeometry;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link Dnn} on one cuDNN binding: its convolution plans and its batch-norm descriptors. Convolutions
 * go through the graph API's cached execution plans where the library has it and the graph API is on,
 * else (and for shapes the graph API has no plan for) through the legacy calls.
 */
final class Cudnn<D> implements Dnn {
    private final CudnnApi<D> api;
    private final CudnnConvolutions<D> convolutions;
    private final CudnnGraphConvolutions graph;
    private final String graphMissing;
    private final CudnnBatchNorm<D> batchNorm;
    private volatile boolean graphOn;

    /** {@code synchronize} waits for the device (the graph API times plans with it). */
    Cudnn(CudnnApi<D> api, Workspace workspace, Runnable synchronize) {
        this.api = api;
        convolutions = new CudnnConvolutions<>(api, workspace);
        List<String> why = new ArrayList<>();
        graph = api.graphConvolutions(workspace, synchronize, why);
        graphMissing = String.join("; ", why);
        graphOn = graph != null;
        batchNorm = new CudnnBatchNorm<>(api);
    }

    @Override
    public String describe() {
        return api.describe();
    }

    @Override
    public String setGraphApi(boolean on) {
        graphOn = on && graph != null;
        if (graphOn) return "graph API, an execution plan per shape";
        return "legacy API" + (graph == null ? " (no graph API: " + graphMissing + ")" : "");
    }

    @Override
    public void convForward(ConvGeometry g, long x, long w, long y, boolean tf32, boolean measure) {
        if (!graphOn || !graph.run(CudnnGraphConvolutions.Direction.FORWARD, g, x, w, y, tf32, measure)) {
            convolutions.forward(g, x, w, y, tf32, measure);
        }
    }

    @Override
    public void convBackwardData(ConvGeometry g, long dy, long w, long dx, boolean tf32, boolean measure) {
        if (!graphOn || !graph.run(CudnnGraphConvolutions.Direction.BACKWARD_DATA, g, dx, w, dy, tf32, measure)) {
            convolutions.backwardData(g, dy, w, dx, tf32, measure);
        }
    }

    @Override
    public void convBackwardFilter(ConvGeometry g, long x, long dy, long dw, boolean tf32, boolean measure) {
        if (!graphOn || !graph.run(CudnnGraphConvolutions.Direction.BACKWARD_FILTER, g, x, dw, dy, tf32, measure)) {
            convolutions.backwardFilter(g, x, dy, dw, tf32, measure);
        }
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
        if (graph != null) graph.close();
        batchNorm.close();
        api.close();
    }
}
