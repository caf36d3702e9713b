package org.jvicreg.engine.cpu;

import jdk.incubator.vector.FloatVector;
import org.jvicreg.engine.backend.ConvGeometry;

import java.util.Arrays;

import static org.jvicreg.engine.cpu.SgemmKernel.MR;
import static org.jvicreg.engine.cpu.SgemmKernel.NR;
import static org.jvicreg.engine.cpu.SgemmKernel.S;
import static org.jvicreg.engine.cpu.SgemmKernel.VL;

/**
 * Direct convolution in the batch-last layout: images x (C, H, W, N), filters w (K, C, R, S) as PyTorch
 * stores them, output y (K, P, Q, N). With the batch innermost, the N values of one pixel of one channel are
 * contiguous, so every operand is read in place and nothing is packed but the filters:
 * <ul>
 *   <li>forward: for each output pixel and block of {@link SgemmKernel#NR} images, the register tile
 *       y[k0:k0+MR, pixel, n0:n0+NR] is a product of the packed filters with the NR-wide rows
 *       x[c, ih, iw, n0:] of the pixel's window, read in place ({@link SgemmKernel#runRows}). Taps that fall
 *       in the padding are skipped rather than multiplied by zero (a 3x3 layer at 4 x 4 pixels does 69% of
 *       the flops an im2col product does).</li>
 *   <li>input gradient, stride 1: the forward pass of dY with the filters transposed and rotated; strided:
 *       each input pixel gathers the (r, s) taps whose output pixel exists, again read in place.</li>
 *   <li>filter gradient: dw[k, c, r, s] = sum over pixels and images of dy[k, p, q, :] . x[c, ih, iw, :].
 *       For 3x3 (and wider) filters, one GEMM over the batch whose B rows are NR channels of one image at
 *       one pixel, read in place from a channels-last copy of x, and only dY packed; rows whose tap reads the
 *       padding are skipped
 *       ({@link #channelsLastGradient}); for 1x1 filters and few input channels, 4 x 4 tiles of (k, c) dot
 *       products along the contiguous batch ({@link #gradientBlock}).</li>
 * </ul>
 * On recipe R's layers (16-128 channels, 28 px down to 4 px) these run faster than the NCHW kernels, which
 * must pack im2col for so few channels; bench/RESULTS.md, "CPU kernel choices", has the per-layer times.
 * Shapes it does not cover ({@link #forwardFits} and friends) are the caller's to route elsewhere.
 */
final class BatchLastConv {
    private BatchLastConv() {}


    /** Packed filters per pass of the forward loop: the filter rows swept for each pixel stay in L2 (256 KB). */
    private static final int FILTER_CHUNK_FLOATS = 1 << 16;
    /** Floats of dy and x one filter-gradient block may touch (512 KB, within Zen 4's 1 MB L2). */
    private static final int GRADIENT_BLOCK_FLOATS = 1 << 17;
    /** Output channels and input channels of the filter-gradient register tile. */
    private static final int TK = 4, TC = 4;
    /**
     * Images the forward and input-gradient loops take at each pixel before moving on ({@link WorkOrder}): with
     * four blocks of NR images each window row read is a run of 512 bytes rather than 128; 64 and 256 images
     * measured slower on recipe R's layers (bench/RESULTS.md, "CPU kernel choices").
     */
    private static final int SWEEP_IMAGES = 128;
    /**
     * Widest strip of output columns those loops take row by row before the next strip ({@link WorkOrder}):
     * the window rows of the pixel row above are then fewer bytes back (7 measured best against whole rows
     * and strips of 14: bench/RESULTS.md, "CPU kernel choices").
     */
    private static final int STRIP_COLUMNS = 7;

    private static boolean plain(ConvGeometry g) {
        return g.groups() == 1 && g.dilH() == 1 && g.dilW() == 1;
    }

    /** Whether {@link #forward} covers g: no groups or dilation, the batch a multiple of NR, K of MR. */
    static boolean forwardFits(ConvGeometry g) {
        return plain(g) && g.n() % NR == 0 && g.k() % MR == 0;
    }

    /** Whether {@link #backwardData} covers g: as the forward, with the input channels a multiple of MR. */
    static boolean backwardDataFits(ConvGeometry g) {
        return plain(g) && g.n() % NR == 0 && g.c() % MR == 0;
    }

    /** Whether {@link #backwardFilter} covers g: no groups or dilation, the batch a multiple of the vector, K of 4. */
    static boolean backwardFilterFits(ConvGeometry g) {
        return plain(g) && g.n() % VL == 0 && g.k() % TK == 0;
    }

    static void forward(ConvGeometry g, float[] x, int xo, float[] w, int wo, float[] y, int yo) {
        int c = g.c(), r = g.r(), s = g.s(), h = g.h(), wd = g.w(), n = g.n();
        float[] a = packFilters(w, wo, g.k(), c, r, s, false, false);
        int[] rowOff = windowOffsets(xo, c, h, wd, r, s, n);
        window(g, a, x, rowOff, y, yo);
    }

