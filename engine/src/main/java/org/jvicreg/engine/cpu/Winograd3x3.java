package org.jvicreg.engine.cpu;

import org.jvicreg.engine.backend.ConvGeometry;

/**
 * 3x3 stride-1 convolutions (padding 1, NCHW) by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray,
 * "Fast Algorithms for Convolutional Neural Networks", 2016): each 2x2 block of outputs of one channel pair
 * costs 16 multiplications instead of 36. With a 4x4 input tile d and a 3x3 filter g,
 * <pre>
 *   Y = A^T [ (G g G^T) . (B^T d B) ] A        (. elementwise)
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]   A^T = [1 1 1 0; 0 1 -1 -1]
 * </pre>
 * The sum over input channels moves inside the brackets, so a layer is 16 independent products, one per
 * element (xi) of the 4x4 transformed tile: M[xi] (tiles x K) = V[xi] (tiles x C) * U[xi] (C x K), with
 * V[xi] the transformed input tiles and U[xi] the transformed filters, run on {@link BlockedGemm}. Images go
 * through in groups whose transformed tiles stay within a few megabytes.
 *
 * <ul>
 *   <li>forward: x (n, c, h, w), filters (k, c, 3, 3) to y (n, k, h, w);</li>
 *   <li>input gradient: the same with dy as input and the filters transposed and rotated by 180 degrees
 *       (a stride-1, padding-1 3x3 convolution's adjoint is one);</li>
 *   <li>filter gradient: dW[k][c] = sum over tiles of G^T [ (A dY A^T) . (B^T d B) ] G, the adjoint of the
 *       forward formula in g, so 16 products Z[xi] (K x C) = dYt[xi]^T V[xi] summed over the tiles.</li>
 * </ul>
 * The error against a float64 direct convolution is measured per layer by the tests (about 1e-6 of the
 * largest output); {@link CpuConv#winograd} says when convolutions take it.
 */
final class Winograd3x3 {
    private Winograd3x3() {}

    /** Elements of a transformed tile. */
    static final int XI = 16;

    /** Floats of transformed input plus products per group of images (16 MB). */
    private static final int GROUP_FLOATS = 1 << 22;

