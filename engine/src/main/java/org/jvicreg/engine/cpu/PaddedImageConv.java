package org.jvicreg.engine.cpu;

import static org.jvicreg.engine.cpu.SgemmKernel.MR;
import static org.jvicreg.engine.cpu.SgemmKernel.NR;

/**
 * Stride-1 convolution of large images with no im2col packing at all. Once an image is copied into a
 * zero-padded buffer of rows {@code Wp = w + 2*padW} wide, the im2col row of tap (c, r, s) is the same
 * buffer shifted by {@code c*Hp*Wp + r*dilH*Wp + s*dilW}, read over "wide" output columns
 * {@code oh*Wp + ow}. So the kernel reads B in place ({@link SgemmKernel#runRows}) through a table of
 * row offsets, writes a wide output whose {@code Wp - Q} extra columns per row are garbage, and the valid
 * Q columns of each row are then copied out. An unpadded 1x1 convolution reads the image and writes the
 * output directly. Images are split among threads; the filters are packed per image, which is why the
 * caller keeps small images on the packed-im2col path.
 */
final class PaddedImageConv {
    private PaddedImageConv() {}

    /**
     * y[img] (m x P*Q) = filters (m x c*r*s) * im2col(x[img]) for every image.
     *
     * @param filters   A operand: m rows, depth c*r*s ordered (c, r, s)
     * @param x         images of c channels h x w, image i at {@code xBase + i * xStride}
     * @param y         outputs of m channels P x Q, image i at {@code yBase + i * yStride}
     */
    static void run(GemmOperands.A filters, int m, int images, float[] x, int xBase, int xStride, int c, int h, int w,
                    int r, int s, int ph, int pw, int dh, int dw, float[] y, int yBase, int yStride) {
        int hp = h + 2 * ph, wp = w + 2 * pw, p = hp - dh * (r - 1), q = wp - dw * (s - 1);
        int depth = c * r * s;
        boolean padded = ph != 0 || pw != 0, wide = wp != q;
        int[] rowOff = new int[depth];
        for (int ch = 0, i = 0; ch < c; ch++) {
            for (int rr = 0; rr < r; rr++) {
                for (int ss = 0; ss < s; ss++) rowOff[i++] = ch * hp * wp + rr * dh * wp + ss * dw;
            }
        }
        int columns = (p - 1) * wp + q;
        Parallel.forRange(images, 1, (lo, hi) -> {
            for (int img = lo; img < hi; img++) {
                float[] src = x;
                int srcBase = xBase + img * xStride;
                if (padded) {
                    src = Scratch.get(Scratch.Slot.PADDED_IMAGE, c * hp * wp);
                    pad(x, srcBase, c, h, w, ph, pw, src);
                    srcBase = 0;
                }
                float[] out = wide ? Scratch.get(Scratch.Slot.WIDE_OUTPUT, m * p * wp) : y;
                int outBase = wide ? 0 : yBase + img * yStride, ldc = p * wp;
                gemm(filters, m, depth, src, srcBase, rowOff, columns, out, outBase, ldc);
                if (wide) {
                    for (int k = 0; k < m; k++) {
                        for (int oh = 0; oh < p; oh++) {
                            System.arraycopy(out, k * ldc + oh * wp, y, yBase + img * yStride + (k * p + oh) * q, q);
                        }
                    }
                }
            }
        });
    }

    /** One image: C (m x columns, leading dimension ldc) = A (m x depth) * B, B(p, j) = b[bBase + rowOff[p] + j]. */
    private static void gemm(GemmOperands.A a, int m, int depth, float[] b, int bBase, int[] rowOff, int columns,
                             float[] c, int cBase, int ldc) {
        float[] ap = Scratch.get(Scratch.Slot.PACKED_A, BlockedGemm.MC * BlockedGemm.KC);
        float[] bp = Scratch.get(Scratch.Slot.PACKED_B, BlockedGemm.KC * NR);
        float[] tile = Scratch.get(Scratch.Slot.TILE, MR * NR);
        int[] shifted = rowOff;
        if (bBase != 0) {
            shifted = new int[depth];
            for (int i = 0; i < depth; i++) shifted[i] = rowOff[i] + bBase;
        }
        for (int pc = 0; pc < depth; pc += BlockedGemm.KC) {
            int kc = Math.min(BlockedGemm.KC, depth - pc);
            boolean overwrite = pc == 0;
            for (int ic = 0; ic < m; ic += BlockedGemm.MC) {
                int mc = Math.min(BlockedGemm.MC, m - ic);
                a.pack(ic, mc, pc, kc, ap);
                for (int jr = 0; jr < columns; jr += NR) {
                    int nr = Math.min(NR, columns - jr);
                    if (nr < NR) packPartialPanel(b, shifted, pc, kc, jr, nr, bp);
                    for (int ir = 0; ir < mc; ir += MR) {
                        int mr = Math.min(MR, mc - ir), apOff = (ir / MR) * kc * MR;
                        int co = cBase + (ic + ir) * ldc + jr;
                        if (nr == NR && mr == MR) {
                            SgemmKernel.runRows(overwrite, kc, ap, apOff, b, shifted, pc, jr, c, co, ldc);
                            continue;
                        }
                        for (int i = 0; !overwrite && i < mr; i++) System.arraycopy(c, co + i * ldc, tile, i * NR, nr);
                        if (nr == NR) SgemmKernel.runRows(overwrite, kc, ap, apOff, b, shifted, pc, jr, tile, 0, NR);
                        else SgemmKernel.run(overwrite, kc, ap, apOff, bp, 0, tile, 0, NR);
                        for (int i = 0; i < mr; i++) System.arraycopy(tile, i * NR, c, co + i * ldc, nr);
                    }
                }
            }
        }
    }

    /** The last, partial column panel packed with zeros past the end (its in-place rows would run off). */
    private static void packPartialPanel(float[] b, int[] rowOff, int pc, int kc, int jr, int nr, float[] bp) {
        for (int pp = 0; pp < kc; pp++) {
            System.arraycopy(b, rowOff[pc + pp] + jr, bp, pp * NR, nr);
            java.util.Arrays.fill(bp, pp * NR + nr, pp * NR + NR, 0f);
        }
    }

    /** Copies c channels of h x w at x[base] into dst as (h + 2ph) x (w + 2pw) planes with zero borders. */
    private static void pad(float[] x, int base, int c, int h, int w, int ph, int pw, float[] dst) {
        int hp = h + 2 * ph, wp = w + 2 * pw;
        java.util.Arrays.fill(dst, 0, c * hp * wp, 0f);
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < h; i++) {
                System.arraycopy(x, base + (ch * h + i) * w, dst, (ch * hp + i + ph) * wp + pw, w);
            }
        }
    }
}
