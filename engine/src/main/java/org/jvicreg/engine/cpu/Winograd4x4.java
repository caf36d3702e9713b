package org.jvicreg.engine.cpu;

import jdk.incubator.vector.FloatVector;
import org.jvicreg.engine.backend.ConvGeometry;

import static org.jvicreg.engine.cpu.SgemmKernel.MR;
import static org.jvicreg.engine.cpu.SgemmKernel.NR;
import static org.jvicreg.engine.cpu.SgemmKernel.S;
import static org.jvicreg.engine.cpu.SgemmKernel.VL;
import static org.jvicreg.engine.cpu.WinogradF4.TILE;
import static org.jvicreg.engine.cpu.WinogradF4.XI;

/**
 * 3x3 stride-1 convolutions (padding 1, NCHW) by Winograd's F(4x4, 3x3) ({@link WinogradF4}): 36
 * multiplications per 4x4 block of outputs of one channel pair instead of 144. As in {@link Winograd3x3}, a
 * layer is one product per element xi of the 6x6 transformed tile, M[xi] (tiles x K) = V[xi] (tiles x C)
 * U[xi] (C x K), run on {@link BlockedGemm} for a group of images at a time. The transforms run on vectors of
 * {@link SgemmKernel#VL} channels: each group's images are first copied channels-last (pixel by pixel, every
 * channel of a pixel together), V and M are stored tile by tile with the channels innermost (so V is a
 * row-major A that the product reads in place), and the output comes back through a channels-last buffer.
 * On NCHW planes the transforms would be scalar: the 4x4 tiles of one plane stand four pixels apart.
 *
 * <ul>
 *   <li>forward: x (n, c, h, w), filters (k, c, 3, 3) to y (n, k, h, w);</li>
 *   <li>input gradient: the same with dy as input and the filters transposed and rotated by 180 degrees;</li>
 *   <li>filter gradient: dW[k][c] = G^T Z[k][c] G with Z[xi] (K x C) = E[xi]^T V[xi] summed over the tiles,
 *       E = A dY A^T the transformed output gradient (the forward formula's adjoint in g).</li>
 * </ul>
 * Both channel counts must be multiples of VL ({@link #fits}). The error against a float64 direct
 * convolution, max abs error over max abs output, is about 1e-5 on ResNet-50's layers (Winograd3x3Test prints
 * it per layer and pass); {@link CpuConv#winograd} says when convolutions take it.
 */
final class Winograd4x4 {
    private Winograd4x4() {}

    /** Floats of channels-last copy, transformed input and products per group of images (24 MB). */
    private static final int GROUP_FLOATS = 6 << 20;

    /** Whether g is a convolution this class computes: one {@link Winograd3x3#fits}, channel counts multiples of VL. */
    static boolean fits(ConvGeometry g) {
        return Winograd3x3.fits(g) && g.c() % VL == 0 && g.k() % VL == 0;
    }

    /** y = conv(x, w) for a geometry that {@link #fits}. */
    static void forward(ConvGeometry g, float[] x, int xo, float[] w, int wo, float[] y, int yo) {
        transformAndRun(g, false, x, xo, w, wo, y, yo);
    }

    /** dx = conv(dy, w rotated and transposed), the input gradient of a geometry that {@link #fits}. */
    static void backwardData(ConvGeometry g, float[] dy, int dyo, float[] w, int wo, float[] dx, int dxo) {
        transformAndRun(g, true, dy, dyo, w, wo, dx, dxo);
    }

    /** The forward pass (in = x, out = y) or, with {@code adjoint}, the input gradient (in = dY, out = dX). */
    private static void transformAndRun(ConvGeometry g, boolean adjoint, float[] in, int inOff, float[] w, int wo, float[] out, int outOff) {
        int su = Winograd3x3.spread((long) g.c() * g.k());
        float[] u = Scratch.get(Scratch.Slot.WINOGRAD_FILTERS, XI * su);
        transformFilters(w, wo, g.k(), g.c(), adjoint, u, su);
        int ci = adjoint ? g.k() : g.c(), ko = adjoint ? g.c() : g.k();
        run(g.n(), ci, ko, g.h(), g.w(), in, inOff, u, su, out, outOff);
    }

