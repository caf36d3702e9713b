package org.jvicreg.engine.backend;

import org.jvicreg.engine.Tensor;

/** The batch-norm primitives called with their operands spelled out, as the kernel tests compare them. */
public final class BatchNormCalls {
    private BatchNormCalls() {}

    /** Training mode: statistics from the batch; residual may be null. */
    public static void train(Backend b, int n, int c, int hw, Tensor x, Tensor gamma, Tensor beta, float eps, float momentum,
                             Tensor runMean, Tensor runVar, Tensor residual, boolean relu, Tensor y, Tensor saveMean,
                             Tensor saveInvStd) {
        b.batchNormForward(new BatchNormCall(n, c, hw, gamma, beta, eps, residual, relu), x,
                new BatchNormCall.FromBatch(momentum, runMean, runVar, saveMean, saveInvStd), y);
    }

    /** Eval mode: the running statistics given; residual may be null. */
    public static void eval(Backend b, int n, int c, int hw, Tensor x, Tensor gamma, Tensor beta, Tensor runMean,
                            Tensor runVar, float eps, Tensor residual, boolean relu, Tensor y) {
        b.batchNormForward(new BatchNormCall(n, c, hw, gamma, beta, eps, residual, relu), x,
                new BatchNormCall.Given(runMean, runVar), y);
    }

    /**
     * Backward of {@link #train}; y is read only with relu; dResidual is null for a forward pass without residual
     * (the call's residual, which the backward pass only tests for presence, is then absent too).
     */
    public static void backward(Backend b, int n, int c, int hw, Tensor x, Tensor y, boolean relu, Tensor dy, Tensor gamma,
                                Tensor saveMean, Tensor saveInvStd, float eps, Tensor dx, Tensor dResidual, Tensor dgamma,
                                Tensor dbeta) {
        b.batchNormBackward(new BatchNormCall(n, c, hw, gamma, null, eps, dResidual, relu), x, y, dy, saveMean, saveInvStd,
                new BatchNormCall.Gradients(dx, dResidual, dgamma, dbeta));
    }
}
