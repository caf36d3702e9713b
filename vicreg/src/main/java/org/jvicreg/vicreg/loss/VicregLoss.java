package org.jvicreg.vicreg.loss;

import org.jvicreg.engine.Autograd;
import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Node;
import org.jvicreg.engine.Tensor;

import java.util.function.Supplier;

/**
 * The VICReg loss exactly as the official code computes it (facebookresearch/vicreg), for embeddings
 * x, y of shape (N, D):
 * <pre>
 *   invariance = mean over N*D of (x - y)^2                         (F.mse_loss)
 *   std_j      = sqrt(unbiased var_j + 1e-4), per column
 *   variance   = mean_j relu(1 - std_x_j) / 2 + mean_j relu(1 - std_y_j) / 2
 *   covariance = sum_{i != j} C_x[i,j]^2 / D + sum_{i != j} C_y[i,j]^2 / D,  C = Xc^T Xc / (N - 1)
 *   loss       = sim * invariance + std * variance + cov * covariance   (25, 25, 1 by default)
 * </pre>
 * The paper writes the terms with other constant factors (a per-sample sum instead of the mean, no /2);
 * the 25/25/1 coefficients were tuned for the code's normalisation, so this matches the code.
 *
 * <p>One autograd op with an analytic backward. The off-diagonal covariance sum and its gradient come
 * from the N x N Gram matrix K = Xc Xc^T when N < D, in O(N^2 D) and without any D x D matrix:
 * {@code sum_{i!=j} C_ij^2 = (||K||_F^2 - sum_j s_j^2) / (N-1)^2} with {@code s_j = sum_i Xc_ij^2}, and
 * d/dX = 4 (K Xc - Xc diag(s)) / (N-1)^2 (already column-centred, so the centring adds nothing).
 * Otherwise C is formed directly (O(N D^2)) and d/dX = 4 Xc offdiag(C) / (N-1).
 */
public final class VicregLoss implements SslLoss {

    /** How the covariance term is computed; AUTO picks GRAM when N < D. */
    public enum CovPath { AUTO, GRAM, DIRECT }

    /**
     * The recorded loss plus every term and the per-dimension std of both branches, for diagnostics;
     * {@link #gradientNorms()} computes, when asked, how hard each weighted term pulls on the embeddings.
     */
    public record Result(Tensor loss, double invariance, double variance, double covariance, Tensor stdX, Tensor stdY,
                         Supplier<TermGradients> termGradients) {
        public double total() {
            return loss.item();
        }

        /**
         * See {@link TermGradients}; one more pass over the statistics (for the Gram path an N x N x D product
         * per branch), which on a device must run before the step's {@code Memory.scope} releases them.
         */
        public TermGradients gradientNorms() {
            return termGradients.get();
        }
    }

    /**
     * The Frobenius norm of each weighted term's gradient with respect to both embedding matrices together,
     * ||d(sim * invariance)/d(x, y)||, ||d(std * variance)/d(x, y)||, ||d(cov * covariance)/d(x, y)||: which
     * term drives the embeddings, and how that shifts during training (the loss's gradient is their sum).
     */
    public record TermGradients(double invariance, double variance, double covariance) {}

    public static final float EPS = 1e-4f;

    private final double simCoeff, stdCoeff, covCoeff;
    private final CovPath path;

    public VicregLoss(double simCoeff, double stdCoeff, double covCoeff, CovPath path) {
        this.simCoeff = simCoeff;
        this.stdCoeff = stdCoeff;
        this.covCoeff = covCoeff;
        this.path = path;
    }

    /** The official coefficients 25 / 25 / 1. */
    public static VicregLoss official() {
        return new VicregLoss(25, 25, 1, CovPath.AUTO);
    }

    @Override
    public String name() {
        return "vicreg";
    }

    @Override
    public Terms evaluate(Tensor x, Tensor y) {
        Result r = compute(x, y);
        java.util.Map<String, Double> v = new java.util.LinkedHashMap<>();
        v.put("invariance", r.invariance());
        v.put("variance", r.variance());
        v.put("covariance", r.covariance());
        return new Terms(r.loss(), v);
    }

    public Result compute(Tensor x, Tensor y) {
        return compute(x, y, x, y);
    }

