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
 * is small next to im2col when K is small (ResNet's 64- and 128-channel layers), and its wide copy holds
 * zeros in the Wp - Q columns whose im2col values are not real windows. Threads split the taps, so no
 * partial sums.
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
            int wp = in.width(), wide = p * wp, columns = in.columns();
            int[] rowOff = in.rowOffsets(rows);
            float[] dyWide = widen(g, dy, dyo + grp * kg * p * q, wp);
            float[] ct = Scratch.get(Scratch.Slot.PARTIAL_SUM, rows * cols);
            Parallel.forRange(rows / MR, 1, (lo, hi) -> {
                float[] bp = Scratch.get(Scratch.Slot.PACKED_B, BlockedGemm.KC * cols);
                boolean overwrite = true;
                for (int img = 0; img < g.n(); img++) {
                    int image = first + img * imageStride;
                    for (int pc = 0; pc < columns; pc += BlockedGemm.KC) {
                        int kc = Math.min(BlockedGemm.KC, columns - pc);
                        packTransposed(dyWide, img * kg * wide + pc, wide, kg, kc, cols, bp);
                        for (int t = lo * MR; t < hi * MR; t += MR) {
                            for (int jr = 0; jr < cols; jr += NR) {
                                SgemmKernel.runRowsA(overwrite, kc, images, rowOff, t, image + pc, bp, jr * kc, ct, t * cols + jr, cols);
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

    /** dY of every image as kg rows of p x wp "wide" pixels, zero in the columns past q. */
    private static float[] widen(ConvGeometry g, float[] dy, int base, int wp) {
        int p = g.p(), q = g.q(), kg = g.kg(), pq = p * q;
        float[] out = Scratch.get(Scratch.Slot.WIDE_GRADIENT, g.n() * kg * p * wp);
        Parallel.forRange(g.n() * kg, Math.max(1, 16384 / pq), (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int img = t / kg, k = t % kg, src = base + img * g.k() * pq + k * pq, dst = t * p * wp;
                for (int oh = 0; oh < p; oh++) {
                    System.arraycopy(dy, src + oh * q, out, dst + oh * wp, q);
                    java.util.Arrays.fill(out, dst + oh * wp + q, dst + (oh + 1) * wp, 0f);
                }
            }
        });
        return out;
    }

    /** Packs rows [0, kg) x columns [from, from+kc) of a row-major matrix, transposed, into NR-column panels. */
    private static void packTransposed(float[] src, int from, int ld, int kg, int kc, int cols, float[] bp) {
        for (int k = 0; k < cols; k++) {
            int panel = (k / NR) * kc * NR + k % NR;
            if (k < kg) {
                int s = from + k * ld;
                for (int pp = 0; pp < kc; pp++) bp[panel + pp * NR] = src[s + pp];
            } else {
                for (int pp = 0; pp < kc; pp++) bp[panel + pp * NR] = 0f;
            }
        }
    }
}
