package org.jvicreg.engine.cpu;

import org.jvicreg.engine.backend.ConvGeometry;

import static org.jvicreg.engine.cpu.SgemmKernel.MR;
import static org.jvicreg.engine.cpu.SgemmKernel.NR;

/**
 * The filter gradient of a convolution of large images without packing its big operand: the transposed
 * product dW^T (taps x K) = im2col(X) (taps x pixels) * dY^T (pixels x K) summed over images, where, as in
 * {@link PaddedImageConv}, the im2col row of tap (c, r, s) is the images' zero-padded stride-phase copy
 * ({@link StridePhases}) shifted by a fixed offset and read over "wide" pixels {@code oh*Wp + ow}. The
 * kernel reads those rows in place ({@link SgemmKernel#runRowsA}); only dY is packed (transposed), which
 * is small next to im2col when K is small (ResNet's 64- and 128-channel layers), with zeros in the Wp - Q
 * wide columns whose im2col values are not real windows. dY is packed once for the whole batch, before the
 * product, and shared by the threads, which split the taps, so no partial sums.
 */
final class InPlaceFilterGradient {
    private InPlaceFilterGradient() {}

    static void run(ConvGeometry g, float[] x, int xo, float[] dy, int dyo, float[] dw, int dwo) {
        int p = g.p(), q = g.q(), kg = g.kg(), cg = g.cg(), crs = cg * g.r() * g.s();
        int rows = (crs + MR - 1) / MR * MR, cols = (kg + NR - 1) / NR * NR;
        for (int grp = 0; grp < g.groups(); grp++) {
            StridePhases in = CpuConv.phases(g);
            int xGroup = xo + grp * cg * g.h() * g.w();
            float[] images = in.inPlace() ? x : in.copyBatch(x, xGroup, g.c() * g.h() * g.w(), g.n());
            int first = in.inPlace() ? xGroup : 0, imageStride = in.inPlace() ? g.c() * g.h() * g.w() : in.imageSize();
            int wp = in.width(), columns = in.columns();
            int[] rowOff = in.rowOffsets(rows);
            float[] packed = packGradient(g, dy, dyo + grp * kg * p * q, wp, columns, cols);
            float[] ct = Scratch.get(Scratch.Slot.PARTIAL_SUM, rows * cols);
            Parallel.forRange(rows / MR, 1, (lo, hi) -> {
                boolean overwrite = true;
                for (int img = 0; img < g.n(); img++) {
                    int image = first + img * imageStride;
                    for (int pc = 0; pc < columns; pc += BlockedGemm.KC) {
                        int kc = Math.min(BlockedGemm.KC, columns - pc), block = (img * columns + pc) * cols;
                        for (int t = lo * MR; t < hi * MR; t += MR) {
                            for (int jr = 0; jr < cols; jr += NR) {
                                SgemmKernel.runRowsA(overwrite, kc, images, rowOff, t, image + pc, packed, block + jr * kc,
                                        ct, t * cols + jr, cols);
                            }
                        }
                        overwrite = false;
                    }
                }
            });
            int dwGroup = dwo + grp * kg * crs;
            Parallel.forRange(kg, Math.max(1, 65536 / crs), (lo, hi) -> {
                for (int k = lo; k < hi; k++) {
                    for (int t = 0; t < crs; t++) dw[dwGroup + k * crs + t] = ct[t * cols + k];
                }
            });
        }
    }

    /**
     * dY of every image transposed into the B panels of the product: for image i and the KC-deep block of wide
     * columns from pc (kc deep), panel jr holds, at {@code (i * columns + pc) * cols + jr * kc + pp * NR + k},
     * dY[i, jr + k] at wide column pc + pp (output pixel (col / wp, col % wp)), zero past q in each row and for
     * channels past kg. Split among threads by (image, panel).
     */
    private static float[] packGradient(ConvGeometry g, float[] dy, int base, int wp, int columns, int cols) {
        int q = g.q(), kg = g.kg(), pq = g.p() * q, panels = cols / NR;
        float[] out = Scratch.get(Scratch.Slot.WIDE_GRADIENT, g.n() * columns * cols);
        Parallel.forRange(g.n() * panels, 1, (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int img = t / panels, jr = t % panels * NR, src = base + img * g.k() * pq + jr * pq;
                int valid = Math.min(NR, kg - jr);
                for (int pc = 0; pc < columns; pc += BlockedGemm.KC) {
                    int kc = Math.min(BlockedGemm.KC, columns - pc), dst = (img * columns + pc) * cols + jr * kc;
                    for (int pp = 0, col = pc; pp < kc; pp++, col++) {
                        int row = dst + pp * NR, ow = col % wp;
                        if (ow < q) {
                            int pixel = src + col / wp * q + ow;
                            for (int k = 0; k < valid; k++) out[row + k] = dy[pixel + k * pq];
                            for (int k = valid; k < NR; k++) out[row + k] = 0f;
                        } else {
                            java.util.Arrays.fill(out, row, row + NR, 0f);
                        }
                    }
                }
            }
        });
        return out;
    }
}
