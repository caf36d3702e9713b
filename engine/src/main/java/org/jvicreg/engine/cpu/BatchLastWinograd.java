package org.jvicreg.engine.cpu;

import jdk.incubator.vector.FloatVector;
import org.jvicreg.engine.backend.ConvGeometry;

import static org.jvicreg.engine.cpu.SgemmKernel.MR;
import static org.jvicreg.engine.cpu.SgemmKernel.NR;
import static org.jvicreg.engine.cpu.SgemmKernel.S;
import static org.jvicreg.engine.cpu.SgemmKernel.VL;

/**
 * Winograd's minimal filtering F(4x4, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks",
 * 2016) for 3x3 stride-1 convolutions in the batch-last layout, x (C, H, W, N) to y (K, H, W, N). Each 4x4
 * block of outputs of one channel pair costs 36 multiplications instead of 144: with a 6x6 input window d and
 * a 3x3 filter g,
 * <pre>
 *   Y = A^T [ (G g G^T) . (B^T d B) ] A        (. elementwise; B^T 6x6, G 6x3, A^T 4x6 below)
 * </pre>
 * and the sum over input channels moves inside the brackets, so a layer is 36 products, one per element xi
 * of the 6x6 transformed tile. With the batch innermost every transform is a few vector operations over
 * {@link SgemmKernel#NR} images at once, and the whole algorithm runs per work item, one 4x4 output tile of
 * one block of NR images, inside the cache:
 * <ol>
 *   <li>the input transform of the item's 6x6 window, every input channel: V[xi] (C x NR);</li>
 *   <li>36 products M[xi] (K x NR) = U[xi] (K x C) V[xi] on the register tile, U the transformed filters
 *       stored as its A panels;</li>
 *   <li>the output transform of M into the tile's 4x4 pixels of every output channel.</li>
 * </ol>
 * V and M of one item take 144 (C + K) NR bytes, so nothing transformed goes to memory. Each output is
 * computed by one item alone, in a fixed order, so results do not depend on the number of threads. The input
 * gradient is the same with dY as input and the filters transposed and rotated by 180 degrees; the filter
 * gradient is the formula's adjoint in g ({@link #backwardFilter}). Which passes take it: {@link #chosen},
 * {@link #filterGradientChosen}.
 *
 * <p>Error against a float64 direct convolution, max abs error over max abs output, on recipe R's layers:
 * about 4e-6 to 1.6e-5 (BatchLastWinogradTest prints it per layer and pass), against about 3e-7 for the
 * direct kernels; F(2x2, 3x3) would keep 5e-7 but saves half as many multiplications and measured slower on
 * every recipe R layer.
 */
final class BatchLastWinograd {
    private BatchLastWinograd() {}

    /** Output tile side, input window side and elements of a transformed tile. */
    private static final int TILE = 4, WINDOW = TILE + 2, XI = WINDOW * WINDOW;

    /** Images an item loop takes at each tile before the next tile (see {@link #run}). */
    private static final int SWEEP_IMAGES = 128;

    private static boolean fits(ConvGeometry g) {
        return g.isBatchLast() && g.r() == 3 && g.s() == 3 && g.strideH() == 1 && g.strideW() == 1
                && g.padH() == 1 && g.padW() == 1 && g.dilH() == 1 && g.dilW() == 1 && g.groups() == 1
                && g.n() % NR == 0;
    }

    /** Whether {@link #forward} covers g: a 3x3 stride-1 padding-1 convolution, N a multiple of NR, K of MR. */
    static boolean forwardFits(ConvGeometry g) {
        return fits(g) && g.k() % MR == 0;
    }

    /** Whether {@link #backwardData} covers g: as the forward, with C a multiple of MR. */
    static boolean backwardDataFits(ConvGeometry g) {
        return fits(g) && g.c() % MR == 0;
    }