    /** Images per group: enough tiles for long products, few enough that the group's arrays stay a few megabytes. */
    private static int groupImages(int n, int tilesPerImage, int hw, int channelsIn, int channelsOut) {
        long perImage = (long) XI * tilesPerImage * (channelsIn + channelsOut) + (long) hw * Math.max(channelsIn, channelsOut);
        return (int) Math.max(1, Math.min(n, GROUP_FLOATS / Math.max(1, perImage)));
    }

    /**
     * out (n, ko, h, w) = conv(in (n, ci, h, w)) with the transformed filters u (U[xi], ci x ko, from xi * su):
     * per group of images the channels-last copy, the input transform into V ([xi][tile][ci]), the 36 products
     * into M ([xi][tile][ko]), the output transform into a channels-last buffer and its copy back to NCHW.
     */
    private static void run(int n, int ci, int ko, int h, int w, float[] in, int inOff, float[] u, int su, float[] out, int outOff) {
        int hw = h * w, tw = WinogradF4.tiles(w), perImage = WinogradF4.tiles(h) * tw;
        int group = groupImages(n, perImage, hw, ci, ko);
        int sv = Winograd3x3.spread((long) group * perImage * ci), sm = Winograd3x3.spread((long) group * perImage * ko);
        float[] v = Scratch.get(Scratch.Slot.WINOGRAD_INPUT, XI * sv);
        float[] m = Scratch.get(Scratch.Slot.WINOGRAD_PRODUCTS, XI * sm);
        float[] cl = Scratch.get(Scratch.Slot.CHANNELS_LAST, group * hw * Math.max(ci, ko));
        for (int first = 0; first < n; first += group) {
            int images = Math.min(group, n - first), t = images * perImage;
            transformInputs(in, inOff + first * ci * hw, images, ci, h, w, cl, v, sv);
            Parallel.forRange(XI, 1, (lo, hi) -> {
                for (int xi = lo; xi < hi; xi++) {
                    var a = new GemmOperands.DenseA(false, v, xi * sv, ci, 1f);
                    var b = new GemmOperands.DenseB(false, u, xi * su, ko);
                    BlockedGemm.run(a, b, GemmOutput.matrix(m, xi * sm, ko), 0, t, 0, ko, 0, ci, false);
                }
            });
            Parallel.forRange(t, 1, (lo, hi) -> {
                float[] tmp = new float[XI * VL];
                for (int tile = lo; tile < hi; tile++) {
                    int img = tile / perImage, at = tile % perImage, row = at / tw * TILE, col = at % tw * TILE;
                    WinogradF4.transformOutput(m, tile * ko, 1, 0, 0, ko / VL, sm, tmp, cl, img * hw * ko, ko, h, w, row, col);
                }
            });
            fromChannelsLast(cl, images, ko, hw, out, outOff + first * ko * hw);
        }
    }

