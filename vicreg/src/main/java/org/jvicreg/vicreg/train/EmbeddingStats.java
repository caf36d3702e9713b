package org.jvicreg.vicreg.train;

import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Tensor;

/**
 * Collapse diagnostics of an embedding matrix Z (N x D), all computed without gradients:
 * <ul>
 *   <li>mean and minimum per-dimension std (sqrt of the unbiased variance, as the loss's std term);</li>
 *   <li>the mean absolute off-diagonal correlation between dimensions (over the first
 *       {@value #CORR_DIMS} dimensions when D is larger, to keep it O(N * 512^2));</li>
 *   <li>RankMe (Garrido et al., 2023): exp of the entropy of the normalised singular values of Z,
 *       p_k = sigma_k / sum(sigma) + 1e-7; the effective number of dimensions in use, between 1 and
 *       min(N, D).</li>
 * </ul>
 */
public record EmbeddingStats(double meanStd, double minStd, double meanAbsCorrelation, double rankMe) {
    static final int CORR_DIMS = 512;

    public static EmbeddingStats of(Tensor z) {
        try (var g = Grad.off()) {
            int n = z.size(0), d = z.size(1);
            Tensor std = z.var(0, true, false).sqrt();
            float[] s = std.toArray();
            double sum = 0, min = Double.POSITIVE_INFINITY;
            for (float v : s) {
                sum += v;
                min = Math.min(min, v);
            }
            return new EmbeddingStats(sum / d, min, meanAbsCorrelation(z, n, d), rankMe(z, n, d));
        }
    }

    static double meanAbsCorrelation(Tensor z, int n, int d) {
        int k = Math.min(d, CORR_DIMS);
        Tensor zk = k == d ? z : z.narrow(1, 0, k);
        Tensor centred = zk.sub(zk.mean(0, true));
        Tensor std = centred.square().sum(0, true).sqrt();
        Tensor unit = centred.div(std.add(1e-12f));
        float[] r = unit.matmul(unit, true, false).toArray();
        double total = 0;
        for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) if (i != j) total += Math.abs(r[i * k + j]);
        return k < 2 ? 0 : total / ((double) k * (k - 1));
    }

    static double rankMe(Tensor z, int n, int d) {
        boolean rows = n <= d;
        int m = rows ? n : d;
        float[] gram = (rows ? z.matmul(z, false, true) : z.matmul(z, true, false)).toArray();
        double[] g = new double[m * m];
        for (int i = 0; i < g.length; i++) g[i] = gram[i];
        double[] eig = SymmetricEigenvalues.of(g, m);
        double total = 0;
        double[] sigma = new double[m];
        for (int i = 0; i < m; i++) {
            sigma[i] = Math.sqrt(Math.max(0, eig[i]));
            total += sigma[i];
        }
        if (total == 0) return 1;
        double entropy = 0;
        for (double v : sigma) {
            double p = v / total + 1e-7;
            entropy -= p * Math.log(p);
        }
        return Math.exp(entropy);
    }
}
