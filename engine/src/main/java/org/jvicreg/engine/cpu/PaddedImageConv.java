package org.jvicreg.engine.cpu;

import static org.jvicreg.engine.cpu.SgemmKernel.MR;
import static org.jvicreg.engine.cpu.SgemmKernel.NR;

/**
 * Convolution of large images with no im2col packing at all. Once an image is copied as zero-padded
 * planes split into stride phases ({@link StridePhases}; for stride 1 simply the padded image, rows
 * {@code Wp = w + 2*padW} wide), the im2col row of each tap is the copy shifted by a fixed offset and read
 * over "wide" output columns {@code oh*Wp + ow}. So the kernel reads B in place ({@link SgemmKernel#runRows})
 * through a table of row offsets, writes a wide output whose {@code Wp - Q} extra columns per row are
 * garbage, and the valid Q columns of each row are then copied out. An unpadded stride-1 1x1 convolution
 * reads the image and writes the output directly. Images are split among threads, or with fewer images
 * than threads each image's output columns or, where the filters outweigh the image, its output channels
 * ({@link #splitsChannels}); the filters are packed once for all of them ({@link #packFilters}).
 */
final class PaddedImageConv {
    private PaddedImageConv() {}

    /**
     * y[img] (m x P*Q) = filters (m x c*r*s) * im2col(x[img]) for every image.
     *
     * @param filters   A operand: m rows, depth c*r*s ordered (c, r, s)
     * @param x         images of in.c() channels in.h() x in.w(), image i at {@code xBase + i * xStride}
     * @param in        the convolution's windows, and how an image is copied so that they are read in place
     * @param y         outputs of m channels P x Q, image i at {@code yBase + i * yStride}
     */
    static void run(GemmOperands.A filters, int m, int images, float[] x, int xBase, int xStride, StridePhases in,
                    float[] y, int yBase, int yStride) {
        int depth = in.c() * in.r() * in.s();
        int[] rowOff = in.rowOffsets(depth);
        float[] packed = Scratch.get(Scratch.Slot.PACKED_FILTERS, packedSize(m, depth));
        boolean splitEachImage = images < Parallel.threads() && !Parallel.insidePool();
        if (splitEachImage && splitsChannels(m, depth, in)) {
            for (int img = 0; img < images; img++) imageByChannels(filters, packed, m, depth, x, xBase + img * xStride, in, rowOff, y, yBase + img * yStride, img == 0);
            return;
        }
        packFilters(filters, m, depth, packed, 0);
        if (splitEachImage) {
            for (int img = 0; img < images; img++) image(packed, m, depth, x, xBase + img * xStride, in, rowOff, y, yBase + img * yStride, true);
            return;
        }
        Parallel.forRange(images, 1, (lo, hi) -> {
            for (int img = lo; img < hi; img++) image(packed, m, depth, x, xBase + img * xStride, in, rowOff, y, yBase + img * yStride, false);
        });
    }

    /**
     * One image: copied (unless read in place), multiplied, and its valid columns copied out of a wide output.
     * With {@code split} (fewer images than threads: inference on one image) every thread works on it: its
     * output columns cut among them in whole NR-column panels, each computing all m rows over the full depth,
     * so every output element is summed in the same order as without.
     */
    private static void image(float[] packed, int m, int depth, float[] x, int xBase, StridePhases in, int[] rowOff,
                              float[] y, int yBase, boolean split) {
        Operands o = Operands.of(m, x, xBase, in, y, yBase);
        int p = in.p(), q = in.q(), wp = in.width(), columns = in.columns(), ldc = p * wp;
        float[] b = o.b(), out = o.out();
        int bBase = o.bBase(), outBase = o.outBase();
        boolean wide = o.wide();
        if (!split) {
            gemm(packed, 0, m, depth, b, bBase, rowOff, 0, columns, out, outBase, ldc);
            if (wide) validColumns(out, m, p, q, wp, 0, m, y, yBase);
            return;
        }
        int panels = (columns + NR - 1) / NR;
        Parallel.forRange(panels, Math.max(1, panels / (4 * Parallel.threads())), (lo, hi) ->
                gemm(packed, 0, m, depth, b, bBase, rowOff, lo * NR, Math.min(columns, hi * NR), out, outBase, ldc));
        if (wide) Parallel.forRange(m, Math.max(1, 4096 / Math.max(1, p * q)), (k0, k1) -> validColumns(out, m, p, q, wp, k0, k1, y, yBase));
    }

