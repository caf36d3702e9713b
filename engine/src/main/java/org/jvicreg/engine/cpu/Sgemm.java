package org.jvicreg.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision GEMM on the CPU, row-major: C = alpha * op(A) * op(B) + beta * C.
 *
 * <p>The classic Goto/BLIS structure: for each KC x NC block of op(B), packed into NR-wide column
 * panels, and each MC x KC block of op(A), packed into MR-high row panels, an MR x NR register tile of
 * C is accumulated by {@link #kernel} with vector FMAs. Packing absorbs the transposes, so the kernel
 * sees one layout. Threads split C into strips; each thread packs into its own reused buffers.
 */
public final class Sgemm {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int VL = SPECIES.length();
    /** Register tile: MR rows x NR = 2 vectors. 12 accumulators fit the 16 AVX2 (or 32 AVX-512) registers. */
    static final int MR = 6;
    static final int NR = 2 * VL;
    static final int KC = 256;
    static final int MC = 96;
    static final int NC = 1024;

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[][] {
        new float[MC * KC], new float[KC * NC], new float[MR * NR]
    });

    private Sgemm() {}

    /** Multi-threaded GEMM (see class comment); offsets and leading dimensions in elements. */
    public static void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) return;
        double work = 2.0 * m * n * k;
        int threads = work < 2e6 ? 1 : Parallel.threads();
        if (threads == 1 || Parallel.insidePool()) {
            gemmSerial(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        if (n >= m) {
            // split columns into strips that are whole multiples of NR where possible
            int panels = (n + NR - 1) / NR;
            Parallel.forRange(panels, 1, (lo, hi) -> {
                int j0 = lo * NR, j1 = Math.min(n, hi * NR);
                int bo = tb ? bOff + j0 * ldb : bOff + j0;
                gemmSerial(ta, tb, m, j1 - j0, k, alpha, a, aOff, lda, b, bo, ldb, beta, c, cOff + j0, ldc);
            });
        } else {
            int panels = (m + MR - 1) / MR;
            Parallel.forRange(panels, 1, (lo, hi) -> {
                int i0 = lo * MR, i1 = Math.min(m, hi * MR);
                int ao = ta ? aOff + i0 : aOff + i0 * lda;
                gemmSerial(ta, tb, i1 - i0, n, k, alpha, a, ao, lda, b, bOff, ldb, beta, c, cOff + i0 * ldc, ldc);
            });
        }
    }

    /** Single-threaded GEMM. */
    public static void gemmSerial(boolean ta, boolean tb, int m, int n, int k, float alpha,
                                  float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                  float beta, float[] c, int cOff, int ldc) {
        if (beta != 1f) scale(c, cOff, ldc, m, n, beta);
        if (k == 0 || alpha == 0f) return;
        float[][] buf = BUFFERS.get();
        float[] ap = buf[0], bp = buf[1], tile = buf[2];
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packB(tb, b, bOff, ldb, pc, kc, jc, nc, bp);
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    packA(ta, a, aOff, lda, ic, mc, pc, kc, ap);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        int bpOff = (jr / NR) * kc * NR;
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            int apOff = (ir / MR) * kc * MR;
                            int co = cOff + (ic + ir) * ldc + jc + jr;
                            if (mr == MR && nr == NR) {
                                kernel(kc, ap, apOff, bp, bpOff, alpha, c, co, ldc);
                            } else {
                                java.util.Arrays.fill(tile, 0f);
                                kernel(kc, ap, apOff, bp, bpOff, alpha, tile, 0, NR);
                                for (int i = 0; i < mr; i++) {
                                    for (int j = 0; j < nr; j++) c[co + i * ldc + j] += tile[i * NR + j];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static void scale(float[] c, int cOff, int ldc, int m, int n, float beta) {
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0f) {
                java.util.Arrays.fill(c, row, row + n, 0f);
            } else {
                for (int j = 0; j < n; j++) c[row + j] *= beta;
            }
        }
    }

    /** Packs op(A)[ic:ic+mc, pc:pc+kc] into MR-row panels, [panel][p][r], zero-padding the last panel. */
    static void packA(boolean ta, float[] a, int aOff, int lda, int ic, int mc, int pc, int kc, float[] ap) {
        int idx = 0;
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            if (ta) {
                // op(A)(i, p) = A[p, i]: rows of the panel are contiguous in memory
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (pc + p) * lda + ic + ir;
                    int r = 0;
                    for (; r < mr; r++) ap[idx + r] = a[src + r];
                    for (; r < MR; r++) ap[idx + r] = 0f;
                    idx += MR;
                }
            } else {
                for (int r = 0; r < MR; r++) {
                    if (r < mr) {
                        int src = aOff + (ic + ir + r) * lda + pc;
                        for (int p = 0; p < kc; p++) ap[idx + p * MR + r] = a[src + p];
                    } else {
                        for (int p = 0; p < kc; p++) ap[idx + p * MR + r] = 0f;
                    }
                }
                idx += kc * MR;
            }
        }
    }

    /** Packs op(B)[pc:pc+kc, jc:jc+nc] into NR-column panels, [panel][p][j], zero-padding the last panel. */
    static void packB(boolean tb, float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc, float[] bp) {
        int idx = 0;
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            if (!tb) {
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (pc + p) * ldb + jc + jr;
                    if (nr == NR) {
                        System.arraycopy(b, src, bp, idx, NR);
                    } else {
                        System.arraycopy(b, src, bp, idx, nr);
                        java.util.Arrays.fill(bp, idx + nr, idx + NR, 0f);
                    }
                    idx += NR;
                }
            } else {
                // op(B)(p, j) = B[j, p]
                for (int j = 0; j < NR; j++) {
                    if (j < nr) {
                        int src = bOff + (jc + jr + j) * ldb + pc;
                        for (int p = 0; p < kc; p++) bp[idx + p * NR + j] = b[src + p];
                    } else {
                        for (int p = 0; p < kc; p++) bp[idx + p * NR + j] = 0f;
                    }
                }
                idx += kc * NR;
            }
        }
    }

    /**
     * The register tile: C[0:MR, 0:NR] += alpha * Apanel (MR x kc) * Bpanel (kc x NR). Kept small and
     * separate so the JIT compiles it on its own with all accumulators in registers.
     */
    static void kernel(int kc, float[] ap, int aOff, float[] bp, int bOff, float alpha, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES), c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES), c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES), c31 = FloatVector.zero(SPECIES);
        FloatVector c40 = FloatVector.zero(SPECIES), c41 = FloatVector.zero(SPECIES);
        FloatVector c50 = FloatVector.zero(SPECIES), c51 = FloatVector.zero(SPECIES);
        int ai = aOff, bi = bOff;
        for (int p = 0; p < kc; p++, ai += MR, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + VL);
            FloatVector a0 = FloatVector.broadcast(SPECIES, ap[ai]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(SPECIES, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(SPECIES, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(SPECIES, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(SPECIES, ap[ai + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(SPECIES, ap[ai + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
        }
        store(c00, c01, alpha, c, cOff);
        store(c10, c11, alpha, c, cOff + ldc);
        store(c20, c21, alpha, c, cOff + 2 * ldc);
        store(c30, c31, alpha, c, cOff + 3 * ldc);
        store(c40, c41, alpha, c, cOff + 4 * ldc);
        store(c50, c51, alpha, c, cOff + 5 * ldc);
    }

    private static void store(FloatVector v0, FloatVector v1, float alpha, float[] c, int off) {
        FloatVector al = FloatVector.broadcast(SPECIES, alpha);
        v0.fma(al, FloatVector.fromArray(SPECIES, c, off)).intoArray(c, off);
        v1.fma(al, FloatVector.fromArray(SPECIES, c, off + VL)).intoArray(c, off + VL);
    }
}