    /** dw = the filter gradient of a geometry that {@link #fits}, from its input x and output gradient dy. */
    static void backwardFilter(ConvGeometry g, float[] x, int xo, float[] dy, int dyo, float[] dw, int dwo) {
        int n = g.n(), c = g.c(), k = g.k(), h = g.h(), w = g.w(), hw = h * w, tw = WinogradF4.tiles(w);
        int perImage = WinogradF4.tiles(h) * tw, group = groupImages(n, perImage, hw, c, k);
        int sv = Winograd3x3.spread((long) group * perImage * c), se = Winograd3x3.spread((long) group * perImage * k);
        int sz = Winograd3x3.spread((long) k * c);
        float[] v = Scratch.get(Scratch.Slot.WINOGRAD_INPUT, XI * sv);
        float[] e = Scratch.get(Scratch.Slot.WINOGRAD_PRODUCTS, XI * se);
        float[] z = Scratch.get(Scratch.Slot.WINOGRAD_FILTERS, XI * sz);
        float[] cl = Scratch.get(Scratch.Slot.CHANNELS_LAST, group * hw * Math.max(c, k));
        int[] rowOff = new int[group * perImage]; // row p of V[xi] (tiles x c), p * c floats in
        for (int p = 0; p < rowOff.length; p++) rowOff[p] = p * c;
        for (int first = 0; first < n; first += group) {
            int images = Math.min(group, n - first), t = images * perImage;
            boolean accumulate = first > 0;
            transformInputs(x, xo + first * c * hw, images, c, h, w, cl, v, sv);
            toChannelsLast(dy, dyo + first * k * hw, images, k, hw, cl);
            Parallel.forRange(t, 1, (lo, hi) -> {
                float[] tmp = new float[XI * VL];
                for (int tile = lo; tile < hi; tile++) {
                    int img = tile / perImage, at = tile % perImage, row = at / tw * TILE, col = at % tw * TILE;
                    WinogradF4.transformGradient(cl, img * hw * k, 1, 0, 0, k / VL, k, h, w, row, col, tmp, e, tile * k, se);
                }
            });
            if (k % MR == 0 && c % NR == 0) {
                sumProductsInPlace(e, se, k, v, sv, c, t, rowOff, z, sz, accumulate);
                continue;
            }
            Parallel.forRange(XI, 1, (lo, hi) -> {
                for (int xi = lo; xi < hi; xi++) {
                    var a = new GemmOperands.DenseA(true, e, xi * se, k, 1f);
                    var b = new GemmOperands.DenseB(false, v, xi * sv, c);
                    BlockedGemm.run(a, b, GemmOutput.matrix(z, xi * sz, c), 0, k, 0, c, 0, t, accumulate);
                }
            });
        }
        untransformFilters(z, sz, k, c, dw, dwo);
    }

    /**
     * Z[xi] (k x c, from xi * sz) (+)= E[xi]^T V[xi] over the t tiles, E[xi] (t x k, from xi * se) and V[xi]
     * (t x c, from xi * sv): for each MR rows of Z and block of {@link BlockedGemm#KC} tiles, the MR columns
     * of E packed into an A panel, every NR columns of V read in place as the register tile's B rows (row p at
     * rowOff[p]). A general GEMM packs V too, which cost more than the product at 64 channels: each packed
     * value fed only k multiply-adds. The same blocks in the same order as {@link BlockedGemm}, so the sums
     * round as its would. Split among threads by (xi, MR rows of Z).
     */
    private static void sumProductsInPlace(float[] e, int se, int k, float[] v, int sv, int c, int t, int[] rowOff,
                                           float[] z, int sz, boolean accumulate) {
        int panels = k / MR;
        Parallel.forRange(XI * panels, 1, (lo, hi) -> {
            float[] ap = Scratch.get(Scratch.Slot.PACKED_A, BlockedGemm.KC * MR);
            for (int item = lo; item < hi; item++) {
                int xi = item / panels, k0 = item % panels * MR;
                var a = new GemmOperands.DenseA(true, e, xi * se, k, 1f); // E[xi]^T
                for (int pc = 0; pc < t; pc += BlockedGemm.KC) {
                    int kc = Math.min(BlockedGemm.KC, t - pc);
                    a.pack(k0, MR, pc, kc, ap);
                    for (int c0 = 0; c0 < c; c0 += NR) {
                        SgemmKernel.runRows(!accumulate && pc == 0, kc, ap, 0, v, rowOff, pc, xi * sv + c0, z,
                                xi * sz + k0 * c + c0, c);
                    }
                }
            }
        });
    }

    /**
     * V[xi] (tiles x channels, from xi * step) of {@code images} NCHW images from x[from], through their
     * channels-last copy cl: tile (i, j) of image p is row (p th + i) tw + j.
     */
    private static void transformInputs(float[] x, int from, int images, int channels, int h, int w, float[] cl, float[] v, int step) {
        int hw = h * w, tw = WinogradF4.tiles(w), perImage = WinogradF4.tiles(h) * tw;
        toChannelsLast(x, from, images, channels, hw, cl);
        Parallel.forRange(images * perImage, 1, (lo, hi) -> {
            float[] tmp = new float[XI * VL];
            for (int tile = lo; tile < hi; tile++) {
                int img = tile / perImage, at = tile % perImage, row = at / tw * TILE, col = at % tw * TILE;
                WinogradF4.transformInput(cl, img * hw * channels, 1, 0, 0, channels / VL, channels, h, w, row - 1, col - 1, tmp, v,
                        tile * channels, step);
            }
        });
    }