    /**
     * The loss of data-parallel training, as the official code computes it on each rank: the invariance term on
     * this rank's rows {@code x, y}, the variance and covariance terms on the rows of all ranks {@code xAll,
     * yAll} (from {@link org.jvicreg.engine.ops.AllGather#rows}, whose backward pass sends their gradient back to
     * each rank's rows). With {@code xAll == x} and {@code yAll == y} it is {@link #compute(Tensor, Tensor)}.
     */
    public Result compute(Tensor x, Tensor y, Tensor xAll, Tensor yAll) {
        SslLoss.checkPair("vicreg", x, y, ": the variance and covariance terms use the unbiased estimate, which divides by N - 1");
        boolean local = xAll == x && yAll == y;
        if (!local) {
            SslLoss.checkPair("vicreg", xAll, yAll, "");
            if (xAll.size(1) != x.size(1)) {
                throw new IllegalArgumentException("vicreg loss: the gathered embeddings have " + xAll.size(1) + " columns, this rank's "
                        + x.size(1));
            }
        }
        int n = x.size(0), d = x.size(1), nAll = xAll.size(0);
        boolean gram = path == CovPath.GRAM || (path == CovPath.AUTO && nAll < d);
        Branch bx, by;
        Tensor diff;
        double[] sums;
        try (var g = Grad.off()) {
            diff = x.sub(y);
            bx = new Branch(xAll, nAll, d, gram);
            by = new Branch(yAll, nAll, d, gram);
            // everything the loss's value needs from the device, read in one go
            sums = hostSums(diff.square().sum(), bx.hingeSum, by.hingeSum, bx.secondRowSums, bx.diagSquares,
                    by.secondRowSums, by.diagSquares);
        }
        double invariance = sums[0] / ((double) n * d);
        double variance = (sums[1] + sums[2]) / (2.0 * d);
        double covariance = (bx.offDiagonal(sums[3], sums[4]) + by.offDiagonal(sums[5], sums[6])) / d;
        double total = simCoeff * invariance + stdCoeff * variance + covCoeff * covariance;
        Tensor loss = Tensor.full(x.device(), (float) total, new int[0]);
        final Tensor savedDiff = diff;
        boolean needX = x.requiresGrad(), needY = y.requiresGrad();
        boolean needXAll = !local && xAll.requiresGrad(), needYAll = !local && yAll.requiresGrad();
        Node.Backward backward = g -> {
            float up = g.item();
            float invScale = (float) (up * simCoeff * 2.0 / ((double) n * d));
            float varScale = (float) (up * stdCoeff / (2.0 * d));
            float covScale = (float) (up * covCoeff / d);
            if (local) {
                Tensor dx = needX ? bx.gradient(varScale, covScale).add(savedDiff.mul(invScale)) : null;
                Tensor dy = needY ? by.gradient(varScale, covScale).sub(savedDiff.mul(invScale)) : null;
                return new Tensor[] {dx, dy};
            }
            Tensor dx = needX ? savedDiff.mul(invScale) : null;
            Tensor dy = needY ? savedDiff.mul(-invScale) : null;
            Tensor dxAll = needXAll ? bx.gradient(varScale, covScale) : null;
            Tensor dyAll = needYAll ? by.gradient(varScale, covScale) : null;
            return new Tensor[] {dx, dy, dxAll, dyAll};
        };
        loss = local ? Autograd.record("vicreg_loss", loss, backward, x, y)
                : Autograd.record("vicreg_loss", loss, backward, x, y, xAll, yAll);
        Supplier<TermGradients> norms = () -> {
            try (var g = Grad.off()) {
                float varScale = (float) (stdCoeff / (2.0 * d)), covScale = (float) (covCoeff / d);
                // the invariance gradient is +-(2 sim / (N D)) (x - y) for x and y, and ||x - y||^2 = invariance * N * D
                double inv = Math.sqrt(2 * invariance * n * d) * simCoeff * 2.0 / ((double) n * d);
                double[] s = hostSums(Branch.rowSumsOfSquares(bx.varianceGradient(varScale)),
                        Branch.rowSumsOfSquares(by.varianceGradient(varScale)),
                        Branch.rowSumsOfSquares(bx.covarianceGradient(covScale)),
                        Branch.rowSumsOfSquares(by.covarianceGradient(covScale)));
                double var = Math.sqrt(s[0] + s[1]);
                double cov = Math.sqrt(s[2] + s[3]);
                return new TermGradients(inv, var, cov);
            }
        };
        return new Result(loss, invariance, variance, covariance, bx.std, by.std, norms);
    }

