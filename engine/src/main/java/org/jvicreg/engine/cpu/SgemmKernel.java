package org.jvicreg.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM register tile: C[0:MR, 0:NR] (+)= A (MR x kc) * B (kc x NR). A is a packed panel holding MR
 * values per k step; row p of B is the NR = 2 vectors at {@code rowOff[pOff + p] + col} of its array, which
 * covers both a packed panel ({@link #PACKED}: rows NR apart) and rows read in place from a padded image
 * ({@link PaddedImageConv}).
 *
 * <p>Three facts shape this code, all measured on JDK 25 (bench/RESULTS.md, "CPU kernel choices"):
 * <ul>
 *   <li>The accumulators must be loaded from and stored to C inside the same method as the k loop. A
 *       helper method for the final "C += acc" store fails to inline once C2's node budget is spent
 *       (NodeCountInliningCutoff), and then every accumulator is boxed on each call, several times
 *       slower.</li>
 *   <li>Each tile is a separate method too big to be inlined into its callers, so the JIT compiles it
 *       alone with every accumulator in a register; inlined into a large loop nest it falls apart.</li>
 *   <li>MR depends on the register file: 8 rows x 2 vectors = 16 accumulators + 2 B vectors + 1 broadcast
 *       fit the 32 AVX-512 registers; with 16 registers (AVX2) 6 rows (12 accumulators) is the most.</li>
 * </ul>
 * Alpha is folded into the packed A panel and beta applied by the caller, so a tile only adds to C or,
 * for the first k block of a beta = 0 product, overwrites it.
 */
final class SgemmKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();
    /** Rows of the register tile: 8 where the vector registers are 512 bits wide (32 of them), else 6. */
    static final int MR = VL >= 16 ? 8 : 6;
    /** Columns of the register tile: two vectors. */
    static final int NR = 2 * VL;
    /** Row offsets of a packed B panel: row p starts p * NR floats after the panel. */
    static final int[] PACKED = new int[BlockedGemm.KC];

    static {
        for (int p = 0; p < PACKED.length; p++) PACKED[p] = p * NR;
    }

    private SgemmKernel() {}

    /** C tile (+)= A panel * packed B panel starting at bp[bOff]; {@code overwrite} ignores C's old contents. */
    static void run(boolean overwrite, int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc) {
        runRows(overwrite, kc, ap, aOff, bp, PACKED, 0, bOff, c, cOff, ldc);
    }

    /** C tile (+)= A panel * B whose row p is the NR floats at b[rowOff[pOff + p] + col]. */
    static void runRows(boolean overwrite, int kc, float[] ap, int aOff, float[] b, int[] rowOff, int pOff, int col,
                        float[] c, int cOff, int ldc) {
        if (MR == 8) tile8(overwrite, kc, ap, aOff, b, rowOff, pOff, col, c, cOff, ldc);
        else tile6(overwrite, kc, ap, aOff, b, rowOff, pOff, col, c, cOff, ldc);
    }

    /**
     * C tile (+)= A * packed B panel at bp[bOff], where A is read in place: row i of the tile is the kc
     * floats of {@code a} from {@code aRow[aRowOff + i] + p0}. Serves filter gradients whose im2col rows
     * are shifted windows of one padded image ({@link InPlaceFilterGradient}).
     */
    static void runRowsA(boolean overwrite, int kc, float[] a, int[] aRow, int aRowOff, int p0, float[] bp, int bOff,
                         float[] c, int cOff, int ldc) {
        if (MR == 8) rowsA8(overwrite, kc, a, aRow, aRowOff, p0, bp, bOff, c, cOff, ldc);
        else rowsA6(overwrite, kc, a, aRow, aRowOff, p0, bp, bOff, c, cOff, ldc);
    }

    private static void tile8(boolean overwrite, int kc, float[] ap, int aOff, float[] b, int[] rowOff, int pOff, int col,
                              float[] c, int cOff, int ldc) {
        FloatVector c00, c01;
        FloatVector c10, c11;
        FloatVector c20, c21;
        FloatVector c30, c31;
        FloatVector c40, c41;
        FloatVector c50, c51;
        FloatVector c60, c61;
        FloatVector c70, c71;
        if (overwrite) {
            c00 = FloatVector.zero(S);
            c01 = FloatVector.zero(S);
            c10 = FloatVector.zero(S);
            c11 = FloatVector.zero(S);
            c20 = FloatVector.zero(S);
            c21 = FloatVector.zero(S);
            c30 = FloatVector.zero(S);
            c31 = FloatVector.zero(S);
            c40 = FloatVector.zero(S);
            c41 = FloatVector.zero(S);
            c50 = FloatVector.zero(S);
            c51 = FloatVector.zero(S);
            c60 = FloatVector.zero(S);
            c61 = FloatVector.zero(S);
            c70 = FloatVector.zero(S);
            c71 = FloatVector.zero(S);
        } else {
            c00 = FloatVector.fromArray(S, c, cOff);
            c01 = FloatVector.fromArray(S, c, cOff + VL);
            c10 = FloatVector.fromArray(S, c, cOff + ldc);
            c11 = FloatVector.fromArray(S, c, cOff + ldc + VL);
            c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc);
            c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + VL);
            c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc);
            c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + VL);
            c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc);
            c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + VL);
            c50 = FloatVector.fromArray(S, c, cOff + 5 * ldc);
            c51 = FloatVector.fromArray(S, c, cOff + 5 * ldc + VL);
            c60 = FloatVector.fromArray(S, c, cOff + 6 * ldc);
            c61 = FloatVector.fromArray(S, c, cOff + 6 * ldc + VL);
            c70 = FloatVector.fromArray(S, c, cOff + 7 * ldc);
            c71 = FloatVector.fromArray(S, c, cOff + 7 * ldc + VL);
        }
        for (int p = 0; p < kc; p++) {
            int ai = aOff + p * 8, bi = rowOff[pOff + p] + col;
            FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + VL);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71);
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + VL);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + VL);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + VL);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + VL);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + VL);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + VL);
        c60.intoArray(c, cOff + 6 * ldc); c61.intoArray(c, cOff + 6 * ldc + VL);
        c70.intoArray(c, cOff + 7 * ldc); c71.intoArray(c, cOff + 7 * ldc + VL);
    }

    private static void tile6(boolean overwrite, int kc, float[] ap, int aOff, float[] b, int[] rowOff, int pOff, int col,
                              float[] c, int cOff, int ldc) {
        FloatVector c00, c01;
        FloatVector c10, c11;
        FloatVector c20, c21;
        FloatVector c30, c31;
        FloatVector c40, c41;
        FloatVector c50, c51;
        if (overwrite) {
            c00 = FloatVector.zero(S);
            c01 = FloatVector.zero(S);
            c10 = FloatVector.zero(S);
            c11 = FloatVector.zero(S);
            c20 = FloatVector.zero(S);
            c21 = FloatVector.zero(S);
            c30 = FloatVector.zero(S);
            c31 = FloatVector.zero(S);
            c40 = FloatVector.zero(S);
            c41 = FloatVector.zero(S);
            c50 = FloatVector.zero(S);
            c51 = FloatVector.zero(S);
        } else {
            c00 = FloatVector.fromArray(S, c, cOff);
            c01 = FloatVector.fromArray(S, c, cOff + VL);
            c10 = FloatVector.fromArray(S, c, cOff + ldc);
            c11 = FloatVector.fromArray(S, c, cOff + ldc + VL);
            c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc);
            c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + VL);
            c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc);
            c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + VL);
            c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc);
            c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + VL);
            c50 = FloatVector.fromArray(S, c, cOff + 5 * ldc);
            c51 = FloatVector.fromArray(S, c, cOff + 5 * ldc + VL);
        }
        for (int p = 0; p < kc; p++) {
            int ai = aOff + p * 6, bi = rowOff[pOff + p] + col;
            FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + VL);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
            c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + VL);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + VL);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + VL);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + VL);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + VL);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + VL);
    }

    private static void rowsA8(boolean overwrite, int kc, float[] a, int[] aRow, int aRowOff, int p0, float[] bp, int bOff,
                               float[] c, int cOff, int ldc) {
        int r0 = aRow[aRowOff] + p0, r1 = aRow[aRowOff + 1] + p0, r2 = aRow[aRowOff + 2] + p0, r3 = aRow[aRowOff + 3] + p0;
        int r4 = aRow[aRowOff + 4] + p0, r5 = aRow[aRowOff + 5] + p0, r6 = aRow[aRowOff + 6] + p0, r7 = aRow[aRowOff + 7] + p0;
        FloatVector c00, c01;
        FloatVector c10, c11;
        FloatVector c20, c21;
        FloatVector c30, c31;
        FloatVector c40, c41;
        FloatVector c50, c51;
        FloatVector c60, c61;
        FloatVector c70, c71;
        if (overwrite) {
            c00 = FloatVector.zero(S);
            c01 = FloatVector.zero(S);
            c10 = FloatVector.zero(S);
            c11 = FloatVector.zero(S);
            c20 = FloatVector.zero(S);
            c21 = FloatVector.zero(S);
            c30 = FloatVector.zero(S);
            c31 = FloatVector.zero(S);
            c40 = FloatVector.zero(S);
            c41 = FloatVector.zero(S);
            c50 = FloatVector.zero(S);
            c51 = FloatVector.zero(S);
            c60 = FloatVector.zero(S);
            c61 = FloatVector.zero(S);
            c70 = FloatVector.zero(S);
            c71 = FloatVector.zero(S);
        } else {
            c00 = FloatVector.fromArray(S, c, cOff);
            c01 = FloatVector.fromArray(S, c, cOff + VL);
            c10 = FloatVector.fromArray(S, c, cOff + ldc);
            c11 = FloatVector.fromArray(S, c, cOff + ldc + VL);
            c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc);
            c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + VL);
            c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc);
            c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + VL);
            c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc);
            c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + VL);
            c50 = FloatVector.fromArray(S, c, cOff + 5 * ldc);
            c51 = FloatVector.fromArray(S, c, cOff + 5 * ldc + VL);
            c60 = FloatVector.fromArray(S, c, cOff + 6 * ldc);
            c61 = FloatVector.fromArray(S, c, cOff + 6 * ldc + VL);
            c70 = FloatVector.fromArray(S, c, cOff + 7 * ldc);
            c71 = FloatVector.fromArray(S, c, cOff + 7 * ldc + VL);
        }
        for (int p = 0; p < kc; p++) {
            int bi = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector a0 = FloatVector.broadcast(S, a[r0 + p]);
            c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[r1 + p]);
            c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[r2 + p]);
            c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[r3 + p]);
            c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[r4 + p]);
            c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[r5 + p]);
            c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, a[r6 + p]);
            c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, a[r7 + p]);
            c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71);
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + VL);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + VL);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + VL);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + VL);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + VL);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + VL);
        c60.intoArray(c, cOff + 6 * ldc); c61.intoArray(c, cOff + 6 * ldc + VL);
        c70.intoArray(c, cOff + 7 * ldc); c71.intoArray(c, cOff + 7 * ldc + VL);
    }

    private static void rowsA6(boolean overwrite, int kc, float[] a, int[] aRow, int aRowOff, int p0, float[] bp, int bOff,
                               float[] c, int cOff, int ldc) {
        int r0 = aRow[aRowOff] + p0, r1 = aRow[aRowOff + 1] + p0, r2 = aRow[aRowOff + 2] + p0, r3 = aRow[aRowOff + 3] + p0;
        int r4 = aRow[aRowOff + 4] + p0, r5 = aRow[aRowOff + 5] + p0;
        FloatVector c00, c01;
        FloatVector c10, c11;
        FloatVector c20, c21;
        FloatVector c30, c31;
        FloatVector c40, c41;
        FloatVector c50, c51;
        if (overwrite) {
            c00 = FloatVector.zero(S);
            c01 = FloatVector.zero(S);
            c10 = FloatVector.zero(S);
            c11 = FloatVector.zero(S);
            c20 = FloatVector.zero(S);
            c21 = FloatVector.zero(S);
            c30 = FloatVector.zero(S);
            c31 = FloatVector.zero(S);
            c40 = FloatVector.zero(S);
            c41 = FloatVector.zero(S);
            c50 = FloatVector.zero(S);
            c51 = FloatVector.zero(S);
        } else {
            c00 = FloatVector.fromArray(S, c, cOff);
            c01 = FloatVector.fromArray(S, c, cOff + VL);
            c10 = FloatVector.fromArray(S, c, cOff + ldc);
            c11 = FloatVector.fromArray(S, c, cOff + ldc + VL);
            c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc);
            c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + VL);
            c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc);
            c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + VL);
            c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc);
            c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + VL);
            c50 = FloatVector.fromArray(S, c, cOff + 5 * ldc);
            c51 = FloatVector.fromArray(S, c, cOff + 5 * ldc + VL);
        }
        for (int p = 0; p < kc; p++) {
            int bi = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector a0 = FloatVector.broadcast(S, a[r0 + p]);
            c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[r1 + p]);
            c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[r2 + p]);
            c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[r3 + p]);
            c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[r4 + p]);
            c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[r5 + p]);
            c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + VL);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + VL);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + VL);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + VL);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + VL);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + VL);
    }

    /** Columns of the narrow tile: one vector, where MR is 8 (512-bit vectors of 16 floats). */
    static final int NR_NARROW = 16;

    /**
     * C tile += A * B like {@link #runRows}, with an 8 x 16 tile, one vector per row, for products whose
     * columns come 16 at a time (a 16-channel layer's filter gradient, {@link BatchLastConv}, which always adds
     * to its partial sums). A is read in place: row i, step p is {@code a[aOff + i * lda + p]} (8 sequential
     * streams, which cost less than packing it first). Only where MR is 8, so the vector is 16 floats: one
     * 512-bit vector per row rather than two 256-bit ones, because a second species is fragile. The JDK's
     * FloatVector methods are shared by every caller, and once a run has profiled them with 512-bit vectors
     * alone (the demo's probes run before pre-training), C2 may leave another species' operations in their
     * generic Java fallback (FloatVector.lanewiseTemplate), many times slower.
     */
    static void runRowsNarrow(int kc, float[] a, int aOff, int lda, float[] b, int[] rowOff, int pOff, int col,
                              float[] c, int cOff, int ldc) {
        FloatVector c0 = FloatVector.fromArray(S, c, cOff);
        FloatVector c1 = FloatVector.fromArray(S, c, cOff + ldc);
        FloatVector c2 = FloatVector.fromArray(S, c, cOff + 2 * ldc);
        FloatVector c3 = FloatVector.fromArray(S, c, cOff + 3 * ldc);
        FloatVector c4 = FloatVector.fromArray(S, c, cOff + 4 * ldc);
        FloatVector c5 = FloatVector.fromArray(S, c, cOff + 5 * ldc);
        FloatVector c6 = FloatVector.fromArray(S, c, cOff + 6 * ldc);
        FloatVector c7 = FloatVector.fromArray(S, c, cOff + 7 * ldc);
        for (int p = 0; p < kc; p++) {
            int ai = aOff + p;
            FloatVector b0 = FloatVector.fromArray(S, b, rowOff[pOff + p] + col);
            c0 = FloatVector.broadcast(S, a[ai]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[ai + lda]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[ai + 2 * lda]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[ai + 3 * lda]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[ai + 4 * lda]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[ai + 5 * lda]).fma(b0, c5);
            c6 = FloatVector.broadcast(S, a[ai + 6 * lda]).fma(b0, c6);
            c7 = FloatVector.broadcast(S, a[ai + 7 * lda]).fma(b0, c7);
        }
        c0.intoArray(c, cOff);
        c1.intoArray(c, cOff + ldc);
        c2.intoArray(c, cOff + 2 * ldc);
        c3.intoArray(c, cOff + 3 * ldc);
        c4.intoArray(c, cOff + 4 * ldc);
        c5.intoArray(c, cOff + 5 * ldc);
        c6.intoArray(c, cOff + 6 * ldc);
        c7.intoArray(c, cOff + 7 * ldc);
    }

    /**
     * {@link #runRowsNarrow} for three columns of taps at once: C[0:8, 0:48] += A * B (A in place), where the three
     * B vectors of row p are at {@code rowOff[pOff + p] + col + j * bStep} and C's row is 48 contiguous floats.
     * A 16-channel filter gradient's three taps of one filter row (bStep one input pixel apart) share every
     * dY broadcast: 24 multiply-adds per 8 broadcasts and 3 loads, where the one-tap tile does 8 per 8 and
     * is bound by its broadcasts. 24 accumulators + 3 B vectors + 1 broadcast fit the 32 registers.
     */
    static void runRowsNarrow3(int kc, float[] a, int aOff, int lda, float[] b, int[] rowOff, int pOff, int col, int bStep,
                               float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, cOff), c01 = FloatVector.fromArray(S, c, cOff + 16), c02 = FloatVector.fromArray(S, c, cOff + 32);
        FloatVector c10 = FloatVector.fromArray(S, c, cOff + ldc), c11 = FloatVector.fromArray(S, c, cOff + ldc + 16), c12 = FloatVector.fromArray(S, c, cOff + ldc + 32);
        FloatVector c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc), c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 16), c22 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 32);
        FloatVector c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc), c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 16), c32 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 32);
        FloatVector c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc), c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + 16), c42 = FloatVector.fromArray(S, c, cOff + 4 * ldc + 32);
        FloatVector c50 = FloatVector.fromArray(S, c, cOff + 5 * ldc), c51 = FloatVector.fromArray(S, c, cOff + 5 * ldc + 16), c52 = FloatVector.fromArray(S, c, cOff + 5 * ldc + 32);
        FloatVector c60 = FloatVector.fromArray(S, c, cOff + 6 * ldc), c61 = FloatVector.fromArray(S, c, cOff + 6 * ldc + 16), c62 = FloatVector.fromArray(S, c, cOff + 6 * ldc + 32);
        FloatVector c70 = FloatVector.fromArray(S, c, cOff + 7 * ldc), c71 = FloatVector.fromArray(S, c, cOff + 7 * ldc + 16), c72 = FloatVector.fromArray(S, c, cOff + 7 * ldc + 32);
        for (int p = 0; p < kc; p++) {
            int ai = aOff + p, bi = rowOff[pOff + p] + col;
            FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + bStep), b2 = FloatVector.fromArray(S, b, bi + 2 * bStep);
            FloatVector ak = FloatVector.broadcast(S, a[ai]);
            c00 = ak.fma(b0, c00); c01 = ak.fma(b1, c01); c02 = ak.fma(b2, c02);
            ak = FloatVector.broadcast(S, a[ai + 1 * lda]);
            c10 = ak.fma(b0, c10); c11 = ak.fma(b1, c11); c12 = ak.fma(b2, c12);
            ak = FloatVector.broadcast(S, a[ai + 2 * lda]);
            c20 = ak.fma(b0, c20); c21 = ak.fma(b1, c21); c22 = ak.fma(b2, c22);
            ak = FloatVector.broadcast(S, a[ai + 3 * lda]);
            c30 = ak.fma(b0, c30); c31 = ak.fma(b1, c31); c32 = ak.fma(b2, c32);
            ak = FloatVector.broadcast(S, a[ai + 4 * lda]);
            c40 = ak.fma(b0, c40); c41 = ak.fma(b1, c41); c42 = ak.fma(b2, c42);
            ak = FloatVector.broadcast(S, a[ai + 5 * lda]);
            c50 = ak.fma(b0, c50); c51 = ak.fma(b1, c51); c52 = ak.fma(b2, c52);
            ak = FloatVector.broadcast(S, a[ai + 6 * lda]);
            c60 = ak.fma(b0, c60); c61 = ak.fma(b1, c61); c62 = ak.fma(b2, c62);
            ak = FloatVector.broadcast(S, a[ai + 7 * lda]);
            c70 = ak.fma(b0, c70); c71 = ak.fma(b1, c71); c72 = ak.fma(b2, c72);
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + 16); c02.intoArray(c, cOff + 32);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + 16); c12.intoArray(c, cOff + ldc + 32);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + 16); c22.intoArray(c, cOff + 2 * ldc + 32);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + 16); c32.intoArray(c, cOff + 3 * ldc + 32);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + 16); c42.intoArray(c, cOff + 4 * ldc + 32);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + 16); c52.intoArray(c, cOff + 5 * ldc + 32);
        c60.intoArray(c, cOff + 6 * ldc); c61.intoArray(c, cOff + 6 * ldc + 16); c62.intoArray(c, cOff + 6 * ldc + 32);
        c70.intoArray(c, cOff + 7 * ldc); c71.intoArray(c, cOff + 7 * ldc + 16); c72.intoArray(c, cOff + 7 * ldc + 32);
    }
}