    /**
     * Whether a forward pass or input gradient that fits runs here rather than in {@link BatchLastConv}: with
     * both channel counts from 16 to 256 (by -Djvicreg.cpu.winograd: always wherever it fits, never at all).
     * Measured per layer, forward (bench/RESULTS.md, "CPU kernel choices"), it beats the direct kernels on every
     * 3x3 stride-1 layer of recipe R at batch 256, by 1.07x at 16 channels of 28 px up to 2.2x at 128 channels
     * of 4 px, and of a width-64 ResNet-18 at 32 px and batch 64 up to 256 channels (2.3x at 64 channels of 32
     * px, 1.7x at 256 of 8 px), but loses at 512 channels of 4 px (0.83x), where transforming 512 x 512 filters
     * (38 MB) per call costs more than the few tiles save; the 1-channel stem gains nothing from it.
     */
    static boolean chosen(ConvGeometry g) {
        return CpuConv.winogradByRule(Math.min(g.c(), g.k()) >= 16 && Math.max(g.c(), g.k()) <= 256);
    }

    static void forward(ConvGeometry g, float[] x, int xo, float[] w, int wo, float[] y, int yo) {
        transformAndRun(g, false, x, xo, w, wo, y, yo);
    }

    static void backwardData(ConvGeometry g, float[] dy, int dyo, float[] w, int wo, float[] dx, int dxo) {
        transformAndRun(g, true, dy, dyo, w, wo, dx, dxo);
    }

    /** The forward pass (in = x, out = y) or, with {@code adjoint}, the input gradient (in = dY, out = dX). */
    private static void transformAndRun(ConvGeometry g, boolean adjoint, float[] in, int inOff, float[] w, int wo, float[] out, int outOff) {
        int stride = Winograd3x3.spread((long) g.c() * g.k());
        float[] u = Scratch.get(Scratch.Slot.WINOGRAD_FILTERS, XI * stride);
        transformFilters(w, wo, g.k(), g.c(), adjoint, u, stride);
        int ci = adjoint ? g.k() : g.c(), ko = adjoint ? g.c() : g.k();
        run(g.n(), ci, ko, g.h(), g.w(), in, inOff, u, stride, out, outOff);
    }

    /**
     * Whether a filter gradient that fits runs here rather than in {@link BatchLastConv}: with both channel
     * counts from 16 to 32 (by -Djvicreg.cpu.winograd: always wherever it fits, never at all). Measured per
     * layer at batch 256 (bench/RESULTS.md, "CPU kernel choices"), it beats the direct kernel at 16 channels of
     * 28 px (1.48x) and 32 of 14 px (1.08-1.17x), and loses at 64 channels of 7 px (0.86x) and 128 of 4 px
     * (0.89x), where the direct kernel's products are long and its transforms and sums are not needed.
     */
    static boolean filterGradientChosen(ConvGeometry g) {
        return CpuConv.winogradByRule(Math.min(g.c(), g.k()) >= 16 && Math.max(g.c(), g.k()) <= 32);
    }

    /**
     * Whether {@link #backwardFilter} covers g: a 3x3 stride-1 padding-1 convolution, N a multiple of NR, K of 8
     * and C of 16, where the register tile is 8 x 16 ({@link SgemmKernel#runRowsNarrow}: 512-bit vectors).
     */
    static boolean backwardFilterFits(ConvGeometry g) {
        return fits(g) && MR == 8 && VL == SgemmKernel.NR_NARROW && g.k() % MR == 0 && g.c() % VL == 0;
    }