    static void backwardData(ConvGeometry g, float[] dy, int dyo, float[] w, int wo, float[] dx, int dxo) {
        int k = g.k(), r = g.r(), s = g.s(), p = g.p(), q = g.q(), n = g.n();
        int ph = r - 1 - g.padH(), pw = s - 1 - g.padW();
        if (g.strideH() == 1 && g.strideW() == 1 && ph >= 0 && pw >= 0) {
            // the forward pass of dy with the filters transposed and rotated
            float[] a = packFilters(w, wo, k, g.c(), r, s, true, true);
            int[] rowOff = windowOffsets(dyo, k, p, q, r, s, n);
            ConvGeometry rotated = new ConvGeometry(n, k, p, q, g.c(), r, s, 1, 1, ph, pw, 1, 1, 1, ConvGeometry.Layout.BATCH_LAST);
            window(rotated, a, dy, rowOff, dx, dxo);
        } else {
            gatherTaps(g, dy, dyo, w, wo, dx, dxo);
        }
    }

    /**
     * Filter panels for the register tile: rows of MR filters (output channels, or with {@code transpose}
     * input channels), then for each tap (r, s, channel) their MR values. With {@code transpose} the panel
     * of input channel c at tap (r, s, k) holds w[k, c, r, s] (the strided input gradient's filters), with
     * {@code rotate} too w[k, c, R-1-r, S-1-s] (the stride-1 input gradient's, a forward pass over dY).
     */
    private static float[] packFilters(float[] w, int wo, int k, int c, int r, int s, boolean transpose, boolean rotate) {
        int rows = transpose ? c : k, depth = transpose ? k : c, taps = r * s * depth;
        float[] a = new float[rows * taps];
        for (int row = 0; row < rows; row++) {
            int panel = (row / MR) * taps * MR, lane = row % MR;
            for (int rr = 0; rr < r; rr++) {
                for (int ss = 0; ss < s; ss++) {
                    int fr = rotate ? r - 1 - rr : rr, fs = rotate ? s - 1 - ss : ss;
                    for (int ch = 0; ch < depth; ch++) {
                        int src = transpose ? wo + ((ch * c + row) * r + fr) * s + fs : wo + ((row * c + ch) * r + fr) * s + fs;
                        a[panel + ((rr * s + ss) * depth + ch) * MR + lane] = w[src];
                    }
                }
            }
        }
        return a;
    }

    /** Offsets of tap (r, s, c) of a window whose top-left corner is pixel (0, 0) of (C, H, W, N) images at base. */
    private static int[] windowOffsets(int base, int c, int h, int w, int r, int s, int n) {
        int[] off = new int[r * s * c];
        for (int rr = 0; rr < r; rr++) {
            for (int ss = 0; ss < s; ss++) {
                for (int ch = 0; ch < c; ch++) off[(rr * s + ss) * c + ch] = base + ((ch * h + rr) * w + ss) * n;
            }
        }
        return off;
    }

    /**
     * The order in which the forward and input-gradient loops visit their work items (output pixel, block of
     * NR images). Items run pixel by pixel within sweeps of {@code sweep} image blocks, the largest divisor of
     * the block count up to {@link #SWEEP_IMAGES} images: runs of 512 bytes of each window row are read and
     * written in a row, while the window rows of the pixel row above are still in L2. Pixels come in strips of
     * at most {@link #STRIP_COLUMNS} columns (as many strips as that takes, of near-equal width), each strip
     * row by row; {@code pixels} holds their row-major indices in that order.
     */
    private record WorkOrder(int sweep, int[] pixels) {
        static WorkOrder of(int outH, int outW, int n) {
            int blocks = n / NR, sweep = Math.max(1, Math.min(blocks, SWEEP_IMAGES / NR));
            while (blocks % sweep != 0) sweep--;
            int strips = (outW + STRIP_COLUMNS - 1) / STRIP_COLUMNS, i = 0;
            int[] pixels = new int[outH * outW];
            for (int st = 0; st < strips; st++) {
                int q0 = st * outW / strips, q1 = (st + 1) * outW / strips;
                for (int row = 0; row < outH; row++) for (int col = q0; col < q1; col++) pixels[i++] = row * outW + col;
            }
            return new WorkOrder(sweep, pixels);
        }

        /** The output pixel (row-major index) of work item {@code item}. */
        int pixel(int item) {
            return pixels[item % (sweep * pixels.length) / sweep];
        }

        /** The first image of work item {@code item}. */
        int firstImage(int item) {
            return (item / (sweep * pixels.length) * sweep + item % sweep) * NR;
        }
    }

