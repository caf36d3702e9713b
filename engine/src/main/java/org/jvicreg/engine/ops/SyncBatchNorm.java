package org.jvicreg.engine.ops;

import org.jvicreg.engine.Autograd;
import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.BatchNormCall;
import org.jvicreg.engine.dist.Collective;

import java.util.Arrays;

/**
 * Training-mode batch norm over the batch of all ranks, as PyTorch's SyncBatchNorm: each rank's per-channel
 * mean and variance (and value count) are all-gathered and combined exactly (Chan et al.'s parallel
 * variance, in double), the batch is normalised with the combined statistics through the backend's fused
 * kernel (residual add and ReLU included), and the running statistics move with them. The backward pass
 * all-reduces the two per-channel sums the input gradient needs, sum(dy) and sum(dy * xhat), so that
 * each rank's dx is the gradient of the loss of all ranks; dgamma and dbeta stay this rank's sums, which
 * data-parallel training then averages like every other parameter gradient. Both passes are the backend's
 * fused kernels (two passes over the activations backward, as one process's batch norm, plus one to
 * correct dx), so synchronising costs little beyond the small collectives. One rank's statistics equal
 * {@link BatchNorm}'s up to rounding.
 */
public final class SyncBatchNorm {
    private SyncBatchNorm() {}

    public static Tensor batchNorm(Collective group, Tensor x, Tensor residual, boolean relu, Tensor runMean, Tensor runVar,
                                   Tensor weight, Tensor bias, float momentum, float eps) {
        String op = "sync_batch_norm" + (residual != null ? "_add" : "") + (relu ? "_relu" : "");
        if (x.dim() < 2) throw new IllegalArgumentException(op + ": input needs a channel axis, got " + Shape.str(x.shape()));
        int[] s = x.shape();
        int n = s[0], c = s[1], hw = Shape.prod(s, 2, s.length);
        if (residual != null && !Arrays.equals(residual.shape(), s)) {
            throw new IllegalArgumentException(op + ": residual " + Shape.str(residual.shape()) + " must have the input's shape " + Shape.str(s));
        }
        int[] axes = new int[s.length - 1], bshape = new int[s.length];
        for (int i = 0; i < axes.length; i++) axes[i] = i == 0 ? 0 : i + 1;
        Arrays.fill(bshape, 1);
        bshape[1] = c;
        Tensor gamma = weight != null ? weight : Tensor.full(x.device(), 1f, c);
        Tensor beta = bias != null ? bias : Tensor.zeros(x.device(), c);

        double[] stats = combinedStatistics(group, x, axes, c, (long) n * hw, op);
        double total = stats[2 * c];
        float[] mean = new float[c], var = new float[c], invStd = new float[c];
        for (int j = 0; j < c; j++) {
            mean[j] = (float) stats[j];
            var[j] = (float) stats[c + j];
            invStd[j] = (float) (1.0 / Math.sqrt(stats[c + j] + eps));
        }
        Tensor meanT = Tensor.of(mean).to(x.device()), varT = Tensor.of(var).to(x.device());
        Tensor invStdT = Tensor.of(invStd).to(x.device());
        try (var g = Grad.off()) {
            if (runMean != null) runMean.assignInPlace(runMean.mul(1 - momentum).add(meanT.mul(momentum)));
            if (runVar != null) {
                float unbias = (float) (total / (total - 1));
                runVar.assignInPlace(runVar.mul(1 - momentum).add(varT.mul(momentum * unbias)));
            }
        }
        BatchNormCall call = new BatchNormCall(n, c, hw, gamma, beta, eps, residual, relu);
        Tensor y = Tensor.uninitialized(x.backend(), s);
        x.backend().batchNormForward(call, x, new BatchNormCall.Given(meanT, varT), y);
        boolean residualGrad = residual != null && residual.requiresGrad();
        Tensor output = relu ? y : null;
        float perValue = (float) (1.0 / total), perLocalValue = (float) (1.0 / ((double) n * hw));
        Tensor[] inputs = residual == null ? new Tensor[] {x, weight, bias} : new Tensor[] {x, residual, weight, bias};
        return Autograd.record(op, y, g -> {
            // the backend's backward with the global statistics gives this rank's dx as if its rows were the whole
            // batch, and dgamma / dbeta, which are this rank's sums of dy * xhat and dy
            Tensor dxLocal = Tensor.uninitialized(g.backend(), s), dRes = residualGrad ? Tensor.uninitialized(g.backend(), s) : null;
            Tensor dgamma = Tensor.uninitialized(g.backend(), c), dbeta = Tensor.uninitialized(g.backend(), c);
            g.backend().batchNormBackward(call, x, output, g, meanT, invStdT, new BatchNormCall.Gradients(dxLocal, dRes, dgamma, dbeta));
            Tensor sums = Tensor.cat(java.util.List.of(dbeta, dgamma), 0);
            group.allReduceSum(sums);
            // dx = gamma * invStd * (dy - sumDy / M - xhat * sumDyXhat / M) over the M values of all ranks; it differs
            // from dxLocal (the same with this rank's m values and sums) by a + b * xhat per channel, added in one
            // pass by the forward kernel: b * (x - mean) * invStd + a + dxLocal
            Tensor scale = gamma.mul(invStdT);
            Tensor a = scale.mul(dbeta.mul(perLocalValue).sub(sums.narrow(0, 0, c).mul(perValue)));
            Tensor b = scale.mul(dgamma.mul(perLocalValue).sub(sums.narrow(0, c, c).mul(perValue)));
            Tensor dx = Tensor.uninitialized(g.backend(), s);
            g.backend().batchNormForward(new BatchNormCall(n, c, hw, b, a, eps, dxLocal, false), x,
                    new BatchNormCall.Given(meanT, varT), dx);
            return residual == null ? new Tensor[] {dx, dgamma, dbeta} : new Tensor[] {dx, dRes, dgamma, dbeta};
        }, inputs);
    }

    /**
     * [mean (c), biased variance (c), count]: every rank's mean and variance of its {@code count} values per
     * channel, all-gathered and combined as sum_r m_r * (var_r + (mean_r - mean)^2) / M.
     */
    private static double[] combinedStatistics(Collective group, Tensor x, int[] axes, int c, long count, String op) {
        if (count > 1 << 24) throw new IllegalArgumentException(op + ": more than 2^24 values per channel on one rank");
        float[] local;
        try (var g = Grad.off()) {
            Tensor mean = x.mean(axes, false), var = x.var(axes, false, false);
            Tensor row = Tensor.cat(java.util.List.of(mean, var, Tensor.full(x.device(), (float) count, 1)), 0);
            int[] ones = new int[group.size()];
            Arrays.fill(ones, 1);
            local = group.allGather(row.reshape(1, 2 * c + 1), ones).toArray();
        }
        int ranks = group.size(), width = 2 * c + 1;
        double total = 0;
        for (int r = 0; r < ranks; r++) total += local[r * width + 2 * c];
        if (total < 2) throw new IllegalArgumentException(op + ": training needs more than one value per channel over all ranks");
        double[] out = new double[width];
        for (int j = 0; j < c; j++) {
            double m = 0;
            for (int r = 0; r < ranks; r++) m += local[r * width + 2 * c] * (double) local[r * width + j];
            m /= total;
            double m2 = 0;
            for (int r = 0; r < ranks; r++) {
                double cnt = local[r * width + 2 * c], d = local[r * width + j] - m;
                m2 += cnt * (local[r * width + c + j] + d * d);
            }
            out[j] = m;
            out[c + j] = m2 / total;
        }
        out[2 * c] = total;
        return out;
    }
}
