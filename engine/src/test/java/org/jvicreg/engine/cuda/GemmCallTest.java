package org.jvicreg.engine.cuda;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The row-major to column-major rewrite of {@link GemmCall}, checked by running the rewritten call
 * through {@link HostBlas} (cuBLAS's column-major semantics) on one block of native memory, against a
 * reference row-major SGEMM (the Backend contract) on the same values.
 */
class GemmCallTest {

    /** The Backend's contract: row-major, element (i, j) at i * ld + j. */
    private static void rowMajor(boolean ta, boolean tb, int m, int n, int k, float alpha, int a, int lda, long sa,
                                 int bb, int ldb, long sb, float beta, int c, int ldc, long sc, int batch, float[] mem) {
        for (int b = 0; b < batch; b++) {
            int a0 = (int) (a + b * sa), b0 = (int) (bb + b * sb), c0 = (int) (c + b * sc);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int l = 0; l < k; l++) {
                        float av = ta ? mem[a0 + l * lda + i] : mem[a0 + i * lda + l];
                        float bv = tb ? mem[b0 + j * ldb + l] : mem[b0 + l * ldb + j];
                        s += av * bv;
                    }
                    int ci = c0 + i * ldc + j;
                    mem[ci] = (float) (alpha * s + (beta == 0 ? 0 : beta * mem[ci]));
                }
            }
        }
    }

    @Test
    void theColumnMajorCallComputesTheRowMajorProduct() {
        Random rnd = new Random(3);
        for (int trial = 0; trial < 200; trial++) {
            boolean ta = rnd.nextBoolean(), tb = rnd.nextBoolean();
            int m = 1 + rnd.nextInt(5), n = 1 + rnd.nextInt(5), k = 1 + rnd.nextInt(5), batch = 1 + rnd.nextInt(3);
            int lda = (ta ? m : k) + rnd.nextInt(2), ldb = (tb ? k : n) + rnd.nextInt(2), ldc = n + rnd.nextInt(2);
            int aRows = ta ? k : m, bRows = tb ? n : k;
            long sa = rnd.nextInt(3) == 0 ? 0 : (long) aRows * lda, sb = rnd.nextInt(3) == 0 ? 0 : (long) bRows * ldb;
            long sc = (long) m * ldc;
            int a = 5, b = a + (int) (sa * batch) + aRows * lda + 3, c = b + (int) (sb * batch) + bRows * ldb + 3;
            float[] mem = new float[c + (int) (sc * batch) + 8];
            for (int i = 0; i < mem.length; i++) mem[i] = rnd.nextInt(7) - 3;
            float alpha = rnd.nextBoolean() ? 1f : 0.5f, beta = rnd.nextInt(3) == 0 ? 0f : 2f;
            float[] expected = mem.clone(), actual = mem;
            rowMajor(ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc, batch, expected);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment device = arena.allocateFrom(JAVA_FLOAT, actual);
                long base = device.address(), f = Float.BYTES;
                new HostBlas().sgemm(GemmCall.fromRowMajor(ta, tb, m, n, k, base + a * f, lda, sa, base + b * f, ldb, sb,
                        base + c * f, ldc, sc, batch), alpha, beta, false);
                assertArrayEquals(expected, device.toArray(JAVA_FLOAT), "trial " + trial);
            }
        }
    }

    @Test
    void emptyProductsAreSkipped() {
        assertTrue(GemmCall.fromRowMajor(false, false, 0, 3, 2, 0, 2, 0, 0, 3, 0, 0, 3, 0, 1).empty());
        assertTrue(GemmCall.fromRowMajor(false, false, 3, 3, 2, 0, 2, 0, 0, 3, 0, 0, 3, 0, 0).empty());
        assertFalse(GemmCall.fromRowMajor(false, false, 3, 3, 0, 0, 1, 0, 0, 3, 0, 0, 3, 0, 1).empty(),
                "k = 0 still scales C by beta");
    }
}