    /**
     * For each tensor, the sum of its float values in double, in index order (a one-element tensor gives its
     * value), from a single read of them all: on a device the host waits for its queue once, not per tensor.
     */
    private static double[] hostSums(Tensor... parts) {
        java.util.List<Tensor> flat = new java.util.ArrayList<>(parts.length);
        for (Tensor t : parts) flat.add(t.reshape(t.numel()));
        float[] all = Tensor.cat(flat, 0).toArray();
        double[] out = new double[parts.length];
        int at = 0;
        for (int i = 0; i < parts.length; i++) {
            double s = 0;
            for (int k = 0; k < parts[i].numel(); k++) s += all[at++];
            out[i] = s;
        }
        return out;
    }

    /** One embedding matrix's statistics, with what its gradient needs. */
    private static final class Branch {
        final int n, d;
        final boolean gram;
        final Tensor centred, std, hingeGrad;
        /** sum_j relu(1 - std_j), the row sums of the squared second-moment matrix, and s_j^2 (device tensors). */
        final Tensor hingeSum, secondRowSums, diagSquares;
        /** K = Xc Xc^T (gram) or C = Xc^T Xc / (N-1) (direct). */
        final Tensor second;
        /** s_j = sum_i Xc_ij^2 (so diag(C) = s / (N-1)), as a (1, D) row. */
        final Tensor diag;

        Branch(Tensor z, int n, int d, boolean gram) {
            this.n = n;
            this.d = d;
            this.gram = gram;
            // columnStdHinge writes every element of all three
            centred = Tensor.uninitialized(z.backend(), n, d);
            std = Tensor.uninitialized(z.backend(), d);
            hingeGrad = Tensor.uninitialized(z.backend(), n, d);
            z.backend().columnStdHinge(n, d, z, EPS, centred, std, hingeGrad);
            hingeSum = std.neg().add(1f).relu().sum();
            double nm1 = n - 1;
            diag = centred.square().sum(0, true);
            second = gram ? centred.matmul(centred, false, true)
                    : centred.matmul(centred, true, false).mul((float) (1 / nm1));
            // the off-diagonal sum is the difference of two large sums: row sums on the device, the rest in
            // double on the host (offDiagonal)
            secondRowSums = rowSumsOfSquares(second);
            diagSquares = rowSumsOfSquares(diag.reshape(d, 1));
        }

        /** sum_{i != j} C_ij^2 from the host totals of {@link #secondRowSums} and {@link #diagSquares}. */
        double offDiagonal(double second, double diag) {
            double nm1 = n - 1;
            return gram ? (second - diag) / (nm1 * nm1) : second - diag / (nm1 * nm1);
        }

        /** Float sums of each row of t^2 where the tensor lives (their total is taken in double on the host). */
        static Tensor rowSumsOfSquares(Tensor t) {
            return t.square().sum(1, false);
        }

        /** d/dz of (varScale * sum_j relu(1 - std_j) + covScale * sum_{i != j} C_ij^2). */
        Tensor gradient(float varScale, float covScale) {
            return covarianceGradient(covScale).add(varianceGradient(varScale));
        }

        /** d/dz of varScale * sum_j relu(1 - std_j). */
        Tensor varianceGradient(float varScale) {
            return hingeGrad.mul(varScale);
        }

        /** d/dz of covScale * sum_{i != j} C_ij^2. */
        Tensor covarianceGradient(float covScale) {
            double nm1 = n - 1;
            if (gram) {
                // 4 (K Xc - Xc diag(s)) / (N-1)^2
                return second.matmul(centred).sub(centred.mul(diag)).mul((float) (4 * covScale / (nm1 * nm1)));
            }
            // 4 Xc offdiag(C) / (N-1) = 4 (Xc C - Xc diag(s) / (N-1)) / (N-1)
            return centred.matmul(second).sub(centred.mul(diag.mul((float) (1 / nm1)))).mul((float) (4 * covScale / nm1));
        }
    }
}
