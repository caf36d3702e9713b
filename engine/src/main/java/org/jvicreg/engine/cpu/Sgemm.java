package org.jvicreg.engine.cpu;

import static org.jvicreg.engine.cpu.SgemmKernel.MR;
import static org.jvicreg.engine.cpu.SgemmKernel.NR;

/**
 * Single-precision GEMM on the CPU, row-major: C = alpha * op(A) * op(B) + beta * C, on dense matrices
 * through {@link BlockedGemm}. {@link #split} divides any blocked product among the pool's threads.
 */
public final class Sgemm {
    /** Below this many flops a product runs on the calling thread: forking costs more than it saves. */
    static final double PARALLEL_FLOPS = 4e6;

    private Sgemm() {}

    /** Multi-threaded GEMM; offsets and leading dimensions in elements. beta = 0 ignores C's old contents. */
    public static void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            scale(c, cOff, ldc, m, n, beta);
            return;
        }
        if (beta != 0f) scale(c, cOff, ldc, m, n, beta);
        var opA = new GemmOperands.DenseA(ta, a, aOff, lda, alpha);
        var opB = new GemmOperands.DenseB(tb, b, bOff, ldb);
        GemmOutput out = GemmOutput.matrix(c, cOff, ldc);
        split(m, n, k, (i0, i1, j0, j1) -> BlockedGemm.run(opA, opB, out, i0, i1, j0, j1, 0, k, beta != 0f));
    }

    /** A rectangle [i0, i1) x [j0, j1) of C. */
    @FunctionalInterface
    interface Block {
        void run(int i0, int i1, int j0, int j1);
    }

    /**
     * Runs an m x n (x k deep) product as one block per thread: strips of whole NR-column panels when
     * there are enough of them, else strips of whole MR-row panels. Small products, and calls from inside
     * the pool, run as one block on the calling thread.
     */
    static void split(int m, int n, int k, Block body) {
        int threads = Parallel.insidePool() || 2.0 * m * n * k < PARALLEL_FLOPS ? 1 : Parallel.threads();
        int colPanels = (n + NR - 1) / NR, rowPanels = (m + MR - 1) / MR;
        if (threads == 1 || (colPanels < threads && rowPanels < threads)) {
            body.run(0, m, 0, n);
        } else if (colPanels >= threads && (long) colPanels * NR * 2 >= (long) rowPanels * MR) {
            Parallel.forRange(colPanels, 1, (lo, hi) -> body.run(0, m, lo * NR, Math.min(n, hi * NR)));
        } else {
            Parallel.forRange(rowPanels, 1, (lo, hi) -> body.run(lo * MR, Math.min(m, hi * MR), 0, n));
        }
    }

    /** C = beta * C over an m x n window (beta = 0 writes zeros, whatever C held). */
    static void scale(float[] c, int cOff, int ldc, int m, int n, float beta) {
        if (beta == 1f) return;
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0f) {
                java.util.Arrays.fill(c, row, row + n, 0f);
            } else {
                for (int j = 0; j < n; j++) c[row + j] *= beta;
            }
        }
    }
}
