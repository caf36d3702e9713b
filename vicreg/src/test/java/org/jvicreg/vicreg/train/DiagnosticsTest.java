package org.jvicreg.vicreg.train;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The eigen-solver behind RankMe and the collapse diagnostics on embeddings of known structure. */
class DiagnosticsTest {

    /** Q diag(lambda) Q^T with Q from Gram-Schmidt on random vectors. */
    private static double[] withSpectrum(double[] lambda, long seed) {
        int n = lambda.length;
        Rng rng = new Rng(seed);
        double[][] q = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) q[i][k] = rng.nextGaussian();
            for (int j = 0; j < i; j++) {
                double dot = 0;
                for (int k = 0; k < n; k++) dot += q[i][k] * q[j][k];
                for (int k = 0; k < n; k++) q[i][k] -= dot * q[j][k];
            }
            double norm = 0;
            for (int k = 0; k < n; k++) norm += q[i][k] * q[i][k];
            for (int k = 0; k < n; k++) q[i][k] /= Math.sqrt(norm);
        }
        double[] a = new double[n * n];
        for (int r = 0; r < n; r++) for (int c = 0; c < n; c++) {
            double s = 0;
            for (int k = 0; k < n; k++) s += q[k][r] * lambda[k] * q[k][c];
            a[r * n + c] = s;
        }
        return a;
    }

    @Test
    void eigenvaluesOfKnownSpectra() {
        double[][] spectra = {{3}, {-1, 2}, {0, 0, 5, 5, 1e-9}, new double[40]};
        for (int i = 0; i < 40; i++) spectra[3][i] = Math.pow(1.3, i) - 3;
        for (double[] lambda : spectra) {
            double[] expected = lambda.clone();
            java.util.Arrays.sort(expected);
            double[] got = SymmetricEigenvalues.of(withSpectrum(lambda, lambda.length), lambda.length);
            double scale = Math.max(1, Math.abs(expected[expected.length - 1]));
            for (int i = 0; i < expected.length; i++) assertEquals(expected[i], got[i], 1e-9 * scale, "eigenvalue " + i);
        }
        assertArrayEquals(new double[] {1, 2, 3}, SymmetricEigenvalues.of(new double[] {3, 0, 0, 0, 1, 0, 0, 0, 2}, 3), 0);
    }

    @Test
    void rankMeCountsTheDimensionsInUse() {
        Rng rng = new Rng(1);
        // rank-3 embeddings in 64 dimensions: RankMe near 3; isotropic ones: near min(N, D)
        Tensor low = Tensor.randn(rng, 200, 3).matmul(Tensor.randn(rng, 3, 64));
        double r3 = EmbeddingStats.of(low).rankMe();
        assertTrue(r3 > 2.0 && r3 < 3.5, "rank-3 RankMe " + r3);
        double full = EmbeddingStats.of(Tensor.randn(rng, 200, 64)).rankMe();
        assertTrue(full > 50 && full <= 64, "isotropic RankMe " + full);
    }

    @Test
    void stdAndCorrelationOfKnownEmbeddings() {
        Rng rng = new Rng(2);
        Tensor z = Tensor.randn(rng, 4000, 8).mul(Tensor.of(new float[] {1, 2, 3, 4, 0.5f, 1, 1, 1}));
        EmbeddingStats s = EmbeddingStats.of(z);
        assertEquals(13.5 / 8, s.meanStd(), 0.05);
        assertEquals(0.5, s.minStd(), 0.02);
        assertTrue(s.meanAbsCorrelation() < 0.03, "independent dims: " + s.meanAbsCorrelation());
        Tensor a = Tensor.randn(rng, 500, 1);
        Tensor dup = Tensor.cat(java.util.List.of(a, a.mul(-2f), a.mul(3f)), 1);
        assertEquals(1.0, EmbeddingStats.of(dup).meanAbsCorrelation(), 1e-4);
    }
}