    /**
     * y (k, p, q, n) = the k packed filters a slid over x (c channels, h, w, n) as the batch-last convolution g
     * slides them (its stride and padding). Work is split over (image block, output pixel), in
     * {@link WorkOrder}; each range sweeps the filters in chunks that stay in cache, and for each pixel runs one
     * kernel call per filter row r over the taps of that row that lie inside the image (consecutive in the
     * (r, s, c) order).
     */
    private static void window(ConvGeometry g, float[] a, float[] x, int[] rowOff, float[] y, int yo) {
        int m = g.k(), depth = g.c(), r = g.r(), s = g.s(), sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        int h = g.h(), w = g.w(), n = g.n(), outH = g.p(), outW = g.q();
        int taps = r * s * depth, pixels = outH * outW, ldc = pixels * n;
        int chunk = Math.max(MR, Math.min(m, FILTER_CHUNK_FLOATS / taps / MR * MR));
        WorkOrder order = WorkOrder.of(outH, outW, n);
        Parallel.forRange((n / NR) * pixels, 1, (lo, hi) -> {
            for (int k0 = 0; k0 < m; k0 += chunk) {
                int k1 = Math.min(m, k0 + chunk);
                for (int item = lo; item < hi; item++) {
                    int pix = order.pixel(item), n0 = order.firstImage(item);
                    int ih0 = (pix / outW) * sh - ph, iw0 = (pix % outW) * sw - pw;
                    int r0 = Math.max(0, -ih0), r1 = Math.min(r, h - ih0), s0 = Math.max(0, -iw0), s1 = Math.min(s, w - iw0);
                    int col = (ih0 * w + iw0) * n + n0, out = yo + pix * n + n0;
                    for (int k = k0; k < k1; k += MR) {
                        int cOff = out + k * ldc;
                        if (r0 >= r1 || s0 >= s1) {
                            zeroTile(y, cOff, ldc);
                            continue;
                        }
                        if (s0 == 0 && s1 == s) { // whole filter rows: the taps of rows r0..r1 are consecutive
                            int t = r0 * s * depth;
                            SgemmKernel.runRows(true, (r1 - r0) * s * depth, a, k * taps + t * MR, x, rowOff, t, col, y, cOff, ldc);
                            continue;
                        }
                        for (int rr = r0; rr < r1; rr++) {
                            int t = (rr * s + s0) * depth;
                            SgemmKernel.runRows(rr == r0, (s1 - s0) * depth, a, k * taps + t * MR, x, rowOff, t, col, y, cOff, ldc);
                        }
                    }
                }
            }
        });
    }

    /**
     * Strided input gradient: dx[c, ih, iw, :] = sum over taps (r, s) with (ih + padH - r) and (iw + padW - s)
     * divisible by the stride, landing on output pixel (p, q), of w[:, c, r, s]^T dy[:, p, q, :]. Pixels no
     * tap reaches (the odd rows of a 1x1 stride-2 downsample) get zeros. Where a pixel's stride phase has
     * several taps and all of them land inside dY, they run as one product ({@link TapPhase}); at the edges,
     * one product per tap that lands, in the same order (the same sums).
     */
    private static void gatherTaps(ConvGeometry g, float[] dy, int dyo, float[] w, int wo, float[] dx, int dxo) {
        int k = g.k(), c = g.c(), r = g.r(), s = g.s(), h = g.h(), wd = g.w(), p = g.p(), q = g.q(), n = g.n();
        int sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        int taps = r * s * k, pixels = h * wd, ldc = pixels * n;
        float[] a = packFilters(w, wo, k, c, r, s, true, false);
        int[] rowOff = new int[taps];
        for (int t = 0; t < taps; t++) rowOff[t] = dyo + (t % k) * p * q * n;
        TapPhase[] phases = new TapPhase[sh * sw];
        for (int ph0 = 0; ph0 < sh; ph0++) {
            for (int pw0 = 0; pw0 < sw; pw0++) phases[ph0 * sw + pw0] = TapPhase.of(g, a, dyo, ph0, pw0);
        }
        WorkOrder order = WorkOrder.of(h, wd, n);
        Parallel.forRange((n / NR) * pixels, 1, (lo, hi) -> {
            for (int item = lo; item < hi; item++) {
                int pix = order.pixel(item), n0 = order.firstImage(item), ih = pix / wd, iw = pix % wd;
                int out = dxo + pix * n + n0;
                TapPhase tp = phases[(ih + ph) % sh * sw + (iw + pw) % sw];
                if (tp != null && tp.inside(ih + ph, iw + pw, sh, sw, p, q)) {
                    int col = ((ih + ph - tp.firstRow()) / sh * q + (iw + pw - tp.firstCol()) / sw) * n + n0;
                    for (int ch = 0; ch < c; ch += MR) {
                        SgemmKernel.runRows(true, tp.depth(), tp.a(), ch * tp.depth(), dy, tp.rowOff(), 0, col, dx, out + ch * ldc, ldc);
                    }
                    continue;
                }
                for (int ch = 0; ch < c; ch += MR) {
                    int cOff = out + ch * ldc;
                    boolean first = true;
                    for (int rr = 0; rr < r; rr++) {
                        int rowAt = ih + ph - rr;
                        if (rowAt < 0 || rowAt % sh != 0 || rowAt / sh >= p) continue;
                        for (int ss = 0; ss < s; ss++) {
                            int colAt = iw + pw - ss;
                            if (colAt < 0 || colAt % sw != 0 || colAt / sw >= q) continue;
                            int t = (rr * s + ss) * k;
                            SgemmKernel.runRows(first, k, a, ch * taps + t * MR, dy, rowOff, t,
                                    ((rowAt / sh) * q + colAt / sw) * n + n0, dx, cOff, ldc);
                            first = false;
                        }
                    }
                    if (first) zeroTile(dx, cOff, ldc);
                }
            }
        });
    }