    /**
     * dw, the filter gradient, by the adjoint of the forward formula in g: dW[k][c] = G^T Z G with, for each
     * element xi of the 6x6 transformed tile, Z[xi] (K x C) = sum over 4x4 output tiles and images of
     * E[xi][k] V[xi][c], E = A dY A^T the transformed output gradient and V = B^T d B the transformed input
     * window. An item is one tile of up to 128 images: E[xi] (K x images) comes from dY with vectors over the
     * images, V[xi] (images x C, in blocks of NR or 16 channels) from a channels-last copy of x with vectors over
     * the channels, so each of the 36 products is a register-tile GEMM over the images with both operands read
     * in place ({@link SgemmKernel#runRowsA}, or {@link SgemmKernel#runRowsNarrow} for 16 channels). Items are split
     * among threads, each summing into its own Z, added in thread order at the end (as the direct kernels do).
     */
    static void backwardFilter(ConvGeometry g, float[] x, int xo, float[] dy, int dyo, float[] dw, int dwo) {
        int n = g.n(), c = g.c(), k = g.k(), h = g.h(), w = g.w();
        int images = imagesPerItem(n);
        int th = (h + TILE - 1) / TILE, tw = (w + TILE - 1) / TILE, tiles = th * tw, blocks = n / images, items = tiles * blocks;
        float[] xt = Scratch.get(Scratch.Slot.CHANNELS_LAST, h * w * n * c);
        BatchLastConv.copyChannelsLast(x, xo, c, c, h, w, n, xt);
        // V[xi] in column blocks of bw channels, each images x bw: two vectors per row for the NR-wide tile,
        // one for the narrow tile where C is 16 (an odd number of 16-channel blocks)
        int bw = c % NR == 0 ? NR : VL;
        int threads = Math.max(1, Math.min(Parallel.threads(), items)), size = XI * k * c;
        int vStep = step(images * c), eStep = step(k * images);
        // where the wide tile's A rows (E[xi], channel k) start, or the narrow tile's B rows (V, image p)
        int[] aRow = bw == NR ? new int[XI * k] : null, rowOff = bw == NR ? null : new int[images];
        if (bw == NR) {
            for (int i = 0; i < XI * k; i++) aRow[i] = i / k * eStep + i % k * images;
        } else {
            for (int p = 0; p < images; p++) rowOff[p] = p * bw;
        }
        float[] z = Scratch.get(Scratch.Slot.WINOGRAD_SUMS, threads * size);
        java.util.Arrays.fill(z, 0, threads * size, 0f);
        Parallel.forEachTask(threads, t -> {
            float[] v = Scratch.get(Scratch.Slot.WINOGRAD_INPUT, XI * vStep);
            float[] e = Scratch.get(Scratch.Slot.WINOGRAD_PRODUCTS, XI * eStep);
            float[] tmp = new float[XI * VL];
            int i0 = (int) ((long) items * t / threads), i1 = (int) ((long) items * (t + 1) / threads);
            for (int item = i0; item < i1; item++) {
                int tile = item % tiles, row = tile / tw * TILE, col = tile % tw * TILE, n0 = item / tiles * images;
                transformGradient(dy, dyo + n0, k, images, h, w, n, row, col, tmp, e, eStep);
                for (int c0 = 0; c0 < c; c0 += bw) {
                    transformInput(xt, n0 * c + c0, images, c, bw, bw / VL, n * c, h, w, row - 1, col - 1, tmp, v, c0 * images, vStep);
                }
                for (int xi = 0; xi < XI; xi++) {
                    for (int k0 = 0; k0 < k; k0 += MR) {
                        for (int c0 = 0; c0 < c; c0 += bw) {
                            int zAt = t * size + (xi * k + k0) * c + c0, vAt = xi * vStep + c0 * images;
                            if (bw == NR) SgemmKernel.runRowsA(false, images, e, aRow, xi * k + k0, 0, v, vAt, z, zAt, c);
                            else SgemmKernel.runRowsNarrow(images, e, xi * eStep + k0 * images, images, v, rowOff, 0, vAt, z, zAt, c);
                        }
                    }
                }
            }
        });
        Parallel.forRange(k * c, 256, (lo, hi) -> {
            double[] q = new double[XI], gz = new double[3 * WINDOW];
            for (int pair = lo; pair < hi; pair++) {
                for (int xi = 0; xi < XI; xi++) {
                    float sum = 0f;
                    for (int t = 0; t < threads; t++) sum += z[t * size + xi * k * c + pair];
                    q[xi] = sum;
                }
                // G^T Z G: G^T's rows applied to Z's columns, then to the rows of the result
                for (int j = 0; j < WINDOW; j++) timesGt(q, j, WINDOW, gz, j, WINDOW);
                for (int r = 0; r < 3; r++) timesGt(gz, r * WINDOW, 1, q, r * 3, 1);
                for (int i = 0; i < 9; i++) dw[dwo + pair * 9 + i] = (float) q[i];
            }
        });
    }

    /** Images of one filter-gradient item: n halved while above {@link #SWEEP_IMAGES} and still a multiple of VL. */
    private static int imagesPerItem(int n) {
        int images = n;
        while (images > SWEEP_IMAGES && images % 2 == 0 && images / 2 % VL == 0) images /= 2;
        return images;
    }