    /** Pixels per task of the channels-last copies. */
    private static final int COPY_PIXELS = 64;

    /**
     * dst[img][p][ch] = src[from + (img c + ch) hw + p]: images (c, hw) planes to (hw, c), {@link
     * Transpose16#matrix} on each task's pixels.
     */
    private static void toChannelsLast(float[] src, int from, int images, int c, int hw, float[] dst) {
        int blocks = (hw + COPY_PIXELS - 1) / COPY_PIXELS;
        Parallel.forRange(images * blocks, 1, (lo, hi) -> {
            for (int task = lo; task < hi; task++) {
                int img = task / blocks, p0 = task % blocks * COPY_PIXELS, p1 = Math.min(hw, p0 + COPY_PIXELS);
                Transpose16.matrix(src, from + img * c * hw + p0, hw, dst, (img * hw + p0) * c, c, c, p1 - p0);
            }
        });
    }

    /** The inverse of {@link #toChannelsLast}: dst[to + (img c + ch) hw + p] = src[img][p][ch]. */
    private static void fromChannelsLast(float[] src, int images, int c, int hw, float[] dst, int to) {
        int blocks = (hw + COPY_PIXELS - 1) / COPY_PIXELS;
        Parallel.forRange(images * blocks, 1, (lo, hi) -> {
            for (int task = lo; task < hi; task++) {
                int img = task / blocks, p0 = task % blocks * COPY_PIXELS, p1 = Math.min(hw, p0 + COPY_PIXELS);
                Transpose16.matrix(src, (img * hw + p0) * c, c, dst, to + img * c * hw + p0, hw, p1 - p0, c);
            }
        });
    }

    /**
     * U[xi][row][col] (U[xi] from xi * stride, row-major) = (G g G^T)[xi] for every filter g: rows the input
     * channels and columns the output channels, g = w[col][row]; with {@code adjoint} the input gradient's
     * filters, rows k and columns c, g = w[row][col] rotated by 180 degrees. VL filters of a row at a time, their
     * taps gathered into vectors (taps[i]), in float.
     */
    private static void transformFilters(float[] w, int wo, int k, int c, boolean adjoint, float[] u, int stride) {
        int rows = adjoint ? k : c, cols = adjoint ? c : k;
        Parallel.forRange(rows, Math.max(1, 4096 / cols), (lo, hi) -> {
            float[] taps = new float[9 * VL], t = new float[18 * VL];
            // the 9 taps of VL filters side by side: filter col at w[base + col * step + tap]
            int step = adjoint ? 9 : 9 * c;
            int[] index = new int[VL];
            for (int i = 0; i < VL; i++) index[i] = i * step;
            for (int row = lo; row < hi; row++) {
                int base = wo + (adjoint ? row * cols : row) * 9;
                for (int col = 0; col < cols; col += VL) {
                    for (int i = 0; i < 9; i++) {
                        FloatVector.fromArray(S, w, base + col * step + (adjoint ? 8 - i : i), index, 0).intoArray(taps, i * VL);
                    }
                    for (int j = 0; j < 3; j++) { // G g: G applied to g's columns, row r of column j to t[(3 r + j) VL]
                        FloatVector x0 = FloatVector.fromArray(S, taps, j * VL);
                        FloatVector x1 = FloatVector.fromArray(S, taps, (3 + j) * VL);
                        FloatVector x2 = FloatVector.fromArray(S, taps, (6 + j) * VL);
                        FloatVector s02 = x0.add(x2), p = x0.mul(1 / 24f).add(x2.mul(1 / 6f)), q = x1.mul(1 / 12f);
                        x0.mul(0.25f).intoArray(t, j * VL);
                        s02.add(x1).mul(-1 / 6f).intoArray(t, (3 + j) * VL);
                        s02.sub(x1).mul(-1 / 6f).intoArray(t, (6 + j) * VL);
                        p.add(q).intoArray(t, (9 + j) * VL);
                        p.sub(q).intoArray(t, (12 + j) * VL);
                        x2.intoArray(t, (15 + j) * VL);
                    }
                    for (int r = 0; r < 6; r++) { // times G^T: the same on each row of G g
                        FloatVector x0 = FloatVector.fromArray(S, t, 3 * r * VL), x1 = FloatVector.fromArray(S, t, (3 * r + 1) * VL);
                        FloatVector x2 = FloatVector.fromArray(S, t, (3 * r + 2) * VL);
                        FloatVector s02 = x0.add(x2), p = x0.mul(1 / 24f).add(x2.mul(1 / 6f)), q = x1.mul(1 / 12f);
                        int at = 6 * r * stride + row * cols + col;
                        x0.mul(0.25f).intoArray(u, at);
                        s02.add(x1).mul(-1 / 6f).intoArray(u, at + stride);
                        s02.sub(x1).mul(-1 / 6f).intoArray(u, at + 2 * stride);
                        p.add(q).intoArray(u, at + 3 * stride);
                        p.sub(q).intoArray(u, at + 4 * stride);
                        x2.intoArray(u, at + 5 * stride);
                    }
                }
            }
        });
    }