    /**
     * The distance between the matrices of one transformed array (16 here, 36 for F(4x4)): {@code size} floats
     * rounded up to a multiple of 1024 plus 16. The transforms read or write all of them at once; at a multiple
     * of 4 KB apart (1 MB for 512 x 512 filters) those streams share the same L1 sets and evict one another.
     */
    static int spread(long size) {
        long stride = (size + 1023) / 1024 * 1024 + 16;
        if (WinogradF4.XI * stride > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("Winograd: " + size + " floats per matrix do not fit an array");
        return (int) stride;
    }

    /** Whether g is a convolution this class computes: 3x3, stride 1, padding 1, no dilation, one group. */
    static boolean fits(ConvGeometry g) {
        return g.r() == 3 && g.s() == 3 && g.strideH() == 1 && g.strideW() == 1 && g.padH() == 1 && g.padW() == 1
                && g.dilH() == 1 && g.dilW() == 1 && g.groups() == 1 && g.layout() == ConvGeometry.Layout.NCHW;
    }

    /** y = conv(x, w) for a geometry that {@link #fits}. */
    static void forward(ConvGeometry g, float[] x, int xo, float[] w, int wo, float[] y, int yo) {
        float[] u = Scratch.get(Scratch.Slot.WINOGRAD_FILTERS, XI * spread((long) g.c() * g.k()));
        transformFilters(w, wo, g.k(), g.c(), false, u);
        run(g.n(), g.c(), g.k(), g.h(), g.w(), x, xo, u, y, yo);
    }

    /** dx = conv(dy, w rotated and transposed), the input gradient of a geometry that {@link #fits}. */
    static void backwardData(ConvGeometry g, float[] dy, int dyo, float[] w, int wo, float[] dx, int dxo) {
        float[] u = Scratch.get(Scratch.Slot.WINOGRAD_FILTERS, XI * spread((long) g.c() * g.k()));
        transformFilters(w, wo, g.k(), g.c(), true, u);
        run(g.n(), g.k(), g.c(), g.h(), g.w(), dy, dyo, u, dx, dxo);
    }

    /** dw = the filter gradient of a geometry that {@link #fits}, from its input x and output gradient dy. */
    static void backwardFilter(ConvGeometry g, float[] x, int xo, float[] dy, int dyo, float[] dw, int dwo) {
        int n = g.n(), c = g.c(), k = g.k(), h = g.h(), w = g.w(), th = tiles(h), tw = tiles(w), perImage = th * tw;
        int group = groupImages(n, perImage, c, k);
        int sv = spread((long) c * group * perImage), se = spread((long) k * group * perImage), sz = spread((long) k * c);
        float[] v = Scratch.get(Scratch.Slot.WINOGRAD_INPUT, XI * sv);
        float[] e = Scratch.get(Scratch.Slot.WINOGRAD_PRODUCTS, XI * se);
        float[] z = Scratch.get(Scratch.Slot.WINOGRAD_FILTERS, XI * sz);
        for (int first = 0; first < n; first += group) {
            int images = Math.min(group, n - first), t = images * perImage, img0 = first;
            boolean accumulate = first > 0;
            transformInputs(x, xo, c, h, w, img0, images, v, sv);
            Parallel.forRange(images * k, Math.max(1, 2048 / perImage), (lo, hi) -> {
                for (int task = lo; task < hi; task++) {
                    int img = task / k, kk = task % k;
                    transformGradient(dy, dyo + ((img0 + img) * k + kk) * h * w, h, w, th, tw, e, kk * t + img * perImage, se);
                }
            });
            Parallel.forRange(XI, 1, (lo, hi) -> {
                for (int xi = lo; xi < hi; xi++) {
                    var a = new GemmOperands.DenseA(false, e, xi * se, t, 1f);
                    var b = new GemmOperands.DenseB(true, v, xi * sv, t);
                    BlockedGemm.run(a, b, GemmOutput.matrix(z, xi * sz, c), 0, k, 0, c, 0, t, accumulate);
                }
            });
        }
        untransformFilters(z, sz, k, c, dw, dwo);
    }

    /**
     * A dY A^T for every tile of one output-gradient plane: dY the 2x2 block at (2i, 2j), zero past the
     * image's edge. Tile (i, j)'s value xi goes to {@code e[eOff + xi * xiStride + i * tw + j]}.
     */
    private static void transformGradient(float[] dy, int src, int h, int w, int th, int tw, float[] e, int eOff, int xiStride) {
        for (int i = 0; i < th; i++) {
            boolean below = 2 * i + 1 < h;
            for (int j = 0; j < tw; j++) {
                boolean right = 2 * j + 1 < w;
                int at = src + 2 * i * w + 2 * j, to = eOff + i * tw + j;
                float d00 = dy[at], d01 = right ? dy[at + 1] : 0f;
                float d10 = below ? dy[at + w] : 0f, d11 = below && right ? dy[at + w + 1] : 0f;
                // rows of A dY: d0, d0 + d1, d0 - d1, -d1; then each row (x0, x1) times A^T: x0, x0 + x1, x0 - x1, -x1
                float s0 = d00 + d10, s1 = d01 + d11, f0 = d00 - d10, f1 = d01 - d11;
                e[to] = d00;
                e[to + xiStride] = d00 + d01;
                e[to + 2 * xiStride] = d00 - d01;
                e[to + 3 * xiStride] = -d01;
                e[to + 4 * xiStride] = s0;
                e[to + 5 * xiStride] = s0 + s1;
                e[to + 6 * xiStride] = s0 - s1;
                e[to + 7 * xiStride] = -s1;
                e[to + 8 * xiStride] = f0;
                e[to + 9 * xiStride] = f0 + f1;
                e[to + 10 * xiStride] = f0 - f1;
                e[to + 11 * xiStride] = -f1;
                e[to + 12 * xiStride] = -d10;
                e[to + 13 * xiStride] = -d10 - d11;
                e[to + 14 * xiStride] = d11 - d10;
                e[to + 15 * xiStride] = d11;
            }
        }
    }

    /** dw[k][c] = G^T Z G (3x3) from Z[xi][k][c] (Z[xi] from xi * stride), the filter transform's adjoint. */
    private static void untransformFilters(float[] z, int stride, int k, int c, float[] dw, int dwo) {
        Parallel.forRange(k * c, 1024, (lo, hi) -> {
            float[] q = new float[XI];
            for (int t = lo; t < hi; t++) {
                for (int xi = 0; xi < XI; xi++) q[xi] = z[t + xi * stride];
                // G^T Z: rows z0 + .5 (z1 + z2), .5 (z1 - z2), .5 (z1 + z2) + z3
                float a0 = q[0] + 0.5f * (q[4] + q[8]), a1 = q[1] + 0.5f * (q[5] + q[9]);
                float a2 = q[2] + 0.5f * (q[6] + q[10]), a3 = q[3] + 0.5f * (q[7] + q[11]);
                float b0 = 0.5f * (q[4] - q[8]), b1 = 0.5f * (q[5] - q[9]), b2 = 0.5f * (q[6] - q[10]), b3 = 0.5f * (q[7] - q[11]);
                float c0 = 0.5f * (q[4] + q[8]) + q[12], c1 = 0.5f * (q[5] + q[9]) + q[13];
                float c2 = 0.5f * (q[6] + q[10]) + q[14], c3 = 0.5f * (q[7] + q[11]) + q[15];
                int to = dwo + t * 9;
                // times G: each row (x0..x3) to x0 + .5 (x1 + x2), .5 (x1 - x2), .5 (x1 + x2) + x3
                dw[to] = a0 + 0.5f * (a1 + a2);
                dw[to + 1] = 0.5f * (a1 - a2);
                dw[to + 2] = 0.5f * (a1 + a2) + a3;
                dw[to + 3] = b0 + 0.5f * (b1 + b2);
                dw[to + 4] = 0.5f * (b1 - b2);
                dw[to + 5] = 0.5f * (b1 + b2) + b3;
                dw[to + 6] = c0 + 0.5f * (c1 + c2);
                dw[to + 7] = 0.5f * (c1 - c2);
                dw[to + 8] = 0.5f * (c1 + c2) + c3;
            }
        });
    }

    /** Tiles along one side of an image of {@code size} pixels. */
    private static int tiles(int size) {
        return (size + 1) / 2;
    }

    /** Images per group: enough tiles for long products, few enough that V and M stay a few megabytes. */
    private static int groupImages(int n, int tilesPerImage, int channelsIn, int channelsOut) {
        long perImage = (long) XI * tilesPerImage * (channelsIn + channelsOut);
        return (int) Math.max(1, Math.min(n, GROUP_FLOATS / Math.max(1, perImage)));
    }

    /**
     * out (n, ko, h, w) = conv(in (n, ci, h, w)) with transformed filters u ([xi][ci][ko]): for each group of
     * images the input transform into V ([xi][ci][tile]), the 16 products into M ([xi][tile][ko]), and the
     * output transform.
     */
    private static void run(int n, int ci, int ko, int h, int w, float[] in, int inOff, float[] u, float[] out, int outOff) {
        int th = tiles(h), tw = tiles(w), perImage = th * tw, group = groupImages(n, perImage, ci, ko);
        int sv = spread((long) ci * group * perImage), sm = spread((long) group * perImage * ko), su = spread((long) ci * ko);
        float[] v = Scratch.get(Scratch.Slot.WINOGRAD_INPUT, XI * sv);
        float[] m = Scratch.get(Scratch.Slot.WINOGRAD_PRODUCTS, XI * sm);
        for (int first = 0; first < n; first += group) {
            int images = Math.min(group, n - first), t = images * perImage, img0 = first;
            transformInputs(in, inOff, ci, h, w, img0, images, v, sv);
            // M[xi] as tiles x ko (few tiles: they make the product's rows, and the register tile's wide side
            // runs over the channels) or ko x tiles (then each output plane is written in order)
            boolean tileRows = t < ko;
            Parallel.forRange(XI, 1, (lo, hi) -> {
                for (int xi = lo; xi < hi; xi++) {
                    if (tileRows) {
                        var a = new GemmOperands.DenseA(true, v, xi * sv, t, 1f);
                        var b = new GemmOperands.DenseB(false, u, xi * su, ko);
                        BlockedGemm.run(a, b, GemmOutput.matrix(m, xi * sm, ko), 0, t, 0, ko, 0, ci, false);
                    } else {
                        var a = new GemmOperands.DenseA(true, u, xi * su, ko, 1f);
                        var b = new GemmOperands.DenseB(false, v, xi * sv, t);
                        BlockedGemm.run(a, b, GemmOutput.matrix(m, xi * sm, t), 0, ko, 0, t, 0, ci, false);
                    }
                }
            });
            int tileStride = tileRows ? ko : 1, channelStride = tileRows ? 1 : t;
            Parallel.forRange(images * ko, Math.max(1, 1024 / perImage), (lo, hi) -> {
                for (int task = lo; task < hi; task++) {
                    int img = task / ko, k = task % ko, plane = outOff + ((img0 + img) * ko + k) * h * w;
                    transformOutput(m, k * channelStride + img * perImage * tileStride, tileStride, sm, out, plane, h, w);
                }
            });
        }
    }

    /**
     * The 2x2 output blocks A^T M A of every tile of one channel plane: tile (i, j)'s value xi at
     * {@code m[mOff + xi * xiStride + (i * tw + j) * tileStride]}, the blocks clipped at the image's edge.
     */
    private static void transformOutput(float[] m, int mOff, int tileStride, int xiStride, float[] y, int plane, int h, int w) {
        for (int oh = 0, tile = 0; oh < h; oh += 2) {
            boolean below = oh + 1 < h;
            for (int ow = 0; ow < w; ow += 2, tile++) {
                int at = mOff + tile * tileStride;
                float m0 = m[at], m1 = m[at + xiStride], m2 = m[at + 2 * xiStride], m3 = m[at + 3 * xiStride];
                float m4 = m[at + 4 * xiStride], m5 = m[at + 5 * xiStride], m6 = m[at + 6 * xiStride], m7 = m[at + 7 * xiStride];
                float m8 = m[at + 8 * xiStride], m9 = m[at + 9 * xiStride], m10 = m[at + 10 * xiStride], m11 = m[at + 11 * xiStride];
                float m12 = m[at + 12 * xiStride], m13 = m[at + 13 * xiStride], m14 = m[at + 14 * xiStride], m15 = m[at + 15 * xiStride];
                // A^T M: rows 0 + 1 + 2 and 1 - 2 - 3; then the same of each row's columns
                float p0 = m0 + m4 + m8, p1 = m1 + m5 + m9, p2 = m2 + m6 + m10, p3 = m3 + m7 + m11;
                float q0 = m4 - m8 - m12, q1 = m5 - m9 - m13, q2 = m6 - m10 - m14, q3 = m7 - m11 - m15;
                int row = plane + oh * w + ow;
                boolean right = ow + 1 < w;
                y[row] = p0 + p1 + p2;
                if (right) y[row + 1] = p1 - p2 - p3;
                if (below) {
                    y[row + w] = q0 + q1 + q2;
                    if (right) y[row + w + 1] = q1 - q2 - q3;
                }
            }
        }
    }

    /**
     * The input transform of images img0 .. img0 + images - 1 of x (n, channels, h, w) into V: channel c's
     * tiles of the group's image j at {@code v[xi * xiStride + c * t + j * th * tw + tile]}, t the group's tiles.
     */
    private static void transformInputs(float[] x, int xo, int channels, int h, int w, int img0, int images, float[] v, int xiStride) {
        int th = tiles(h), tw = tiles(w), perImage = th * tw, t = images * perImage;
        Parallel.forRange(images * channels, Math.max(1, 2048 / perImage), (lo, hi) -> {
            float[] plane = Scratch.get(Scratch.Slot.PADDED_IMAGE, (2 * th + 2) * (2 * tw + 2));
            for (int task = lo; task < hi; task++) {
                int img = task / channels, c = task % channels;
                transformInput(x, xo + ((img0 + img) * channels + c) * h * w, h, w, th, tw, plane, v, c * t + img * perImage, xiStride);
            }
        });
    }

    /**
     * The 16 transformed values B^T d B of every tile of one channel plane, d the 4x4 window at (2i-1, 2j-1):
     * the plane is first copied with a zero border, so every window is inside the copy. Tile (i, j)'s value
     * xi goes to {@code v[vOff + xi * xiStride + i * tw + j]}.
     */
    private static void transformInput(float[] x, int src, int h, int w, int th, int tw, float[] plane, float[] v,
                                       int vOff, int xiStride) {
        int wp = 2 * tw + 2, hp = 2 * th + 2;
        java.util.Arrays.fill(plane, 0, wp, 0f);
        for (int r = 0; r < h; r++) {
            int row = (r + 1) * wp;
            plane[row] = 0f;
            System.arraycopy(x, src + r * w, plane, row + 1, w);
            java.util.Arrays.fill(plane, row + 1 + w, row + wp, 0f);
        }
        java.util.Arrays.fill(plane, (h + 1) * wp, hp * wp, 0f);
        for (int i = 0; i < th; i++) {
            int r0 = 2 * i * wp, r1 = r0 + wp, r2 = r1 + wp, r3 = r2 + wp;
            for (int j = 0; j < tw; j++) {
                int c = 2 * j, at = vOff + i * tw + j;
                // rows of B^T d
                float a0 = plane[r0 + c] - plane[r2 + c], a1 = plane[r0 + c + 1] - plane[r2 + c + 1];
                float a2 = plane[r0 + c + 2] - plane[r2 + c + 2], a3 = plane[r0 + c + 3] - plane[r2 + c + 3];
                float b0 = plane[r1 + c] + plane[r2 + c], b1 = plane[r1 + c + 1] + plane[r2 + c + 1];
                float b2 = plane[r1 + c + 2] + plane[r2 + c + 2], b3 = plane[r1 + c + 3] + plane[r2 + c + 3];
                float c0 = plane[r2 + c] - plane[r1 + c], c1 = plane[r2 + c + 1] - plane[r1 + c + 1];
                float c2 = plane[r2 + c + 2] - plane[r1 + c + 2], c3 = plane[r2 + c + 3] - plane[r1 + c + 3];
                float d0 = plane[r1 + c] - plane[r3 + c], d1 = plane[r1 + c + 1] - plane[r3 + c + 1];
                float d2 = plane[r1 + c + 2] - plane[r3 + c + 2], d3 = plane[r1 + c + 3] - plane[r3 + c + 3];
                // times B: the same combination of each row's columns
                timesB(a0, a1, a2, a3, v, at, xiStride);
                timesB(b0, b1, b2, b3, v, at + 4 * xiStride, xiStride);
                timesB(c0, c1, c2, c3, v, at + 8 * xiStride, xiStride);
                timesB(d0, d1, d2, d3, v, at + 12 * xiStride, xiStride);
            }
        }
    }

    /** One row (x0..x3) of B^T d times B, to v[at], v[at + step], v[at + 2 step], v[at + 3 step]. */
    private static void timesB(float x0, float x1, float x2, float x3, float[] v, int at, int step) {
        v[at] = x0 - x2;
        v[at + step] = x1 + x2;
        v[at + 2 * step] = x2 - x1;
        v[at + 3 * step] = x1 - x3;
    }

    /**
     * U[xi][c][k] = (G g G^T)[xi] for the filter g from input channel c to output channel k: g = w[k][c]
     * (w of shape (k, c, 3, 3)), or with {@code adjoint} the input gradient's filter from channel k to channel
     * c, w[k][c] rotated by 180 degrees (U then indexed [xi][k][c]).
     */
    static void transformFilters(float[] w, int wo, int k, int c, boolean adjoint, float[] u) {
        // U's rows are the product's depth: input channels c, or with adjoint the output channels k; each task
        // writes whole rows, so its 16 output streams run in order
        int rows = adjoint ? k : c, cols = adjoint ? c : k, stride = spread((long) rows * cols);
        Parallel.forRange(rows, Math.max(1, 4096 / cols), (lo, hi) -> {
            float[] g = new float[9];
            for (int row = lo; row < hi; row++) {
                for (int col = 0; col < cols; col++) {
                    int at = row * cols + col;
                    if (adjoint) {
                        int src = wo + at * 9 + 8;
                        for (int i = 0; i < 9; i++) g[i] = w[src - i];
                    } else {
                        System.arraycopy(w, wo + (col * c + row) * 9, g, 0, 9);
                    }
                    // G g: 4 rows of 3
                    float a0 = g[0], a1 = g[1], a2 = g[2];
                    float b0 = 0.5f * (g[0] + g[3] + g[6]), b1 = 0.5f * (g[1] + g[4] + g[7]), b2 = 0.5f * (g[2] + g[5] + g[8]);
                    float c0 = 0.5f * (g[0] - g[3] + g[6]), c1 = 0.5f * (g[1] - g[4] + g[7]), c2 = 0.5f * (g[2] - g[5] + g[8]);
                    float d0 = g[6], d1 = g[7], d2 = g[8];
                    // times G^T: the same combination of each row's three values
                    timesGt(a0, a1, a2, u, at, stride);
                    timesGt(b0, b1, b2, u, at + 4 * stride, stride);
                    timesGt(c0, c1, c2, u, at + 8 * stride, stride);
                    timesGt(d0, d1, d2, u, at + 12 * stride, stride);
                }
            }
        });
    }

    /** One row (x0, x1, x2) of G g times G^T, to u[at], u[at + step], u[at + 2 step], u[at + 3 step]. */
    private static void timesGt(float x0, float x1, float x2, float[] u, int at, int step) {
        u[at] = x0;
        u[at + step] = 0.5f * (x0 + x1 + x2);
        u[at + 2 * step] = 0.5f * (x0 - x1 + x2);
        u[at + 3 * step] = x2;
    }
}