    /**
     * G^T (3 x 6) times the 6 values a[from + i * step]: to b[to], b[to + stride], b[to + 2 stride]. G^T's rows:
     * [1/4 -1/6 -1/6 1/24 1/24 0], [0 -1/6 1/6 1/12 -1/12 0], [0 -1/6 -1/6 1/6 1/6 1].
     */
    private static void timesGt(double[] a, int from, int step, double[] b, int to, int stride) {
        double q0 = a[from], q1 = a[from + step], q2 = a[from + 2 * step], q3 = a[from + 3 * step];
        double q4 = a[from + 4 * step], q5 = a[from + 5 * step];
        double s12 = (q1 + q2) / 6, s34 = q3 + q4;
        b[to] = q0 / 4 - s12 + s34 / 24;
        b[to + stride] = (q2 - q1) / 6 + (q3 - q4) / 12;
        b[to + 2 * stride] = s34 / 6 - s12 + q5;
    }

    /**
     * A dY A^T of the 4x4 output-gradient tile at (row, col) (zeros past the image's edge) of every output
     * channel, {@code images} images from dy[from] (batch-last planes of n images): value xi of channel k,
     * image p to {@code e[xi * step + k * images + p]}. A's rows, applied to the tile's columns (into t, row i
     * column j at t[(4 i + j) VL]) and then to the rows of the result:
     * [1 0 0 0], [1 1 1 1], [1 -1 1 -1], [1 2 4 8], [1 -2 4 -8], [0 0 0 1].
     */
    private static void transformGradient(float[] dy, int from, int channels, int images, int h, int w, int n, int row, int col,
                                          float[] t, float[] e, int step) {
        for (int k = 0; k < channels; k++) {
            int plane = from + k * h * w * n;
            for (int p = 0; p < images; p += VL) {
                for (int j = 0; j < 4; j++) {
                    int cc = col + j, at = plane + p + (row * w + cc) * n;
                    boolean inCol = cc < w;
                    boolean in1 = inCol && row + 1 < h, in2 = inCol && row + 2 < h, in3 = inCol && row + 3 < h;
                    FloatVector d0 = FloatVector.fromArray(S, inCol ? dy : ZEROS, inCol ? at : 0);
                    FloatVector d1 = FloatVector.fromArray(S, in1 ? dy : ZEROS, in1 ? at + w * n : 0);
                    FloatVector d2 = FloatVector.fromArray(S, in2 ? dy : ZEROS, in2 ? at + 2 * w * n : 0);
                    FloatVector d3 = FloatVector.fromArray(S, in3 ? dy : ZEROS, in3 ? at + 3 * w * n : 0);
                    FloatVector s02 = d0.add(d2), s13 = d1.add(d3), u = d0.add(d2.mul(4f)), v = d1.mul(2f).add(d3.mul(8f));
                    d0.intoArray(t, j * VL);
                    s02.add(s13).intoArray(t, (4 + j) * VL);
                    s02.sub(s13).intoArray(t, (8 + j) * VL);
                    u.add(v).intoArray(t, (12 + j) * VL);
                    u.sub(v).intoArray(t, (16 + j) * VL);
                    d3.intoArray(t, (20 + j) * VL);
                }
                for (int i = 0; i < 6; i++) {
                    int src = 4 * i * VL, to = 6 * i * step + k * images + p;
                    FloatVector d0 = FloatVector.fromArray(S, t, src), d1 = FloatVector.fromArray(S, t, src + VL);
                    FloatVector d2 = FloatVector.fromArray(S, t, src + 2 * VL), d3 = FloatVector.fromArray(S, t, src + 3 * VL);
                    FloatVector s02 = d0.add(d2), s13 = d1.add(d3), u = d0.add(d2.mul(4f)), v = d1.mul(2f).add(d3.mul(8f));
                    d0.intoArray(e, to);
                    s02.add(s13).intoArray(e, to + step);
                    s02.sub(s13).intoArray(e, to + 2 * step);
                    u.add(v).intoArray(e, to + 3 * step);
                    u.sub(v).intoArray(e, to + 4 * step);
                    d3.intoArray(e, to + 5 * step);
                }
            }
        }
    }

    /** G of F(4x4, 3x3), interpolation points 0, 1, -1, 2, -2 and infinity. */
    private static final double[][] G = {{1 / 4.0, 0, 0}, {-1 / 6.0, -1 / 6.0, -1 / 6.0}, {-1 / 6.0, 1 / 6.0, -1 / 6.0},
            {1 / 24.0, 1 / 12.0, 1 / 6.0}, {1 / 24.0, -1 / 12.0, 1 / 6.0}, {0, 0, 1}};