    /**
     * dw[k][c] = G^T Z[k][c] G (3x3) from Z[xi][k][c] (Z[xi] from xi * stride), on vectors of VL (k, c) pairs,
     * in float. G^T's rows: [1/4 -1/6 -1/6 1/24 1/24 0], [0 -1/6 1/6 1/12 -1/12 0], [0 -1/6 -1/6 1/6 1/6 1].
     */
    private static void untransformFilters(float[] z, int stride, int k, int c, float[] dw, int dwo) {
        Parallel.forRange(k * c / VL, Math.max(1, 256 / VL), (lo, hi) -> {
            float[] t = new float[18 * VL], out = new float[9 * VL];
            for (int block = lo; block < hi; block++) {
                int pair0 = block * VL;
                for (int j = 0; j < 6; j++) { // G^T Z: G^T applied to Z's columns, row r of column j to t[(6 r + j) VL]
                    int at = j * stride + pair0;
                    FloatVector q0 = FloatVector.fromArray(S, z, at), q1 = FloatVector.fromArray(S, z, at + 6 * stride);
                    FloatVector q2 = FloatVector.fromArray(S, z, at + 12 * stride), q3 = FloatVector.fromArray(S, z, at + 18 * stride);
                    FloatVector q4 = FloatVector.fromArray(S, z, at + 24 * stride), q5 = FloatVector.fromArray(S, z, at + 30 * stride);
                    FloatVector s12 = q1.add(q2).mul(1 / 6f), s34 = q3.add(q4);
                    q0.mul(0.25f).sub(s12).add(s34.mul(1 / 24f)).intoArray(t, j * VL);
                    q2.sub(q1).mul(1 / 6f).add(q3.sub(q4).mul(1 / 12f)).intoArray(t, (6 + j) * VL);
                    s34.mul(1 / 6f).sub(s12).add(q5).intoArray(t, (12 + j) * VL);
                }
                for (int r = 0; r < 3; r++) { // times G: the same on each row of G^T Z
                    int at = 6 * r * VL;
                    FloatVector q0 = FloatVector.fromArray(S, t, at), q1 = FloatVector.fromArray(S, t, at + VL);
                    FloatVector q2 = FloatVector.fromArray(S, t, at + 2 * VL), q3 = FloatVector.fromArray(S, t, at + 3 * VL);
                    FloatVector q4 = FloatVector.fromArray(S, t, at + 4 * VL), q5 = FloatVector.fromArray(S, t, at + 5 * VL);
                    FloatVector s12 = q1.add(q2).mul(1 / 6f), s34 = q3.add(q4);
                    q0.mul(0.25f).sub(s12).add(s34.mul(1 / 24f)).intoArray(out, 3 * r * VL);
                    q2.sub(q1).mul(1 / 6f).add(q3.sub(q4).mul(1 / 12f)).intoArray(out, (3 * r + 1) * VL);
                    s34.mul(1 / 6f).sub(s12).add(q5).intoArray(out, (3 * r + 2) * VL);
                }
                for (int p = 0; p < VL; p++) { // a scatter (9 floats apart) measured slower
                    int to = dwo + (pair0 + p) * 9;
                    for (int i = 0; i < 9; i++) dw[to + i] = out[i * VL + p];
                }
            }
        });
    }
}
