package org.jvicreg.engine.cpu;

import static org.jvicreg.engine.cpu.SgemmKernel.MR;
import static org.jvicreg.engine.cpu.SgemmKernel.NR;

/**
 * The single-threaded Goto/BLIS loop nest over packed operands: for each NC-column, KC-deep block of B
 * (packed once, kept in L3) and each MC x KC block of A (packed, kept in L2), every MR x NR tile of C is
 * updated by one {@link SgemmKernel} call. Operands come through {@link GemmOperands} packers and C through a
 * {@link GemmOutput} map, so the same loop serves plain matrices and convolutions. Tiles that are partial or
 * straddle two column blocks of C run the kernel on a small per-thread tile that is copied in and out.
 * Packing buffers are per thread and reused ({@link Scratch}).
 *
 * <p>A plain row-major A ({@link GemmOperands.DenseA#readsInPlace}) is not packed:
 * the tile broadcasts its values from MR rows where they lie. Packing costs about one pass of the tile over
 * the block, which a product with few column panels (a 1x1 convolution of one small image) never earns
 * back, and reading in place costs large products nothing (bench/RESULTS.md, "CPU kernel choices").
 *
 * <p>KC = 512: its 64 KB B micro-panels live in L2 rather than L1, but two B vectors per 16 FMAs is far
 * below L2 bandwidth, and half as many passes over C as KC = 256 win more (bench/RESULTS.md, "CPU kernel
 * choices").
 */
final class BlockedGemm {
    static final int KC = 512;
    static final int MC = 24 * MR;
    static final int NC = 128 * NR;

    private BlockedGemm() {}

    /**
     * C[i0:i1, j0:j1] (+)= A[i0:i1, p0:p1] * B[p0:p1, j0:j1]. With {@code accumulate} false the old
     * contents of C are ignored (even NaN); an empty k range then writes zeros.
     */
    static void run(GemmOperands.A a, GemmOperands.B b, GemmOutput c, int i0, int i1, int j0, int j1,
                    int p0, int p1, boolean accumulate) {
        if (i1 <= i0 || j1 <= j0) return;
        if (p1 <= p0) {
            if (!accumulate) zero(c, i0, i1, j0, j1);
            return;
        }
        float[] ap = Scratch.get(Scratch.Slot.PACKED_A, MC * KC), bp = Scratch.get(Scratch.Slot.PACKED_B, KC * NC);
        float[] tile = Scratch.get(Scratch.Slot.TILE, MR * NR);
        GemmOperands.DenseA inPlace = a instanceof GemmOperands.DenseA d && d.readsInPlace() ? d : null;
        int[] rows = inPlace != null ? new int[MC] : null;
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = p0; pc < p1; pc += KC) {
                int kc = Math.min(KC, p1 - pc);
                boolean overwrite = !accumulate && pc == p0;
                b.pack(pc, kc, jc, nc, bp);
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    if (rows == null) {
                        a.pack(ic, mc, pc, kc, ap);
                    } else {
                        for (int i = 0; i < rows.length; i++) rows[i] = inPlace.rowStart(ic + Math.min(i, mc - 1));
                    }
                    macroKernel(overwrite, ic, mc, jc, nc, pc, kc, rows == null ? ap : inPlace.a(), rows, bp, c, tile);
                }
            }
        }
    }

    /** All tiles of one packed (mc x kc) A block times one packed (kc x nc) B block. */
    private static void macroKernel(boolean overwrite, int ic, int mc, int jc, int nc, int pc, int kc, float[] ap,
                                    int[] rows, float[] bp, GemmOutput c, float[] tile) {
        float[] cd = c.data();
        int ldc = c.rowStride();
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int bpOff = (jr / NR) * kc * NR;
            boolean direct = nr == NR && c.contiguous(jc + jr, NR);
            for (int ir = 0; ir < mc; ir += MR) {
                int mr = Math.min(MR, mc - ir);
                int apOff = (ir / MR) * kc * MR;
                if (direct && mr == MR) {
                    tile(overwrite, kc, ap, apOff, rows, ir, pc, bp, bpOff, cd, c.offset(ic + ir, jc + jr), ldc);
                } else {
                    if (!overwrite) copyTile(c, ic + ir, mr, jc + jr, nr, tile, true);
                    tile(overwrite, kc, ap, apOff, rows, ir, pc, bp, bpOff, tile, 0, NR);
                    copyTile(c, ic + ir, mr, jc + jr, nr, tile, false);
                }
            }
        }
    }

    /** One register tile, its A panel packed at ap[apOff] or, with {@code rows}, read in place. */
    private static void tile(boolean overwrite, int kc, float[] ap, int apOff, int[] rows, int ir, int pc, float[] bp,
                             int bpOff, float[] c, int cOff, int ldc) {
        if (rows == null) SgemmKernel.run(overwrite, kc, ap, apOff, bp, bpOff, c, cOff, ldc);
        else SgemmKernel.runRowsA(overwrite, kc, ap, rows, ir, pc, bp, bpOff, c, cOff, ldc);
    }

    /** Copies C[i:i+mr, j:j+nr] into the tile ({@code in}) or back, one contiguous column run at a time. */
    private static void copyTile(GemmOutput c, int i, int mr, int j, int nr, float[] tile, boolean in) {
        float[] cd = c.data();
        for (int jj = 0; jj < nr; ) {
            int run = Math.min(nr - jj, c.block() - (j + jj) % c.block());
            for (int r = 0; r < mr; r++) {
                int co = c.offset(i + r, j + jj);
                if (in) System.arraycopy(cd, co, tile, r * NR + jj, run);
                else System.arraycopy(tile, r * NR + jj, cd, co, run);
            }
            jj += run;
        }
    }

    private static void zero(GemmOutput c, int i0, int i1, int j0, int j1) {
        for (int j = j0; j < j1; ) {
            int run = Math.min(j1 - j, c.block() - j % c.block());
            for (int i = i0; i < i1; i++) {
                int co = c.offset(i, j);
                java.util.Arrays.fill(c.data(), co, co + run, 0f);
            }
            j += run;
        }
    }
}
