package org.jvicreg.engine.ops;

import org.jvicreg.engine.Autograd;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.BatchNormCall;
import org.jvicreg.engine.backend.BinaryOp;

import java.util.Arrays;

/**
 * Batch normalisation over axis 1 of (N, C), (N, C, L) or (N, C, H, W), optionally fused with what follows it
 * in a ResNet block: y = relu(bn(x) + residual), the residual add and the ReLU each optional. Training mode
 * normalises with batch statistics and updates the running ones; eval mode uses the running ones. Fused, it
 * is one kernel pass forward and one backward instead of three, and the graph keeps only x and y: the unfused
 * chain also keeps bn(x) and bn(x) + residual alive until the backward pass, which for ResNet-50 is about a
 * third of the activation memory. Same semantics as batch norm followed by {@code add} and {@code relu},
 * gradients included (the ReLU mask is y > 0).
 */
public final class BatchNorm {
    private BatchNorm() {}

    public static Tensor batchNorm(Tensor x, Tensor residual, boolean relu, Tensor runMean, Tensor runVar, Tensor weight,
                                   Tensor bias, boolean training, float momentum, float eps) {
        String op = "batch_norm" + (residual != null ? "_add" : "") + (relu ? "_relu" : "");
        if (x.dim() < 2) throw new IllegalArgumentException(op + ": input needs a channel axis, got " + Shape.str(x.shape()));
        int[] s = x.shape();
        int n = s[0], c = s[1], hw = Shape.prod(s, 2, s.length);
        if (residual != null) {
            Arithmetic.sameBackend(op, x, residual);
            if (!Arrays.equals(residual.shape(), s)) {
                throw new IllegalArgumentException(op + ": residual " + Shape.str(residual.shape())
                        + " must have the input's shape " + Shape.str(s));
            }
        }
        check(op, "weight", weight, c, x);
        check(op, "bias", bias, c, x);
        check(op, "running_mean", runMean, c, x);
        check(op, "running_var", runVar, c, x);
        Tensor gamma = weight != null ? weight : Tensor.full(x.device(), 1f, c);
        Tensor beta = bias != null ? bias : Tensor.zeros(x.device(), c);
        BatchNormCall call = new BatchNormCall(n, c, hw, gamma, beta, eps, residual, relu);
        Tensor y = Tensor.uninitialized(x.backend(), s);
        if (training) {
            if ((long) n * hw < 2) {
                throw new IllegalArgumentException(op + ": training needs more than one value per channel, got input "
                        + Shape.str(s));
            }
            Tensor mean = Tensor.uninitialized(x.backend(), c), invStd = Tensor.uninitialized(x.backend(), c);
            x.backend().batchNormForward(call, x, new BatchNormCall.FromBatch(momentum, runMean, runVar, mean, invStd), y);
            boolean residualGrad = residual != null && residual.requiresGrad();
            // the backward pass reads y only to mask by the ReLU: without it the graph need not keep y alive
            Tensor output = relu ? y : null;
            return Autograd.record(op, y, g -> {
                Tensor dx = Tensor.uninitialized(g.backend(), s);
                Tensor dRes = residualGrad ? Tensor.uninitialized(g.backend(), s) : null;
                Tensor dgamma = Tensor.uninitialized(g.backend(), c), dbeta = Tensor.uninitialized(g.backend(), c);
                g.backend().batchNormBackward(call, x, output, g, mean, invStd,
                        new BatchNormCall.Gradients(dx, dRes, dgamma, dbeta));
                return residual == null ? new Tensor[] {dx, dgamma, dbeta} : new Tensor[] {dx, dRes, dgamma, dbeta};
            }, inputs(x, residual, weight, bias));
        }
        if (runMean == null || runVar == null) {
            throw new IllegalArgumentException(op + ": eval mode needs running_mean and running_var");
        }
        x.backend().batchNormForward(call, x, new BatchNormCall.Given(runMean, runVar), y);
        return Autograd.record(op + "_eval", y, g -> {
            int[] bshape = new int[s.length];
            Arrays.fill(bshape, 1);
            bshape[1] = c;
            Tensor masked = relu ? Arithmetic.apply(BinaryOp.RELU_BACKWARD, g, y) : g;
            Tensor std = runVar.add(eps).sqrt().reshape(bshape);
            Tensor xhat = x.sub(runMean.reshape(bshape)).div(std);
            int[] axes = new int[s.length - 1];
            for (int i = 0; i < axes.length; i++) axes[i] = i == 0 ? 0 : i + 1;
            Tensor dx = masked.mul(gamma.reshape(bshape).div(std)), dgamma = masked.mul(xhat).sum(axes, false);
            Tensor dbeta = masked.sum(axes, false);
            return residual == null ? new Tensor[] {dx, dgamma, dbeta} : new Tensor[] {dx, masked, dgamma, dbeta};
        }, inputs(x, residual, weight, bias));
    }

    /** The recorded inputs: x, the residual where there is one, weight and bias. */
    private static Tensor[] inputs(Tensor x, Tensor residual, Tensor weight, Tensor bias) {
        return residual == null ? new Tensor[] {x, weight, bias} : new Tensor[] {x, residual, weight, bias};
    }

    private static void check(String op, String what, Tensor t, int c, Tensor x) {
        if (t != null && (t.dim() != 1 || t.size(0) != c)) {
            throw new IllegalArgumentException(op + ": " + what + " must have shape [" + c + "] for input "
                    + Shape.str(x.shape()) + ", got " + Shape.str(t.shape()));
        }
    }
}
