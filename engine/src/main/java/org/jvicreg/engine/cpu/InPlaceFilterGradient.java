package org.jvicreg.engine.cpu;

import jdk.incubator.vector.FloatVector;
import org.jvicreg.engine.backend.ConvGeometry;

import static org.jvicreg.engine.cpu.SgemmKernel.MR;
import static org.jvicreg.engine.cpu.SgemmKernel.NR;

/**
 * The filter gradient of a convolution of large images without packing its big operand. It is a sum over
 * images of products P (rows x pixels) * Q^T (pixels x cols) where the kernel reads the rows of P in place
 * ({@link SgemmKernel#runRowsA}) and only Q, the smaller operand, is packed (transposed), once for the whole
 * batch before the product and shared by the threads, which split the rows, so no partial sums. Two ways:
 * <ul>
 *   <li>{@link #run}: the transposed product dW^T (taps x K) = im2col(X) (taps x pixels) * dY^T (pixels x K),
 *       where, as in {@link PaddedImageConv}, the im2col row of tap (c, r, s) is the images' zero-padded
 *       stride-phase copy ({@link StridePhases}) shifted by a fixed offset and read over "wide" pixels
 *       {@code oh*Wp + ow}, and dY is packed with zeros in the Wp - Q wide columns whose im2col values are
 *       not real windows. dY is the small one when K is small (ResNet's 64- and 128-channel layers).</li>
 *   <li>{@link #runPointwise}: for an unpadded stride-1 1x1 convolution with more output than input channels
 *       (a bottleneck's expanding 1x1 layer), dW (K x C) = dY (K x pixels) * X^T (pixels x C): dY's channel
 *       planes are the rows read in place and X, the smaller, is packed.</li>
 * </ul>
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
            float[] packed = packTransposed(dy, dyo + grp * kg * p * q, g.k() * p * q, kg, p, q, wp, columns, cols, g.n());
            float[] ct = product(images, first, imageStride, in.rowOffsets(rows), g.n(), columns, packed, rows, cols);
            int dwGroup = dwo + grp * kg * crs;
            Parallel.forRange(kg, Math.max(1, 65536 / crs), (lo, hi) -> {
                for (int k = lo; k < hi; k++) {
                    for (int t = 0; t < crs; t++) dw[dwGroup + k * crs + t] = ct[t * cols + k];
                }
            });
        }
    }

    /** The second way (class comment); g is an unpadded stride-1 1x1 convolution. */
    static void runPointwise(ConvGeometry g, float[] x, int xo, float[] dy, int dyo, float[] dw, int dwo) {
        int pq = g.p() * g.q(), kg = g.kg(), cg = g.cg();
        int rows = (kg + MR - 1) / MR * MR, cols = (cg + NR - 1) / NR * NR;
        int[] rowOff = new int[rows];
        for (int t = 0; t < rows; t++) rowOff[t] = Math.min(t, kg - 1) * pq; // rows past kg repeat the last
        for (int grp = 0; grp < g.groups(); grp++) {
            float[] packed = packTransposed(x, xo + grp * cg * pq, g.c() * pq, cg, g.p(), g.q(), g.q(), pq, cols, g.n());
            float[] ct = product(dy, dyo + grp * kg * pq, g.k() * pq, rowOff, g.n(), pq, packed, rows, cols);
            int dwGroup = dwo + grp * kg * cg;
            Parallel.forRange(kg, Math.max(1, 65536 / cg), (lo, hi) -> {
                for (int k = lo; k < hi; k++) System.arraycopy(ct, k * cols, dw, dwGroup + k * cg, cg);
            });
        }
    }

    /**
     * ct (rows x cols) = sum over the n images of P (rows x columns) * packed (columns x cols), where row t of
     * image i's P is the columns floats at {@code images[first + i * imageStride + rowOff[t]]} and packed is
     * {@link #packTransposed}'s layout. Split among threads by MR-row panels.
     */
    private static float[] product(float[] images, int first, int imageStride, int[] rowOff, int n, int columns,
                                   float[] packed, int rows, int cols) {
        float[] ct = Scratch.get(Scratch.Slot.PARTIAL_SUM, rows * cols);
        Parallel.forRange(rows / MR, 1, (lo, hi) -> {
            boolean overwrite = true;
            for (int img = 0; img < n; img++) {
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
        return ct;
    }

    /**
     * The n images of src ({@code channels} planes of p x q pixels each, image i's at base + i * imageStride)
     * transposed into the B panels of {@link #product}: for image i and the KC-deep block of wide columns
     * from pc (kc deep), panel jr holds, at {@code (i * columns + pc) * cols + jr * kc + pp * NR + c}, channel
     * jr + c at wide column pc + pp (pixel (col / wp, col % wp)), zero past q in each row and for channels past
     * {@code channels}. Split among threads by (image, panel).
     */
    private static float[] packTransposed(float[] src, int base, int imageStride, int channels, int p, int q, int wp,
                                          int columns, int cols, int n) {
        int pq = p * q, panels = cols / NR;
        float[] out = Scratch.get(Scratch.Slot.WIDE_GRADIENT, n * columns * cols);
        int[] planes = new int[NR]; // a full panel's row: two vector gathers, one value from each channel's plane
        for (int c = 0; c < NR; c++) planes[c] = c * pq;
        Parallel.forRange(n * panels, 1, (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int img = t / panels, jr = t % panels * NR, from = base + img * imageStride + jr * pq;
                int valid = Math.min(NR, channels - jr);
                for (int pc = 0; pc < columns; pc += BlockedGemm.KC) {
                    int kc = Math.min(BlockedGemm.KC, columns - pc), dst = (img * columns + pc) * cols + jr * kc;
                    for (int pp = 0, col = pc; pp < kc; pp++, col++) {
                        int row = dst + pp * NR, ow = col % wp;
                        if (ow < q) {
                            int pixel = from + col / wp * q + ow;
                            if (valid == NR) {
                                FloatVector.fromArray(SgemmKernel.S, src, pixel, planes, 0).intoArray(out, row);
                                FloatVector.fromArray(SgemmKernel.S, src, pixel, planes, SgemmKernel.VL)
                                        .intoArray(out, row + SgemmKernel.VL);
                                continue;
                            }
                            for (int c = 0; c < valid; c++) out[row + c] = src[pixel + c * pq];
                            for (int c = valid; c < NR; c++) out[row + c] = 0f;
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
