package org.jvicreg.engine.cpu;

import org.jvicreg.engine.backend.ConvGeometry;

import static org.jvicreg.engine.cpu.SgemmKernel.MR;
import static org.jvicreg.engine.cpu.SgemmKernel.NR;
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

    /** Output tile side and elements of a transformed tile. */
    private static final int TILE = WinogradF4.TILE, XI = WinogradF4.XI;

    /** Images an item loop takes at each tile before the next tile (see {@link #run}). */
    private static final int SWEEP_IMAGES = 128;

    /**
     * Pixels per image from which the forward and input-gradient loops take the whole batch at each tile
     * ({@link #run}): alternated JVMs, batch 256, forward, whole batch against 128 images (CPU-D, 2026-12-08):
     * 16 channels at 28 px 0.87x the time, 32 at 14 px 0.94x, 64 at 7 px 1.08x (bench/RESULTS.md, "CPU kernel
     * choices").
     */
    private static final int WHOLE_BATCH_PIXELS = 14 * 14;

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
     * counts at least 16 (by -Djvicreg.cpu.winograd: always wherever it fits, never at all). Measured per layer
     * (bench/RESULTS.md, "CPU kernel choices"), it beats the direct kernel on every such layer of recipe R at
     * batch 256, from 16 channels of 28 px to 128 of 4 px, and of a width-64 ResNet-18 at 32 px and batch 64,
     * from 64 channels of 32 px to 512 of 4 px.
     */
    static boolean filterGradientChosen(ConvGeometry g) {
        return CpuConv.winogradByRule(Math.min(g.c(), g.k()) >= 16);
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
        Parallel.forEachTask(threads, t -> {
            float[] v = Scratch.get(Scratch.Slot.WINOGRAD_INPUT, XI * vStep);
            float[] e = Scratch.get(Scratch.Slot.WINOGRAD_PRODUCTS, XI * eStep);
            float[] tmp = new float[XI * VL];
            int i0 = (int) ((long) items * t / threads), i1 = (int) ((long) items * (t + 1) / threads);
            // the wide tile's first item overwrites the thread's Z; the narrow tile only adds
            if (bw != NR) java.util.Arrays.fill(z, t * size, (t + 1) * size, 0f);
            for (int item = i0; item < i1; item++) {
                int tile = item % tiles, row = tile / tw * TILE, col = tile % tw * TILE, n0 = item / tiles * images;
                WinogradF4.transformGradient(dy, dyo + n0, k, h * w * n, images, images / VL, n, h, w, row, col, tmp, e, 0, eStep);
                for (int c0 = 0; c0 < c; c0 += bw) {
                    WinogradF4.transformInput(xt, n0 * c + c0, images, c, bw, bw / VL, n * c, h, w, row - 1, col - 1, tmp, v, c0 * images, vStep);
                }
                for (int xi = 0; xi < XI; xi++) {
                    for (int k0 = 0; k0 < k; k0 += MR) {
                        for (int c0 = 0; c0 < c; c0 += bw) {
                            int zAt = t * size + (xi * k + k0) * c + c0, vAt = xi * vStep + c0 * images;
                            if (bw == NR) SgemmKernel.runRowsA(item == i0, images, e, aRow, xi * k + k0, 0, v, vAt, z, zAt, c);
                            else SgemmKernel.runRowsNarrow(images, e, xi * eStep + k0 * images, images, v, rowOff, 0, vAt, z, zAt, c);
                        }
                    }
                }
            }
        });
        Parallel.forRange(k * c / VL, Math.max(1, 256 / VL), (lo, hi) -> {
            double[] q = new double[XI * VL], gz = new double[18 * VL];
            for (int block = lo; block < hi; block++) {
                WinogradF4.untransformFilters(z, threads, size, k * c, block * VL, q, gz, dw, dwo);
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
     * U[xi] = (G g G^T)[xi], in double and rounded once, for every filter g: from input channel c to output
     * channel k, g = w[k][c] (w of shape (k, c, 3, 3)); with {@code adjoint} the input gradient's, from channel k
     * to channel c, w[k][c] rotated by 180 degrees. Each U[xi] (from xi * stride) is stored as the register
     * tile's A panels: the product's output channels in groups of MR, each group's MR values per depth row
     * (input channel) together.
     */
    private static void transformFilters(float[] w, int wo, int k, int c, boolean adjoint, float[] u, int stride) {
        int rows = adjoint ? k : c, cols = adjoint ? c : k;
        Parallel.forRange(rows, Math.max(1, 4096 / cols), (lo, hi) -> {
            double[] g = new double[9], gg = new double[18], t = new double[XI];
            for (int row = lo; row < hi; row++) {
                for (int col = 0; col < cols; col++) {
                    for (int i = 0; i < 9; i++) {
                        g[i] = adjoint ? w[wo + (row * cols + col) * 9 + 8 - i] : w[wo + (col * c + row) * 9 + i];
                    }
                    WinogradF4.transformFilter(g, gg, t);
                    int to = ((col / MR) * rows + row) * MR + col % MR;
                    for (int xi = 0; xi < XI; xi++) u[xi * stride + to] = (float) t[xi];
                }
            }
        });
    }

    /**
     * out (ko, h, w, n) = conv(in (ci, h, w, n)) with the transformed filters u (U[xi] from xi * su, in A
     * panels of ci rows). Items run in sweeps of up to {@link #SWEEP_IMAGES} images, or of the whole batch on
     * images of at least {@link #WHOLE_BATCH_PIXELS} pixels: within a sweep tile by tile, row by row, and at
     * each tile block by block, so consecutive items read runs of 512 bytes (the whole batch: each pixel's
     * every image) of each window row rather than 128 (as {@link BatchLastConv}'s loops do, for the same
     * reason), and neighbouring tiles share window rows.
     */
    private static void run(int n, int ci, int ko, int h, int w, float[] in, int inOff, float[] u, int su, float[] out, int outOff) {
        int th = (h + TILE - 1) / TILE, tw = (w + TILE - 1) / TILE, tiles = th * tw, blocks = n / NR, items = tiles * blocks;
        int sweep = h * w >= WHOLE_BATCH_PIXELS ? blocks : Math.max(1, Math.min(blocks, SWEEP_IMAGES / NR));
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
                WinogradF4.transformInput(in, inOff + n0, ci, h * w * n, NR, NR / VL, n, h, w, row - 1, col - 1, t, v, 0, vStep);
                for (int xi = 0; xi < XI; xi++) {
                    for (int k = 0; k < ko; k += MR) {
                        for (int d0 = 0; d0 < ci; d0 += BlockedGemm.KC) {
                            int kc = Math.min(BlockedGemm.KC, ci - d0);
                            SgemmKernel.run(d0 == 0, kc, u, xi * su + (k * ci + d0 * MR), v, xi * vStep + d0 * NR,
                                    m, xi * mStep + k * NR, NR);
                        }
                    }
                }
                WinogradF4.transformOutput(m, 0, ko, NR, h * w * n, NR / VL, mStep, t, out, outOff + n0, n, h, w, row, col);
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
}
