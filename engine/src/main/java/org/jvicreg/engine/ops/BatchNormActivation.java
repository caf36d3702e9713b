package org.jvicreg.engine.ops;

import org.jvicreg.engine.Autograd;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.BinaryOp;

import java.util.Arrays;

/**
 * Batch norm fused with what follows it in a ResNet block: y = relu(bn(x) + residual), the residual
 * optional. One kernel pass forward and one backward instead of three, and the graph keeps only x and y:
 * the unfused chain also keeps bn(x) and bn(x) + residual alive until the backward pass, which for
 * ResNet-50 is about a third of the activation memory. Same semantics as {@link BatchNorm} followed by
 * {@code add} and {@code relu}, gradients included (the ReLU mask is y > 0).
 */
public final class BatchNormActivation {
    private BatchNormActivation() {}

    public static Tensor batchNormRelu(Tensor x, Tensor residual, Tensor runMean, Tensor runVar, Tensor weight,
                                       Tensor bias, boolean training, float momentum, float eps) {
        String op = residual == null ? "batch_norm_relu" : "batch_norm_add_relu";
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
        for (Tensor t : new Tensor[] {weight, bias, runMean, runVar}) {
            if (t != null && (t.dim() != 1 || t.size(0) != c)) {
                throw new IllegalArgumentException(op + ": per-channel tensors must have shape [" + c + "] for input "
                        + Shape.str(s) + ", got " + Shape.str(t.shape()));
            }
        }
        Tensor gamma = weight != null ? weight : Tensor.full(x.device(), 1f, c);
        Tensor beta = bias != null ? bias : Tensor.zeros(x.device(), c);
        Tensor y = Tensor.uninitialized(x.backend(), s);
        if (training) {
            if ((long) n * hw < 2) {
                throw new IllegalArgumentException(op + ": training needs more than one value per channel, got input "
                        + Shape.str(s));
            }
            Tensor mean = Tensor.uninitialized(x.backend(), c), invStd = Tensor.uninitialized(x.backend(), c);
            x.backend().batchNormTrainActivation(n, c, hw, x, gamma, beta, eps, momentum, runMean, runVar, residual, true,
                    y, mean, invStd);
            boolean residualGrad = residual != null && residual.requiresGrad();
            return Autograd.record(op, y, g -> {
                Tensor dx = Tensor.uninitialized(g.backend(), s);
                Tensor dRes = residualGrad ? Tensor.uninitialized(g.backend(), s) : null;
                Tensor dgamma = Tensor.uninitialized(g.backend(), c), dbeta = Tensor.uninitialized(g.backend(), c);
                g.backend().batchNormBackwardActivation(n, c, hw, x, y, true, g, gamma, mean, invStd, eps, dx, dRes, dgamma, dbeta);
                return new Tensor[] {dx, dRes, dgamma, dbeta};
            }, x, residual, weight, bias);
        }
        if (runMean == null || runVar == null) {
            throw new IllegalArgumentException(op + ": eval mode needs running_mean and running_var");
        }
        x.backend().batchNormEvalActivation(n, c, hw, x, gamma, beta, runMean, runVar, eps, residual, true, y);
        return Autograd.record(op + "_eval", y, g -> {
            int[] bshape = new int[s.length];
            Arrays.fill(bshape, 1);
            bshape[1] = c;
            Tensor masked = Arithmetic.apply(BinaryOp.RELU_BACKWARD, g, y);
            Tensor std = runVar.add(eps).sqrt().reshape(bshape);
            Tensor xhat = x.sub(runMean.reshape(bshape)).div(std);
            int[] axes = new int[s.length - 1];
            for (int i = 0; i < axes.length; i++) axes[i] = i == 0 ? 0 : i + 1;
            return new Tensor[] {masked.mul(gamma.reshape(bshape).div(std)), masked,
                masked.mul(xhat).sum(axes, false), masked.sum(axes, false)};
        }, x, residual, weight, bias);
    }
}
