package org.jvicreg.engine.ops;

import org.jvicreg.engine.Autograd;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;

/**
 * Batch normalisation over axis 1 of (N, C), (N, C, L) or (N, C, H, W). Training mode normalises
 * with batch statistics and updates the running ones; eval mode uses the running ones.
 */
public final class BatchNorm {
    private BatchNorm() {}

    public static Tensor batchNorm(Tensor x, Tensor runMean, Tensor runVar, Tensor weight, Tensor bias,
                                   boolean training, float momentum, float eps) {
        if (x.dim() < 2) throw new IllegalArgumentException("batch_norm: input needs a channel axis, got " + Shape.str(x.shape()));
        int[] s = x.shape();
        int n = s[0], c = s[1], hw = Shape.prod(s, 2, s.length);
        check("weight", weight, c, x);
        check("bias", bias, c, x);
        check("running_mean", runMean, c, x);
        check("running_var", runVar, c, x);
        Tensor gamma = weight != null ? weight : Tensor.full(x.device(), 1f, c);
        Tensor beta = bias != null ? bias : Tensor.zeros(x.device(), c);
        Tensor y = Tensor.uninitialized(x.backend(), s);
        if (training) {
            if ((long) n * hw < 2) {
                throw new IllegalArgumentException("batch_norm: training needs more than one value per channel, got input "
                        + Shape.str(s));
            }
            Tensor mean = Tensor.uninitialized(x.backend(), c), invStd = Tensor.uninitialized(x.backend(), c);
            x.backend().batchNormTrain(n, c, hw, x, gamma, beta, eps, momentum, runMean, runVar, y, mean, invStd);
            return Autograd.record("batch_norm", y, g -> {
                Tensor dx = Tensor.uninitialized(g.backend(), s);
                Tensor dgamma = Tensor.uninitialized(g.backend(), c), dbeta = Tensor.uninitialized(g.backend(), c);
                g.backend().batchNormBackward(n, c, hw, x, g, gamma, mean, invStd, eps, dx, dgamma, dbeta);
                return new Tensor[] {dx, dgamma, dbeta};
            }, x, weight, bias);
        }
        if (runMean == null || runVar == null) {
            throw new IllegalArgumentException("batch_norm: eval mode needs running_mean and running_var");
        }
        x.backend().batchNormEval(n, c, hw, x, gamma, beta, runMean, runVar, eps, y);
        return Autograd.record("batch_norm_eval", y, g -> {
            int[] bshape = new int[s.length];
            java.util.Arrays.fill(bshape, 1);
            bshape[1] = c;
            Tensor std = runVar.add(eps).sqrt().reshape(bshape);
            Tensor scale = gamma.reshape(bshape).div(std);
            Tensor xhat = x.sub(runMean.reshape(bshape)).div(std);
            int[] axes = s.length == 2 ? new int[] {0} : new int[s.length - 1];
            if (s.length > 2) {
                axes[0] = 0;
                for (int i = 2; i < s.length; i++) axes[i - 1] = i;
            }
            return new Tensor[] {g.mul(scale), g.mul(xhat).sum(axes, false), g.sum(axes, false)};
        }, x, weight, bias);
    }

    private static void check(String what, Tensor t, int c, Tensor x) {
        if (t != null && (t.dim() != 1 || t.size(0) != c)) {
            throw new IllegalArgumentException("batch_norm: " + what + " must have shape [" + c + "] for input "
                    + Shape.str(x.shape()) + ", got " + Shape.str(t.shape()));
        }
    }
}