    /**
     * One image's B operand (the image itself, or its padded or stride-phase copy in scratch) and where its
     * product goes (y itself, or a wide output in scratch whose valid columns are copied out afterwards).
     */
    private record Operands(float[] b, int bBase, float[] out, int outBase, boolean wide) {
        static Operands of(int m, float[] x, int xBase, StridePhases in, float[] y, int yBase) {
            boolean wide = in.width() != in.q();
            float[] b = x;
            int bBase = xBase;
            if (!in.inPlace()) {
                b = in.copyBatch(x, xBase, 0, 1); // split among the threads by channels, unless called inside the team
                bBase = 0;
            }
            return wide ? new Operands(b, bBase, Scratch.get(Scratch.Slot.WIDE_OUTPUT, m * in.p() * in.width()), 0, true)
                    : new Operands(b, bBase, y, yBase, false);
        }
    }

    /**
     * Whether one image is split among threads by output channels ({@link #imageByChannels}) rather than by
     * output columns ({@link #image}): when the filters outweigh the image. Cut by columns, every thread streams
     * all the filters, for a few column panels each; cut by channels, each packs and streams its share of them
     * while the image they all read stays in cache. ResNet-50's 3x3 layers with 14 px outputs have 2.6-9x more
     * filter than image floats and those at 28 px 1.3x, while at 56 px and in the stem the image outweighs the
     * filters 3-17x (bench/RESULTS.md, "CPU kernel choices").
     */
    static boolean splitsChannels(int m, int depth, StridePhases in) {
        return (long) m * depth > in.imageSize() && (m + MR - 1) / MR >= Parallel.threads();
    }

    /**
     * One image, every thread on it, each taking whole MR-row panels of output channels: it packs those rows of
     * the filters ({@code packFilters} is done here, not once by the caller) and computes them over all columns
     * and the full depth, so every output element is summed in the same order as by {@link #image}.
     * {@code pack}: the filters are not yet packed (the first image of the call).
     */
    private static void imageByChannels(GemmOperands.A filters, float[] packed, int m, int depth, float[] x, int xBase,
                                        StridePhases in, int[] rowOff, float[] y, int yBase, boolean pack) {
        Operands o = Operands.of(m, x, xBase, in, y, yBase);
        int p = in.p(), q = in.q(), wp = in.width(), columns = in.columns(), ldc = p * wp;
        float[] b = o.b(), out = o.out();
        int bBase = o.bBase(), outBase = o.outBase();
        boolean wide = o.wide();
        Parallel.forRange((m + MR - 1) / MR, 1, (lo, hi) -> {
            int i0 = lo * MR, i1 = Math.min(m, hi * MR);
            if (pack) packFilters(filters, m, depth, packed, 0, i0, i1);
            gemm(packed, 0, m, depth, b, bBase, rowOff, i0, i1, 0, columns, out, outBase, ldc);
            if (wide) validColumns(out, m, p, q, wp, i0, i1, y, yBase);
        });
    }

    /** Copies the q valid columns of each output row, channels k0..k1, out of a wide output into y. */
    private static void validColumns(float[] wideOut, int m, int p, int q, int wp, int k0, int k1, float[] y, int yBase) {
        int ldc = p * wp;
        for (int k = k0; k < k1; k++) {
            for (int oh = 0; oh < p; oh++) System.arraycopy(wideOut, k * ldc + oh * wp, y, yBase + (k * p + oh) * q, q);
        }
    }

    /** Rows rounded up to whole MR-row panels, as packed A blocks hold them. */
    private static int panelRows(int rows) {
        return (rows + MR - 1) / MR * MR;
    }