    /**
     * U[xi] = (G g G^T)[xi], in double and rounded once, for every filter g: from input channel c to output
     * channel k, g = w[k][c] (w of shape (k, c, 3, 3)); with {@code adjoint} the input gradient's, from channel k
     * to channel c, w[k][c] rotated by 180 degrees. Each U[xi] (from xi * stride) is stored as the register
     * tile's A panels: the product's output channels in groups of MR, each group's MR values per depth row
     * (input channel) together.
     */
    private static void transformFilters(float[] w, int wo, int k, int c, boolean adjoint, float[] u, int stride) {
        int rows = adjoint ? k : c, cols = adjoint ? c : k;
        Parallel.forRange(rows, Math.max(1, 4096 / cols), (lo, hi) -> {
            double[] g = new double[9], gg = new double[3 * WINDOW];
            for (int row = lo; row < hi; row++) {
                for (int col = 0; col < cols; col++) {
                    for (int i = 0; i < 9; i++) {
                        g[i] = adjoint ? w[wo + (row * cols + col) * 9 + 8 - i] : w[wo + (col * c + row) * 9 + i];
                    }
                    for (int i = 0; i < WINDOW; i++) { // G g: WINDOW rows of 3
                        for (int j = 0; j < 3; j++) gg[i * 3 + j] = G[i][0] * g[j] + G[i][1] * g[3 + j] + G[i][2] * g[6 + j];
                    }
                    int to = ((col / MR) * rows + row) * MR + col % MR;
                    for (int i = 0; i < WINDOW; i++) { // times G^T
                        for (int j = 0; j < WINDOW; j++) {
                            u[(i * WINDOW + j) * stride + to] = (float) (gg[i * 3] * G[j][0] + gg[i * 3 + 1] * G[j][1] + gg[i * 3 + 2] * G[j][2]);
                        }
                    }
                }
            }
        });
    }

    /**
     * out (ko, h, w, n) = conv(in (ci, h, w, n)) with the transformed filters u (U[xi] from xi * su, in A
     * panels of ci rows). Items run in sweeps of up to {@link #SWEEP_IMAGES} images: within a sweep tile by
     * tile, row by row, and at each tile block by block, so consecutive items read runs of 512 bytes of each
     * window row rather than 128 (as {@link BatchLastConv}'s loops do, for the same reason), and neighbouring
     * tiles share window rows.
     */
    private static void run(int n, int ci, int ko, int h, int w, float[] in, int inOff, float[] u, int su, float[] out, int outOff) {
        int th = (h + TILE - 1) / TILE, tw = (w + TILE - 1) / TILE, tiles = th * tw, blocks = n / NR, items = tiles * blocks;
        int sweep = Math.max(1, Math.min(blocks, SWEEP_IMAGES / NR));
        while (blocks % sweep != 0) sweep--;
        int perSweep = sweep * tiles, blocksPerSweep = sweep; // sweep's final value, for the lambda
        int vStep = step(ci * NR), mStep = step(ko * NR);
        Parallel.forRange(items, 1, (lo, hi) -> {
            float[] v = Scratch.get(Scratch.Slot.WINOGRAD_INPUT, XI * vStep);
            float[] m = Scratch.get(Scratch.Slot.WINOGRAD_PRODUCTS, XI * mStep);
            float[] t = new float[XI * VL];
            for (int item = lo; item < hi; item++) {
                int tile = item % perSweep / blocksPerSweep, row = tile / tw * TILE, col = tile % tw * TILE;
                int n0 = (item / perSweep * blocksPerSweep + item % blocksPerSweep) * NR;
                transformInput(in, inOff + n0, ci, h * w * n, NR, NR / VL, n, h, w, row - 1, col - 1, t, v, 0, vStep);
                for (int xi = 0; xi < XI; xi++) {
                    for (int k = 0; k < ko; k += MR) {
                        for (int d0 = 0; d0 < ci; d0 += BlockedGemm.KC) {
                            int kc = Math.min(BlockedGemm.KC, ci - d0);
                            SgemmKernel.run(d0 == 0, kc, u, xi * su + (k * ci + d0 * MR), v, xi * vStep + d0 * NR,
                                    m, xi * mStep + k * NR, NR);
                        }
                    }
                }
                transformOutput(m, ko, mStep, t, out, outOff + n0, h, w, n, row, col);
            }
        });
    }