    /**
     * The taps of a strided input gradient that reach the input pixels of one stride phase, those with
     * (ih + padH) % sh and (iw + padW) % sw fixed: rows r = firstRow, firstRow + sh, .. lastRow and columns
     * likewise, taken in the (r, s) order of the per-tap loop. Their transposed filter panels are packed one
     * after another ({@code a}: MR input channels per panel, {@code depth} = taps x K rows) and {@code rowOff}
     * holds each depth row's offset in dY relative to the output pixel the phase's first tap reads, so a
     * pixel all of whose taps land inside dY is one product over that depth, adding the same terms in the same
     * order as the per-tap products.
     */
    private record TapPhase(int firstRow, int lastRow, int firstCol, int lastCol, int depth, float[] a, int[] rowOff) {
        /** The phase of (ih + padH) % sh = ph0, (iw + padW) % sw = pw0; null where fewer than two taps reach it. */
        static TapPhase of(ConvGeometry g, float[] packed, int dyo, int ph0, int pw0) {
            int k = g.k(), c = g.c(), r = g.r(), s = g.s(), sh = g.strideH(), sw = g.strideW(), plane = g.p() * g.q() * g.n();
            if (ph0 >= r || pw0 >= s) return null;
            int rows = (r - 1 - ph0) / sh + 1, cols = (s - 1 - pw0) / sw + 1, depth = rows * cols * k, taps = r * s * k;
            if (rows * cols < 2) return null;
            float[] a = new float[c * depth];
            int[] rowOff = new int[depth];
            int d = 0;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    int rr = ph0 + i * sh, ss = pw0 + j * sw, t = (rr * s + ss) * k;
                    for (int kk = 0; kk < k; kk++, d++) {
                        rowOff[d] = dyo + kk * plane - (i * g.q() + j) * g.n();
                        for (int ch = 0; ch < c; ch += MR) {
                            System.arraycopy(packed, ch * taps + (t + kk) * MR, a, ch * depth + d * MR, MR);
                        }
                    }
                }
            }
            return new TapPhase(ph0, ph0 + (rows - 1) * sh, pw0, pw0 + (cols - 1) * sw, depth, a, rowOff);
        }

        /** Whether every tap of the pixel at padded position (ihp, iwp) lands inside dY (p x q). */
        boolean inside(int ihp, int iwp, int sh, int sw, int p, int q) {
            return ihp - lastRow >= 0 && (ihp - firstRow) / sh < p && iwp - lastCol >= 0 && (iwp - firstCol) / sw < q;
        }
    }

    /**
     * dw[k, c, r, s] = sum over output pixels (p, q) and images of dy[k, p, q, :] x[c, p*sh + r - ph, q*sw + s - pw, :].
     * Filters wider than 1x1 with enough channels take {@link #channelsLastGradient}; the rest reduce with
     * {@link #gradientBlock} over blocks of (output rows, images) sized so the block's dy and x stay in L2,
     * the blocks split among threads, each summing into its own copy of dw, added up at the end.
     */
    static void backwardFilter(ConvGeometry g, float[] x, int xo, float[] dy, int dyo, float[] dw, int dwo) {
        if (g.r() * g.s() > 1 && 2 * g.c() >= channelBlock(g.c()) && g.k() % MR == 0) {
            channelsLastGradient(g, x, xo, dy, dyo, dw, dwo);
            return;
        }
        int k = g.k(), c = g.c(), r = g.r(), s = g.s(), h = g.h(), wd = g.w(), p = g.p(), q = g.q(), n = g.n();
        int sh = g.strideH(), size = k * c * r * s;
        // images per block: a divisor of n, a multiple of the vector, as many as fit one output row's block
        int nb = VL;
        while (n % (2 * nb) == 0 && (long) (k * q + c * wd * r) * 2 * nb <= GRADIENT_BLOCK_FLOATS) nb *= 2;
        int rows = 1;
        while (rows < p && (long) (k * q * (rows + 1) + c * wd * Math.min(h, rows * sh + r)) * nb <= GRADIENT_BLOCK_FLOATS) rows++;
        int rowBlocks = (p + rows - 1) / rows, blocks = rowBlocks * (n / nb), threads = Math.min(Parallel.threads(), blocks);
        float[] partial = new float[threads * size];
        int blockRows = rows, images = nb;
        Parallel.forEachTask(threads, t -> {
            int b0 = (int) ((long) blocks * t / threads), b1 = (int) ((long) blocks * (t + 1) / threads);
            for (int b = b0; b < b1; b++) {
                int p0 = (b % rowBlocks) * blockRows, n0 = (b / rowBlocks) * images;
                gradientBlock(g, x, xo, dy, dyo, p0, Math.min(p, p0 + blockRows), n0, images, partial, t * size);
            }
        });
        for (int i = 0; i < size; i++) {
            float sum = 0;
            for (int t = 0; t < threads; t++) sum += partial[t * size + i];
            dw[dwo + i] = sum;
        }
    }

    /**
     * The filter gradient as one product over the batch, for filters wider than 1x1 with at least half a column block of input
     * channels (a 1x1 layer, whose every input pixel is one tap, does better with the dot products of
     * {@link #gradientBlock}, in particular strided, when the copy would hold pixels no tap reads):
     * dw' (K x R*S*C', taps ordered (r, s, c), C' = C rounded up to NR with zero channels, or to 16 for the
     * narrow tiles of {@link SgemmKernel#runRowsNarrow3} (three taps of a filter row at once) and
     * {@link SgemmKernel#runRowsNarrow} when C is at most 16) = dY (K x P*Q*N) * B, where row (p, q, n) of B at tap (r, s)
     * is the C channels of image n at input pixel (p*sh + r - ph, q*sw + s - pw). With x copied once into a
     * channels-last buffer (H, W, N, C') those rows are NR-wide runs read in place; dY is packed for the NR-wide
     * tile and read in place by the narrow ones.
     * Each tap's product runs over the output pixels whose input pixel lies in the image: the rows that
     * would read the padding contribute nothing and are skipped, as the forward pass skips them (recipe R's
     * 3x3 layer at 4 x 4 pixels multiplies 69% of the rows an im2col product would). The depth is split
     * among threads, each summing into its own copy of dw'.
     */
    private static void channelsLastGradient(ConvGeometry g, float[] x, int xo, float[] dy, int dyo, float[] dw, int dwo) {
        int k = g.k(), c = g.c(), r = g.r(), s = g.s(), h = g.h(), wd = g.w(), p = g.p(), q = g.q(), n = g.n();
        int sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        int width = channelBlock(c);
        int cp = (c + width - 1) / width * width, taps = r * s * cp, depth = p * q * n, pixel = n * cp;
        // the caller's scratch (the pool's workers fill it); the zero channels are rewritten each call, since
        // the previous user may have laid out a different geometry
        float[] xt = Scratch.get(Scratch.Slot.CHANNELS_LAST, h * wd * pixel);
        copyChannelsLast(x, xo, c, cp, h, wd, n, xt);
        // row (pixel, img) of B at tap (r, s) starts at rowOff[pixel * n + img] + the tap's offset, which is
        // negative for taps above or left of the pixel: only pixels whose tap lands in the image are read
        int[] rowOff = new int[depth];
        for (int d = 0; d < depth; d++) {
            int img = d % n, pix = d / n;
            rowOff[d] = ((pix / q) * sh * wd + (pix % q) * sw) * pixel + img * cp;
        }
        // output rows [rowLo, rowHi) whose input row at each filter row is in the image
        int[] rowLo = new int[r], rowHi = new int[r];
        for (int rr = 0; rr < r; rr++) {
            rowLo[rr] = firstInside(ph, rr, sh);
            rowHi[rr] = endInside(h, ph, rr, sh, p);
        }
        // taps [tapLo[oq], tapHi[oq]) of a filter row whose input column is in the image at output column oq
        // (consecutive: both bounds of a tap's output columns fall as the tap moves right)
        int[] tapLo = new int[q], tapHi = new int[q];
        for (int oq = 0; oq < q; oq++) {
            int lo = 0, hi = 0;
            while (lo < s && firstInside(pw, lo, sw) > oq) lo++;
            while (hi < s && endInside(wd, pw, hi, sw, q) > oq) hi++;
            tapLo[oq] = lo;
            tapHi[oq] = Math.max(lo, hi);
        }
        int threads = Math.max(1, Math.min(Parallel.threads(), depth / BlockedGemm.KC));
        float[] partial = new float[threads * k * taps];
        Parallel.forEachTask(threads, t -> {
            // the NR-wide tile reads dY packed, chunk by chunk; the narrow ones read it in place
            float[] ap = width == NR ? Scratch.get(Scratch.Slot.PACKED_A, k * BlockedGemm.KC) : null;
            int d0 = (int) ((long) depth * t / threads), d1 = (int) ((long) depth * (t + 1) / threads);
            for (int dc = d0; dc < d1; dc += BlockedGemm.KC) {
                int kc = Math.min(BlockedGemm.KC, d1 - dc);
                for (int row = 0; ap != null && row < k; row++) {
                    int panel = (row / MR) * kc * MR + row % MR, src = dyo + row * depth + dc;
                    for (int d = 0; d < kc; d++) ap[panel + d * MR] = dy[src + d];
                }
                for (int rr = 0; rr < r; rr++) {
                    // the chunk's depth in runs of consecutive pixels whose inputs at the same taps of filter
                    // row rr are in the image
                    for (int run = dc; run < dc + kc; ) {
                        int key = tapsInside(run / n, rr, q, rowLo, rowHi, tapLo, tapHi), runEnd = run;
                        do runEnd = Math.min(dc + kc, (runEnd / n + 1) * n);
                        while (runEnd < dc + kc && tapsInside(runEnd / n, rr, q, rowLo, rowHi, tapLo, tapHi) == key);
                        int len = runEnd - run, packedAt = (run - dc) * MR, endTap = key & 0xffff;
                        for (int ss = key >>> 16; ss < endTap; ) {
                            // three taps of the row at once where the narrow tile has them (runRowsNarrow3)
                            int tap = rr * s + ss, col = ((rr - ph) * wd + ss - pw) * pixel;
                            int group = width == NR || endTap - ss < 3 ? 1 : 3;
                            for (int c0 = 0; c0 < cp; c0 += width) {
                                for (int k0 = 0; k0 < k; k0 += MR) {
                                    int at = t * k * taps + k0 * taps + tap * cp + c0, dyAt = dyo + k0 * depth + run;
                                    if (width == NR) SgemmKernel.runRows(false, len, ap, k0 * kc + packedAt, xt, rowOff, run, col + c0, partial, at, taps);
                                    else if (group == 3) SgemmKernel.runRowsNarrow3(len, dy, dyAt, depth, xt, rowOff, run, col + c0, pixel, partial, at, taps);
                                    else SgemmKernel.runRowsNarrow(len, dy, dyAt, depth, xt, rowOff, run, col + c0, partial, at, taps);
                                }
                            }
                            ss += group;
                        }
                        run = runEnd;
                    }
                }
            }
        });
        Parallel.forRange(k, 1, (lo, hi) -> {
            for (int row = lo; row < hi; row++) {
                for (int ch = 0; ch < c; ch++) {
                    for (int tap = 0; tap < r * s; tap++) {
                        float sum = 0;
                        for (int t = 0; t < threads; t++) sum += partial[t * k * taps + row * taps + tap * cp + ch];
                        dw[dwo + (row * c + ch) * r * s + tap] = sum;
                    }
                }
            }
        });
    }

    /**
     * xt (H, W, N, cp) = x (c, H, W, N) with the channels innermost, channels c .. cp - 1 zero. A transpose of
     * (C, N) blocks: where C is a multiple of 16, {@link Transpose16#matrix} per pixel; otherwise
     * VL images of every channel go to a small buffer with vector copies, then out image by image (faster
     * than a scalar loop that reads each value from its channel's plane).
     */
    static void copyChannelsLast(float[] x, int xo, int c, int cp, int h, int wd, int n, float[] xt) {
        int pixel = n * cp, plane = h * wd * n;
        if (Transpose16.AVAILABLE && c % VL == 0) {
            Parallel.forRange(h, 1, (lo, hi) -> {
                for (int ih = lo; ih < hi; ih++) {
                    for (int iw = 0; iw < wd; iw++) {
                        int to = (ih * wd + iw) * pixel, from = xo + (ih * wd + iw) * n;
                        Transpose16.matrix(x, from, plane, xt, to, cp, c, n);
                        for (int img = 0; cp > c && img < n; img++) Arrays.fill(xt, to + img * cp + c, to + img * cp + cp, 0f);
                    }
                }
            });
            return;
        }
        Parallel.forRange(h, 1, (lo, hi) -> {
            float[] block = new float[c * VL];
            for (int ih = lo; ih < hi; ih++) {
                for (int iw = 0; iw < wd; iw++) {
                    int to = (ih * wd + iw) * pixel, from = xo + (ih * wd + iw) * n;
                    for (int img0 = 0; img0 < n; img0 += VL) {
                        for (int ch = 0; ch < c; ch++) FloatVector.fromArray(S, x, from + ch * plane + img0).intoArray(block, ch * VL);
                        for (int i = 0; i < VL; i++) {
                            int at = to + (img0 + i) * cp;
                            for (int ch = 0; ch < c; ch++) xt[at + ch] = block[ch * VL + i];
                            for (int ch = c; ch < cp; ch++) xt[at + ch] = 0f;
                        }
                    }
                }
            }
        });
    }

    /** The first output row (or column) whose input row at filter tap {@code tap} is inside the image. */
    private static int firstInside(int pad, int tap, int stride) {
        return Math.max(0, Math.ceilDiv(pad - tap, stride));
    }

    /** One past the last output row (or column, of {@code out}) whose input row at {@code tap} is inside {@code size}. */
    private static int endInside(int size, int pad, int tap, int stride, int out) {
        return Math.min(out, Math.floorDiv(size - 1 + pad - tap, stride) + 1);
    }

    /**
     * The taps [lo, hi) of filter row rr whose input pixel lies in the image for output pixel pix, as
     * {@code lo << 16 | hi}; 0 (none) where the row's input lies outside.
     */
    private static int tapsInside(int pix, int rr, int q, int[] rowLo, int[] rowHi, int[] tapLo, int[] tapHi) {
        int op = pix / q, oq = pix % q;
        if (op < rowLo[rr] || op >= rowHi[rr] || tapLo[oq] == tapHi[oq]) return 0;
        return tapLo[oq] << 16 | tapHi[oq];
    }

    /** Channels per column block of {@link #channelsLastGradient}: NR, or 16 with the narrow tile for up to 16 channels. */
    private static int channelBlock(int c) {
        return c <= SgemmKernel.NR_NARROW && VL == SgemmKernel.NR_NARROW ? SgemmKernel.NR_NARROW : NR;
    }

    /** Adds one block's (output rows p0..p1, images n0..n0+nb) share of the filter gradient to out[base:]. */
    private static void gradientBlock(ConvGeometry g, float[] x, int xo, float[] dy, int dyo, int p0, int p1, int n0, int nb,
                                      float[] out, int base) {
        int k = g.k(), c = g.c(), r = g.r(), s = g.s(), h = g.h(), wd = g.w(), p = g.p(), q = g.q(), n = g.n();
        int sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        float[] lanes = new float[TK * TC * VL]; // a tile's accumulators, stored to be summed lane by lane
        for (int rr = 0; rr < r; rr++) {
            // output rows of the block whose input row p*sh + rr - ph is inside the image
            int pa = Math.max(p0, firstInside(ph, rr, sh)), pb = Math.min(p1, endInside(h, ph, rr, sh, p));
            if (pa >= pb) continue;
            for (int ss = 0; ss < s; ss++) {
                int qa = firstInside(pw, ss, sw), qb = endInside(wd, pw, ss, sw, q);
                if (qa >= qb) continue;
                for (int kk = 0; kk < k; kk += TK) {
                    int ch = 0;
                    for (; ch + TC <= c; ch += TC) {
                        tile4x4(x, xo, dy, dyo, kk, ch, rr, ss, pa, pb, qa, qb, n0, nb, g, out, base, lanes);
                    }
                    for (; ch < c; ch++) tile4x1(x, xo, dy, dyo, kk, ch, rr, ss, pa, pb, qa, qb, n0, nb, g, out, base, lanes);
                }
            }
        }
    }

    /** out[k0..k0+4, c0..c0+4, r, s] += the dot products of four dy rows with four x rows over the block. */
    private static void tile4x4(float[] x, int xo, float[] dy, int dyo, int k0, int c0, int r, int s, int pa, int pb,
                                int qa, int qb, int n0, int nb, ConvGeometry g, float[] out, int base, float[] lanes) {
        int h = g.h(), wd = g.w(), p = g.p(), q = g.q(), n = g.n(), sh = g.strideH(), sw = g.strideW();
        int yPlane = p * q * n, xPlane = h * wd * n;
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S), a02 = FloatVector.zero(S), a03 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S), a12 = FloatVector.zero(S), a13 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S), a22 = FloatVector.zero(S), a23 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S), a31 = FloatVector.zero(S), a32 = FloatVector.zero(S), a33 = FloatVector.zero(S);
        for (int op = pa; op < pb; op++) {
            int ih = op * sh + r - g.padH();
            for (int oq = qa; oq < qb; oq++) {
                int iw = oq * sw + s - g.padW();
                int yi = dyo + ((k0 * p + op) * q + oq) * n + n0, xi = xo + ((c0 * h + ih) * wd + iw) * n + n0;
                for (int v = 0; v < nb; v += VL, yi += VL, xi += VL) {
                    FloatVector y0 = FloatVector.fromArray(S, dy, yi), y1 = FloatVector.fromArray(S, dy, yi + yPlane);
                    FloatVector y2 = FloatVector.fromArray(S, dy, yi + 2 * yPlane), y3 = FloatVector.fromArray(S, dy, yi + 3 * yPlane);
                    FloatVector x0 = FloatVector.fromArray(S, x, xi);
                    a00 = y0.fma(x0, a00); a10 = y1.fma(x0, a10); a20 = y2.fma(x0, a20); a30 = y3.fma(x0, a30);
                    FloatVector x1 = FloatVector.fromArray(S, x, xi + xPlane);
                    a01 = y0.fma(x1, a01); a11 = y1.fma(x1, a11); a21 = y2.fma(x1, a21); a31 = y3.fma(x1, a31);
                    FloatVector x2 = FloatVector.fromArray(S, x, xi + 2 * xPlane);
                    a02 = y0.fma(x2, a02); a12 = y1.fma(x2, a12); a22 = y2.fma(x2, a22); a32 = y3.fma(x2, a32);
                    FloatVector x3 = FloatVector.fromArray(S, x, xi + 3 * xPlane);
                    a03 = y0.fma(x3, a03); a13 = y1.fma(x3, a13); a23 = y2.fma(x3, a23); a33 = y3.fma(x3, a33);
                }
            }
        }
        int c = g.c(), rs = g.r() * g.s(), at = base + (k0 * c + c0) * rs + r * g.s() + s, kStep = c * rs;
        a00.intoArray(lanes, 0); a01.intoArray(lanes, VL); a02.intoArray(lanes, 2 * VL); a03.intoArray(lanes, 3 * VL);
        a10.intoArray(lanes, 4 * VL); a11.intoArray(lanes, 5 * VL); a12.intoArray(lanes, 6 * VL); a13.intoArray(lanes, 7 * VL);
        a20.intoArray(lanes, 8 * VL); a21.intoArray(lanes, 9 * VL); a22.intoArray(lanes, 10 * VL); a23.intoArray(lanes, 11 * VL);
        a30.intoArray(lanes, 12 * VL); a31.intoArray(lanes, 13 * VL); a32.intoArray(lanes, 14 * VL); a33.intoArray(lanes, 15 * VL);
        for (int i = 0; i < TK; i++) {
            for (int j = 0; j < TC; j++) out[at + i * kStep + j * rs] += laneSum(lanes, (i * TC + j) * VL);
        }
    }

    /** {@link #tile4x4} for one input channel (the channels left over past a multiple of four, e.g. a 1-channel stem). */
    private static void tile4x1(float[] x, int xo, float[] dy, int dyo, int k0, int c0, int r, int s, int pa, int pb,
                                int qa, int qb, int n0, int nb, ConvGeometry g, float[] out, int base, float[] lanes) {
        int h = g.h(), wd = g.w(), p = g.p(), q = g.q(), n = g.n(), sh = g.strideH(), sw = g.strideW();
        int yPlane = p * q * n;
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        for (int op = pa; op < pb; op++) {
            int ih = op * sh + r - g.padH();
            for (int oq = qa; oq < qb; oq++) {
                int iw = oq * sw + s - g.padW();
                int yi = dyo + ((k0 * p + op) * q + oq) * n + n0, xi = xo + ((c0 * h + ih) * wd + iw) * n + n0;
                for (int v = 0; v < nb; v += VL, yi += VL, xi += VL) {
                    FloatVector x0 = FloatVector.fromArray(S, x, xi);
                    a0 = FloatVector.fromArray(S, dy, yi).fma(x0, a0);
                    a1 = FloatVector.fromArray(S, dy, yi + yPlane).fma(x0, a1);
                    a2 = FloatVector.fromArray(S, dy, yi + 2 * yPlane).fma(x0, a2);
                    a3 = FloatVector.fromArray(S, dy, yi + 3 * yPlane).fma(x0, a3);
                }
            }
        }
        int c = g.c(), rs = g.r() * g.s(), at = base + (k0 * c + c0) * rs + r * g.s() + s, kStep = c * rs;
        a0.intoArray(lanes, 0); a1.intoArray(lanes, VL); a2.intoArray(lanes, 2 * VL); a3.intoArray(lanes, 3 * VL);
        for (int i = 0; i < TK; i++) out[at + i * kStep] += laneSum(lanes, i * VL);
    }

    /**
     * The VL lanes at lanes[off] summed left to right. Not reduceLanes(ADD): its order is unspecified, and
     * the interpreter and C2 do sum in different orders, so a step's gradients would depend on when the JIT
     * compiled the tile, and two runs with the same seed would drift apart.
     */
    private static float laneSum(float[] lanes, int off) {
        float sum = 0;
        for (int i = 0; i < VL; i++) sum += lanes[off + i];
        return sum;
    }

    private static void zeroTile(float[] y, int off, int ldc) {
        for (int i = 0; i < MR; i++) Arrays.fill(y, off + i * ldc, off + i * ldc + NR, 0f);
    }
}