    /** Floats {@link #packFilters} writes for an m x depth operand. */
    static int packedSize(int m, int depth) {
        return panelRows(m) * depth;
    }

    /**
     * Packs all of A (m x depth) into dst from dstOff, as {@link BlockedGemm} packs it block by block: for
     * each KC-deep block of columns starting at pc, its MC-row blocks one after the other, block (pc, ic) at
     * {@code dstOff + pc * mPadded + ic * kc}. Done once per call, every image's product reads it. Returns dst.
     */
    static float[] packFilters(GemmOperands.A a, int m, int depth, float[] dst, int dstOff) {
        return packFilters(a, m, depth, dst, dstOff, 0, m);
    }

    /**
     * Packs rows i0..i1 of A (i0 a multiple of MR) where {@link #packFilters(GemmOperands.A, int, int, float[], int)}
     * puts them: row panel r of block pc lands at {@code dstOff + pc * mPadded + r * kc}, whatever the MC blocking.
     */
    static float[] packFilters(GemmOperands.A a, int m, int depth, float[] dst, int dstOff, int i0, int i1) {
        int mPadded = panelRows(m);
        float[] block = Scratch.get(Scratch.Slot.PACKED_A, BlockedGemm.MC * BlockedGemm.KC);
        for (int pc = 0; pc < depth; pc += BlockedGemm.KC) {
            int kc = Math.min(BlockedGemm.KC, depth - pc);
            for (int ic = i0; ic < i1; ic += BlockedGemm.MC) {
                int mc = Math.min(BlockedGemm.MC, i1 - ic);
                a.pack(ic, mc, pc, kc, block);
                System.arraycopy(block, 0, dst, dstOff + pc * mPadded + ic * kc, panelRows(mc) * kc);
            }
        }
        return dst;
    }

    /**
     * One image: columns j0..j1 of C (m x columns, leading dimension ldc) = A (m x depth) * B,
     * B(p, j) = b[bBase + rowOff[p] + j], with A packed by {@link #packFilters} at {@code packed[packedOff...]};
     * j0 is a multiple of NR.
     */
    static void gemm(float[] packed, int packedOff, int m, int depth, float[] b, int bBase, int[] rowOff, int j0, int j1,
                     float[] c, int cBase, int ldc) {
        gemm(packed, packedOff, m, depth, b, bBase, rowOff, 0, m, j0, j1, c, cBase, ldc);
    }

    /** Rows i0..i1 (i0 a multiple of MR) of the product above. */
    static void gemm(float[] packed, int packedOff, int m, int depth, float[] b, int bBase, int[] rowOff, int i0, int i1,
                     int j0, int j1, float[] c, int cBase, int ldc) {
        int mPadded = panelRows(m);
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
            for (int ic = i0; ic < i1; ic += BlockedGemm.MC) {
                int mc = Math.min(BlockedGemm.MC, i1 - ic), apBase = packedOff + pc * mPadded + ic * kc;
                for (int jr = j0; jr < j1; jr += NR) {
                    int nr = Math.min(NR, j1 - jr);
                    if (nr < NR) packPartialPanel(b, shifted, pc, kc, jr, nr, bp);
                    for (int ir = 0; ir < mc; ir += MR) {
                        int mr = Math.min(MR, mc - ir), apOff = apBase + (ir / MR) * kc * MR;
                        int co = cBase + (ic + ir) * ldc + jr;
                        if (nr == NR && mr == MR) {
                            SgemmKernel.runRows(overwrite, kc, packed, apOff, b, shifted, pc, jr, c, co, ldc);
                            continue;
                        }
                        for (int i = 0; !overwrite && i < mr; i++) System.arraycopy(c, co + i * ldc, tile, i * NR, nr);
                        if (nr == NR) SgemmKernel.runRows(overwrite, kc, packed, apOff, b, shifted, pc, jr, tile, 0, NR);
                        else SgemmKernel.run(overwrite, kc, packed, apOff, bp, 0, tile, 0, NR);
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
}