    /**
     * Floats from one of an item's 36 transformed matrices (of {@code floats} each) to the next: one vector more
     * than they hold, so the 36 streams a transform reads or writes are not a multiple of 4 KB apart, where they
     * would share L1 sets and evict one another.
     */
    private static int step(int floats) {
        return floats + VL;
    }

    /** A vector of zeros to load from where a window reaches past the image. */
    private static final float[] ZEROS = new float[VL];

    /*
     * Each transform is one method whose loops keep every vector within one iteration: C2 boxes a vector
     * passed to a method it did not inline, or merged from two branches, and a transform written as calls of
     * small vector helpers ran out of its inlining budget (NodeCountInliningCutoff) and ran several times
     * slower. Loads past the image's edge read a vector of zeros instead, chosen as an array, not a vector.
     */

    /**
     * B^T d B of 6x6 windows d at (row, col), VL lanes at a time: the lanes of group (o, i) start at
     * {@code x[in + o * srcOuter + i * VL]} at the image's pixel (0, 0), pixels {@code ps} floats apart, and value
     * xi of the group goes to {@code v[vOff + xi * step + o * dstOuter + i * VL]}, for o below {@code outer} and i below
     * {@code inner}. The forward pass's groups are (channel, half of NR images) of batch-last planes, the
     * filter gradient's (image, block of VL channels) of a channels-last copy. B^T's rows, applied to the
     * window's columns (into t, row i column j at t[(6 i + j) VL]) and then to the rows of the result:
     * [4 0 -5 0 1 0], [0 -4 -4 1 1 0], [0 4 -4 -1 1 0], [0 -2 -1 2 1 0], [0 2 -1 -2 1 0], [0 4 0 -5 0 1].
     */
    private static void transformInput(float[] x, int in, int outer, int srcOuter, int dstOuter, int inner, int ps, int h, int w,
                                       int row, int col, float[] t, float[] v, int vOff, int step) {
        for (int o = 0; o < outer; o++) {
            for (int i0 = 0; i0 < inner * VL; i0 += VL) {
                int src = in + o * srcOuter + i0, dst = vOff + o * dstOuter + i0;
                for (int j = 0; j < 6; j++) {
                    int cc = col + j, at = src + (row * w + cc) * ps;
                    boolean inCol = cc >= 0 && cc < w;
                    boolean in0 = inCol && row >= 0 && row < h, in1 = inCol && row + 1 >= 0 && row + 1 < h;
                    boolean in2 = inCol && row + 2 >= 0 && row + 2 < h, in3 = inCol && row + 3 >= 0 && row + 3 < h;
                    boolean in4 = inCol && row + 4 >= 0 && row + 4 < h, in5 = inCol && row + 5 >= 0 && row + 5 < h;
                    FloatVector d0 = FloatVector.fromArray(S, in0 ? x : ZEROS, in0 ? at : 0);
                    FloatVector d1 = FloatVector.fromArray(S, in1 ? x : ZEROS, in1 ? at + w * ps : 0);
                    FloatVector d2 = FloatVector.fromArray(S, in2 ? x : ZEROS, in2 ? at + 2 * w * ps : 0);
                    FloatVector d3 = FloatVector.fromArray(S, in3 ? x : ZEROS, in3 ? at + 3 * w * ps : 0);
                    FloatVector d4 = FloatVector.fromArray(S, in4 ? x : ZEROS, in4 ? at + 4 * w * ps : 0);
                    FloatVector d5 = FloatVector.fromArray(S, in5 ? x : ZEROS, in5 ? at + 5 * w * ps : 0);
                    FloatVector a = d4.sub(d2.mul(4f)), b = d3.sub(d1.mul(4f)), e = d4.sub(d2), f = d3.sub(d1).mul(2f);
                    d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(t, j * VL);
                    a.add(b).intoArray(t, (6 + j) * VL);
                    a.sub(b).intoArray(t, (12 + j) * VL);
                    e.add(f).intoArray(t, (18 + j) * VL);
                    e.sub(f).intoArray(t, (24 + j) * VL);
                    d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(t, (30 + j) * VL);
                }
                for (int i = 0; i < 6; i++) {
                    int from = 6 * i * VL, to = 6 * i * step + dst;
                    FloatVector d0 = FloatVector.fromArray(S, t, from), d1 = FloatVector.fromArray(S, t, from + VL);
                    FloatVector d2 = FloatVector.fromArray(S, t, from + 2 * VL), d3 = FloatVector.fromArray(S, t, from + 3 * VL);
                    FloatVector d4 = FloatVector.fromArray(S, t, from + 4 * VL), d5 = FloatVector.fromArray(S, t, from + 5 * VL);
                    FloatVector a = d4.sub(d2.mul(4f)), b = d3.sub(d1.mul(4f)), e = d4.sub(d2), f = d3.sub(d1).mul(2f);
                    d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(v, to);
                    a.add(b).intoArray(v, to + step);
                    a.sub(b).intoArray(v, to + 2 * step);
                    e.add(f).intoArray(v, to + 3 * step);
                    e.sub(f).intoArray(v, to + 4 * step);
                    d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(v, to + 5 * step);
                }
            }
        }
    }

