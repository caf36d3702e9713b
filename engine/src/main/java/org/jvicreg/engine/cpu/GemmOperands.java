package org.jvicreg.engine.cpu;

import static org.jvicreg.engine.cpu.SgemmKernel.MR;
import static org.jvicreg.engine.cpu.SgemmKernel.NR;

/**
 * The two inputs of a {@link BlockedGemm}, each seen only through a method that copies one block of it
 * into the layout {@link SgemmKernel} streams through: A as MR-row panels ({@code [panel][k][MR]}), B as
 * NR-column panels ({@code [panel][k][NR]}), the rows (columns) past the block's end zero-filled up to the
 * panel size. Indices are absolute within the whole product, so a caller splits work by index ranges.
 * Dense matrices are here; convolutions supply their own packers that read the image directly.
 */
final class GemmOperands {
    private GemmOperands() {}

    /** The left operand, m x k. */
    interface A {
        /** Packs rows [i0, i0+mc) and k columns [p0, p0+kc) into ceil(mc/MR) panels of dst. */
        void pack(int i0, int mc, int p0, int kc, float[] dst);
    }

    /** The right operand, k x n. */
    interface B {
        /** Packs k rows [p0, p0+kc) and columns [j0, j0+nc) into ceil(nc/NR) panels of dst. */
        void pack(int p0, int kc, int j0, int nc, float[] dst);
    }

    /** alpha * op(A) for a row-major A with leading dimension lda (op = transpose when ta). */
    record DenseA(boolean ta, float[] a, int off, int lda, float alpha) implements A {
        /** Whether the tile may read A where it lies ({@link BlockedGemm}), row i's k values from {@link #rowStart}. */
        boolean readsInPlace() {
            return !ta && alpha == 1f;
        }

        int rowStart(int i) {
            return off + i * lda;
        }

        @Override
        public void pack(int i0, int mc, int p0, int kc, float[] dst) {
            int idx = 0;
            for (int ir = 0; ir < mc; ir += MR, idx += kc * MR) {
                int mr = Math.min(MR, mc - ir);
                if (ta) {
                    // op(A)(i, p) = A[p, i]: the MR values of one k step are contiguous in memory
                    for (int p = 0; p < kc; p++) {
                        int src = off + (p0 + p) * lda + i0 + ir, d = idx + p * MR;
                        int r = 0;
                        if (alpha == 1f) {
                            for (; r < mr; r++) dst[d + r] = a[src + r];
                        } else {
                            for (; r < mr; r++) dst[d + r] = alpha * a[src + r];
                        }
                        for (; r < MR; r++) dst[d + r] = 0f;
                    }
                } else {
                    for (int r = 0; r < MR; r++) {
                        if (r < mr) {
                            int src = off + (i0 + ir + r) * lda + p0;
                            if (alpha == 1f) {
                                for (int p = 0; p < kc; p++) dst[idx + p * MR + r] = a[src + p];
                            } else {
                                for (int p = 0; p < kc; p++) dst[idx + p * MR + r] = alpha * a[src + p];
                            }
                        } else {
                            for (int p = 0; p < kc; p++) dst[idx + p * MR + r] = 0f;
                        }
                    }
                }
            }
        }
    }

    /** op(B) for a row-major B with leading dimension ldb (op = transpose when tb). */
    record DenseB(boolean tb, float[] b, int off, int ldb) implements B {
        @Override
        public void pack(int p0, int kc, int j0, int nc, float[] dst) {
            int idx = 0;
            for (int jr = 0; jr < nc; jr += NR, idx += kc * NR) {
                int nr = Math.min(NR, nc - jr);
                if (!tb) {
                    for (int p = 0; p < kc; p++) {
                        int src = off + (p0 + p) * ldb + j0 + jr, d = idx + p * NR;
                        System.arraycopy(b, src, dst, d, nr);
                        if (nr < NR) java.util.Arrays.fill(dst, d + nr, d + NR, 0f);
                    }
                } else {
                    // op(B)(p, j) = B[j, p]: walk each source row once, writing one column of the panel
                    for (int j = 0; j < NR; j++) {
                        if (j < nr) {
                            int src = off + (j0 + jr + j) * ldb + p0;
                            for (int p = 0; p < kc; p++) dst[idx + p * NR + j] = b[src + p];
                        } else {
                            for (int p = 0; p < kc; p++) dst[idx + p * NR + j] = 0f;
                        }
                    }
                }
            }
        }
    }
}
