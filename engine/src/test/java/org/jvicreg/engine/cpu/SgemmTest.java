package org.jvicreg.engine.cpu;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Rng;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packed GEMM against a double-precision triple loop, across block edges, transposes and strides. */
class SgemmTest {

    private static float[] random(Rng rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rng.nextGaussian();
        return a;
    }

    private static void check(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta, int pad) {
        Rng rng = new Rng(m * 31L + n * 7L + k + (ta ? 1000 : 0) + (tb ? 2000 : 0));
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        int aOff = 3, bOff = 5, cOff = 7;
        float[] a = random(rng, aOff + (ta ? k : m) * lda);
        float[] b = random(rng, bOff + (tb ? n : k) * ldb);
        float[] c = random(rng, cOff + m * ldc);
        float[] expected = c.clone();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double bv = tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                }
                int idx = cOff + i * ldc + j;
                expected[idx] = (float) (alpha * s + (beta == 0 ? 0 : beta * c[idx]));
            }
        }
        Sgemm.gemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        double maxErr = 0, maxRef = 0;
        for (int i = 0; i < c.length; i++) {
            maxErr = Math.max(maxErr, Math.abs(c[i] - expected[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        String what = "gemm ta=" + ta + " tb=" + tb + " " + m + "x" + n + "x" + k + " alpha=" + alpha + " beta=" + beta;
        assertTrue(maxErr <= 1e-5 * Math.max(1, maxRef) * Math.sqrt(k), what + ": max error " + maxErr);
    }

    @Test
    void smallAndOddShapes() {
        int[][] shapes = {{1, 1, 1}, {5, 3, 7}, {6, 16, 1}, {7, 33, 9}, {13, 17, 19}, {1, 100, 3}, {100, 1, 3}};
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) check((t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 1f, 0f, 0);
        }
    }

    @Test
    void acrossCacheBlocksAndThreads() {
        int mc = BlockedGemm.MC, kc = BlockedGemm.KC, nc = BlockedGemm.NC;
        // past one MC row block and one KC depth block, odd edges everywhere
        check(false, false, mc + 5, 1100, kc + 88, 1f, 0f, 0);
        check(true, false, 130, 70, 2 * kc + 1, 0.5f, 1f, 3);
        check(false, true, 101, 260, kc + 1, -1f, 0.25f, 1);
        check(true, true, mc + 3, 131, kc + 4, 2f, 0f, 2);
        check(false, false, 1030, 40, 64, 1f, 0f, 0); // tall: threads split rows
        check(false, true, 9, nc + 104, 7, 1f, 1f, 0);  // past one NC column block
        check(true, false, 3, 2 * nc + 37, 2, 1f, 0f, 0);
    }

    @Test
    void betaZeroIgnoresNaNInC() {
        float[] a = {1, 2, 3, 4}, b = {1, 0, 0, 1}, c = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        Sgemm.gemm(false, false, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2);
        assertTrue(c[0] == 1 && c[1] == 2 && c[2] == 3 && c[3] == 4, java.util.Arrays.toString(c));
    }
}