    /**
     * A^T M A of every output channel k, NR images (M's value xi at {@code m[xi * step + k * NR]}),
     * to the 4x4 pixels at (row, col) of plane y[out + k h w n], those inside the image. A^T's rows, applied to
     * M's columns (into t, row i column j at t[(6 i + j) VL]) and then to the rows of the result:
     * [1 1 1 1 1 0], [0 1 -1 2 -2 0], [0 1 1 4 4 0], [0 1 -1 8 -8 1].
     */
    private static void transformOutput(float[] m, int channels, int step, float[] t, float[] y, int out, int h, int w, int n,
                                         int row, int col) {
        int rows = Math.min(4, h - row), cols = Math.min(4, w - col);
        for (int k = 0; k < channels; k++) {
            int at = out + k * h * w * n + (row * w + col) * n;
            for (int half = 0; half < NR; half += VL) {
                for (int j = 0; j < 6; j++) {
                    int from = j * step + k * NR + half;
                    FloatVector m0 = FloatVector.fromArray(S, m, from), m1 = FloatVector.fromArray(S, m, from + 6 * step);
                    FloatVector m2 = FloatVector.fromArray(S, m, from + 12 * step), m3 = FloatVector.fromArray(S, m, from + 18 * step);
                    FloatVector m4 = FloatVector.fromArray(S, m, from + 24 * step), m5 = FloatVector.fromArray(S, m, from + 30 * step);
                    FloatVector s12 = m1.add(m2), d12 = m1.sub(m2), s34 = m3.add(m4), d34 = m3.sub(m4);
                    m0.add(s12).add(s34).intoArray(t, j * VL);
                    d12.add(d34.mul(2f)).intoArray(t, (6 + j) * VL);
                    s12.add(s34.mul(4f)).intoArray(t, (12 + j) * VL);
                    d12.add(d34.mul(8f)).add(m5).intoArray(t, (18 + j) * VL);
                }
                for (int i = 0; i < rows; i++) {
                    int from = 6 * i * VL, to = at + i * w * n + half;
                    FloatVector m0 = FloatVector.fromArray(S, t, from), m1 = FloatVector.fromArray(S, t, from + VL);
                    FloatVector m2 = FloatVector.fromArray(S, t, from + 2 * VL), m3 = FloatVector.fromArray(S, t, from + 3 * VL);
                    FloatVector m4 = FloatVector.fromArray(S, t, from + 4 * VL), m5 = FloatVector.fromArray(S, t, from + 5 * VL);
                    FloatVector s12 = m1.add(m2), d12 = m1.sub(m2), s34 = m3.add(m4), d34 = m3.sub(m4);
                    m0.add(s12).add(s34).intoArray(y, to);
                    if (cols > 1) d12.add(d34.mul(2f)).intoArray(y, to + n);
                    if (cols > 2) s12.add(s34.mul(4f)).intoArray(y, to + 2 * n);
                    if (cols > 3) d12.add(d34.mul(8f)).add(m5).intoArray(y, to + 3 * n);
                }
            }
        }
    }
}
