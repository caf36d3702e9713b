package org.jvicreg.engine.cpu;

import org.jvicreg.engine.backend.ConvGeometry;

/**
 * Convolution (NCHW) as products on {@link BlockedGemm}, with the im2col matrices packed straight from the
 * images ({@link ConvInputPanels}, {@link ConvInputColumnsB}) so no column buffer is ever written. Per group:
 * <ul>
 *   <li>forward: Y (K x N*PQ) = W (K x CRS) * im2col(X) (CRS x N*PQ), the GEMM's columns running over every
 *       pixel of every image, so small late layers still give the kernel wide products; large images are
 *       read in place instead, one product per image ({@link PaddedImageConv});</li>
 *   <li>backward-data, stride 1: dX is the convolution of dY with the filters transposed and rotated
 *       ({@link TransposedFiltersA#flipped}), padding dil*(R-1) - pad, so it runs as a forward pass;</li>
 *   <li>backward-data, strided: one stride-1 product per stride phase of dX for large images
 *       ({@link PhaseInputGradient}), else dcol = W^T * dY for a batch of images into a workspace, then col2im;</li>
 *   <li>backward-filter: dW (K x CRS) = dY (K x N*PQ) * im2col(X)^T, split among threads by columns, rows
 *       or the N*PQ reduction, whichever packs the least; for large images with more taps than output
 *       channels, transposed with im2col read in place, and for 1x1 layers with more output than input
 *       channels with dY read in place ({@link InPlaceFilterGradient}).</li>
 * </ul>
 * A strided 1x1 convolution (a ResNet downsample) gathers the pixels it reads once and runs as a stride-1
 * one, forward and for the filter gradient. 3x3 stride-1 layers run all three passes as Winograd F(4x4, 3x3)
 * or F(2x2, 3x3) instead where a rule says so ({@link #winograd}); in the batch-last layout F(4x4, 3x3) by
 * rules of its own ({@link BatchLastWinograd#chosen}, {@link BatchLastWinograd#filterGradientChosen}).
 */
final class CpuConv {
    private CpuConv() {}

    /**
     * Output pixels per image from which convolutions with filters wider than 1x1 read their input images
     * in place ({@link PaddedImageConv}, from a zero-padded stride-phase copy) rather than packing im2col.
     * From this size on, reading in place beats packing on ResNet-50's 3x3 layers; below it the wasted padding
     * columns cost more than packing saves unless the layer has few output channels
     * ({@link #readsImagesInPlace}). 1x1 layers read in place lose (their B rows are whole channel planes
     * apart), so they always pack. The measurements are in bench/RESULTS.md, "CPU kernel choices".
     */
    static final int IN_PLACE_PIXELS = 28 * 28;

    /**
     * Whether a convolution with filters wider than 1x1 reads its input images in place
     * ({@link PaddedImageConv}) rather than packing im2col: always from {@link #IN_PLACE_PIXELS} output pixels
     * per image, and on images down to 7 x 7 when there are at most twice as many output channels as pixels.
     * In place packs the filters (outChannels x taps) once per call and reads each image with Wp - Q wasted
     * columns per row, the packed path packs each pixel's window (taps x pixels) once and gives each packed
     * element only 2 x outChannels flops. So few output channels favour reading in place down to 7 x 7 (recipe
     * R's 32- and 64-channel layers), while at 4 x 4 the wasted columns dominate, and with many output
     * channels (ResNet-50's 512 -> 512 at 7 x 7) each packed element feeds enough flops that packing wins.
     * Strided layers read a stride-phase copy ({@link StridePhases}) by the same rule. The measurements are
     * in bench/RESULTS.md, "CPU kernel choices".
     */
    static boolean readsImagesInPlace(int taps, int outChannels, int pixels) {
        return taps > 1 && (pixels >= IN_PLACE_PIXELS || (pixels >= 7 * 7 && outChannels <= 2 * pixels));
    }

    /**
     * When 3x3 stride-1 convolutions run as Winograd (NCHW: {@link #winograd}; batch-last: {@link
     * BatchLastWinograd}): where the rules choose it, always where it fits, or never.
     */
    enum WinogradUse { AUTO, ALWAYS, NEVER }

    /** -Djvicreg.cpu.winograd=auto|always|never, auto by default; read once, at start. */
    static final WinogradUse WINOGRAD = winogradUse(System.getProperty("jvicreg.cpu.winograd", "auto"));

    private static WinogradUse winogradUse(String value) {
        for (WinogradUse u : WinogradUse.values()) {
            if (u.name().equalsIgnoreCase(value)) return u;
        }
        throw new IllegalArgumentException("-Djvicreg.cpu.winograd=" + value + ": expected auto, always or never");
    }

    /**
     * Which Winograd kernel, if any, runs an NCHW 3x3 stride-1 convolution instead of a direct product, by a
     * rule from per-layer measurements (bench/RESULTS.md, "CPU kernel choices"); null: the direct product.
     * F(4x4, 3x3) ({@link Winograd4x4}) where both channel counts are multiples of the vector length and at
     * least {@link #F4_CHANNELS}, and the call has at least {@link #F4_TILES} 4x4 output tiles: ResNet-50 at
     * batch 16, each pass alone, it takes 0.6-0.8x the direct product's time at 128 channels of 28 px, 256 of
     * 14 px and 512 of 7 px, and 0.75-0.95x at 64 channels of 56 px; forward alone it loses below about 64 tiles,
     * where transforming all the filters each call outweighs the tiles (256 channels at 14 px: two images, 32
     * tiles, lose, four images, 64 tiles, win). Elsewhere F(2x2, 3x3) ({@link Winograd3x3}) where both
     * channel counts are at least {@link #F2_CHANNELS} and the call has at least {@link #F2_TILES} 2x2 tiles.
     * -Djvicreg.cpu.winograd=always takes F(4x4) wherever it fits and F(2x2) for the other 3x3 stride-1
     * layers, never neither.
     */
    static NchwWinograd winograd(ConvGeometry g) {
        if (!Winograd3x3.fits(g)) return null;
        int channels = Math.min(g.c(), g.k());
        if (Winograd4x4.fits(g)) {
            long tiles = (long) g.n() * WinogradF4.tiles(g.p()) * WinogradF4.tiles(g.q());
            return winogradByRule(channels >= F4_CHANNELS && tiles >= F4_TILES) ? NchwWinograd.F4X4 : null;
        }
        long tiles = (long) g.n() * ((g.p() + 1) / 2) * ((g.q() + 1) / 2);
        return winogradByRule(channels >= F2_CHANNELS && tiles >= F2_TILES) ? NchwWinograd.F2X2 : null;
    }

    static final int F4_CHANNELS = 64, F4_TILES = 64, F2_CHANNELS = 256, F2_TILES = 256;

    /** The NCHW Winograd kernels: F(2x2, 3x3) ({@link Winograd3x3}) and F(4x4, 3x3) ({@link Winograd4x4}). */
    enum NchwWinograd { F2X2, F4X4 }

    /** A Winograd rule's verdict, unless -Djvicreg.cpu.winograd says always or never. */
    static boolean winogradByRule(boolean rule) {
        return switch (WINOGRAD) {
            case ALWAYS -> true;
            case NEVER -> false;
            case AUTO -> rule;
        };
    }

    static void forward(ConvGeometry g, float[] x, int xo, float[] w, int wo, float[] y, int yo) {
        NchwWinograd winograd = winograd(g);
        if (winograd != null) {
            if (winograd == NchwWinograd.F4X4) Winograd4x4.forward(g, x, xo, w, wo, y, yo);
            else Winograd3x3.forward(g, x, xo, w, wo, y, yo);
            return;
        }
        if (stridedPointwise(g)) {
            forward(pointwise(g), subsample(g, x, xo), 0, w, wo, y, yo);
            return;
        }
        int pq = g.p() * g.q(), hw = g.h() * g.w(), crs = g.cg() * g.r() * g.s();
        for (int grp = 0; grp < g.groups(); grp++) {
            var a = new GemmOperands.DenseA(false, w, wo + grp * g.kg() * crs, crs, 1f);
            if (readsImagesInPlace(g.r() * g.s(), g.kg(), pq)) {
                PaddedImageConv.run(a, g.kg(), g.n(), x, xo + grp * g.cg() * hw, g.c() * hw, phases(g), y,
                        yo + grp * g.kg() * pq, g.k() * pq);
                continue;
            }
            var b = new ConvInputPanels(ConvWindows.input(g, x, xo, grp).padded(g.n(), g.cg()));
            GemmOutput out = GemmOutput.images(y, yo + grp * g.kg() * pq, pq, g.k() * pq);
            Sgemm.split(g.kg(), g.n() * pq, crs, (i0, i1, j0, j1) -> BlockedGemm.run(a, b, out, i0, i1, j0, j1, 0, crs, false));
        }
    }

    static void backwardData(ConvGeometry g, float[] dy, int dyo, float[] w, int wo, float[] dx, int dxo) {
        NchwWinograd winograd = winograd(g);
        if (winograd != null) {
            if (winograd == NchwWinograd.F4X4) Winograd4x4.backwardData(g, dy, dyo, w, wo, dx, dxo);
            else Winograd3x3.backwardData(g, dy, dyo, w, wo, dx, dxo);
            return;
        }
        int padH = g.dilH() * (g.r() - 1) - g.padH(), padW = g.dilW() * (g.s() - 1) - g.padW();
        if (g.strideH() == 1 && g.strideW() == 1 && padH >= 0 && padW >= 0) {
            backwardDataAsConvolution(g, dy, dyo, w, wo, dx, dxo, padH, padW);
        } else if (phaseInputGradient(g)) {
            PhaseInputGradient.run(g, dy, dyo, w, wo, dx, dxo);
        } else {
            backwardDataCol2im(g, dy, dyo, w, wo, dx, dxo);
        }
    }

    private static void backwardDataAsConvolution(ConvGeometry g, float[] dy, int dyo, float[] w, int wo,
                                                  float[] dx, int dxo, int padH, int padW) {
        int pq = g.p() * g.q(), hw = g.h() * g.w(), crs = g.cg() * g.r() * g.s(), depth = g.kg() * g.r() * g.s();
        for (int grp = 0; grp < g.groups(); grp++) {
            GemmOperands.A a = g.r() == 1 && g.s() == 1
                    ? new GemmOperands.DenseA(true, w, wo + grp * g.kg() * crs, crs, 1f)
                    : TransposedFiltersA.flipped(w, wo + grp * g.kg() * crs, g.cg(), g.r(), g.s());
            if (readsImagesInPlace(g.r() * g.s(), g.cg(), hw)) {
                var in = new StridePhases(g.kg(), g.p(), g.q(), g.r(), g.s(), 1, 1, padH, padW, g.dilH(), g.dilW(), g.h(), g.w());
                PaddedImageConv.run(a, g.cg(), g.n(), dy, dyo + grp * g.kg() * pq, g.k() * pq, in, dx,
                        dxo + grp * g.cg() * hw, g.c() * hw);
                continue;
            }
            var b = new ConvInputPanels(ConvWindows.outputGradient(g, dy, dyo, grp, padH, padW).padded(g.n(), g.kg()));
            GemmOutput out = GemmOutput.images(dx, dxo + grp * g.cg() * hw, hw, g.c() * hw);
            Sgemm.split(g.cg(), g.n() * hw, depth, (i0, i1, j0, j1) -> BlockedGemm.run(a, b, out, i0, i1, j0, j1, 0, depth, false));
        }
    }

    /**
     * Whether a strided input gradient runs as one product per stride phase of dx ({@link PhaseInputGradient})
     * rather than through a column buffer and col2im: when a stride phase has as many pixels as
     * {@link #readsImagesInPlace} asks of an image read in place (the filters are packed per image and
     * phase), and at least MR input channels (the product's rows: with ResNet's 3-channel stem most of each
     * tile would be empty, and col2im wins). This wins on ResNet-50's 3x3 stride-2 layers at 56 -> 28 and
     * 28 -> 14 px and loses at 14 -> 7 px and on the 1x1 downsamples, which readsImagesInPlace excludes
     * (bench/RESULTS.md, "CPU kernel choices").
     */
    private static boolean phaseInputGradient(ConvGeometry g) {
        int phasePixels = g.h() * g.w() / (g.strideH() * g.strideW());
        return (g.strideH() > 1 || g.strideW() > 1) && g.cg() >= SgemmKernel.MR
                && readsImagesInPlace(g.r() * g.s(), g.cg(), phasePixels);
    }

    /** Most floats the strided backward-data path puts in one column buffer (16 MB). */
    private static final int COL2IM_FLOATS = 1 << 22;

    /**
     * Strided backward-data: dcol = W^T * dY for as many images at once as the column buffer holds (so
     * late layers with few pixels per image still give the kernel wide products), then col2im, split among
     * threads by (image, channel).
     */
    private static void backwardDataCol2im(ConvGeometry g, float[] dy, int dyo, float[] w, int wo, float[] dx, int dxo) {
        int pq = g.p() * g.q(), hw = g.h() * g.w(), crs = g.cg() * g.r() * g.s(), cg = g.cg();
        int batch = Math.max(1, Math.min(g.n(), COL2IM_FLOATS / (crs * pq)));
        for (int grp = 0; grp < g.groups(); grp++) {
            var a = new GemmOperands.DenseA(true, w, wo + grp * g.kg() * crs, crs, 1f);
            // dY of the group as a (kg x images*pq) matrix: the input of a 1x1 convolution over dy
            var b = new ConvInputPanels(ConvWindows.pixels(dy, dyo + grp * g.kg() * pq, g.k() * pq, g.p(), g.q()));
            int dxGroup = dxo + grp * cg * hw;
            for (int first = 0; first < g.n(); first += batch) {
                int images = Math.min(batch, g.n() - first), cols = images * pq, img0 = first;
                float[] col = Scratch.get(Scratch.Slot.COLUMNS, crs * cols);
                GemmOutput out = GemmOutput.matrix(col, -img0 * pq, cols); // B's columns count from image 0
                Sgemm.split(crs, cols, g.kg(), (i0, i1, j0, j1) ->
                        BlockedGemm.run(a, b, out, i0, i1, img0 * pq + j0, img0 * pq + j1, 0, g.kg(), false));
                Parallel.forRange(images * cg, Math.max(1, 4096 / hw), (lo, hi) -> {
                    for (int t = lo; t < hi; t++) {
                        int img = t / cg, c = t % cg, plane = dxGroup + (img0 + img) * g.c() * hw + c * hw;
                        java.util.Arrays.fill(dx, plane, plane + hw, 0f);
                        col2im(g, col, c * g.r() * g.s() * cols + img * pq, cols, dx, plane);
                    }
                });
            }
        }
    }

    static void backwardFilter(ConvGeometry g, float[] x, int xo, float[] dy, int dyo, float[] dw, int dwo) {
        NchwWinograd winograd = winograd(g);
        if (winograd != null) {
            if (winograd == NchwWinograd.F4X4) Winograd4x4.backwardFilter(g, x, xo, dy, dyo, dw, dwo);
            else Winograd3x3.backwardFilter(g, x, xo, dy, dyo, dw, dwo);
            return;
        }
        if (stridedPointwise(g)) {
            backwardFilter(pointwise(g), subsample(g, x, xo), 0, dy, dyo, dw, dwo);
            return;
        }
        if (inPlaceFilterGradient(g)) {
            InPlaceFilterGradient.run(g, x, xo, dy, dyo, dw, dwo);
            return;
        }
        if (pointwiseFilterGradient(g)) {
            InPlaceFilterGradient.runPointwise(g, x, xo, dy, dyo, dw, dwo);
            return;
        }
        int pq = g.p() * g.q(), hw = g.h() * g.w(), crs = g.cg() * g.r() * g.s(), depth = g.n() * pq;
        for (int grp = 0; grp < g.groups(); grp++) {
            var a = new ConvOutputRowsA(dy, dyo + grp * g.kg() * pq, g.k() * pq, pq);
            var b = new ConvInputColumnsB(ConvWindows.input(g, x, xo, grp).padded(g.n(), g.cg()));
            int dwOff = dwo + grp * g.kg() * crs;
            GemmOutput out = GemmOutput.matrix(dw, dwOff, crs);
            int threads = Parallel.insidePool() || 2.0 * g.kg() * crs * depth < Sgemm.PARALLEL_FLOPS ? 1 : Parallel.threads();
            // packed elements per thread: a column split repacks all of dY, a row split all of im2col(X),
            // a reduction split adds one K x CRS partial sum per thread
            double byColumns = (double) g.kg() * depth + (double) crs * depth / threads;
            double byReduction = (double) (g.kg() + crs) * depth / threads + 2.0 * g.kg() * crs;
            if (threads == 1 || byColumns <= byReduction) {
                Sgemm.split(g.kg(), crs, depth, (i0, i1, j0, j1) -> BlockedGemm.run(a, b, out, i0, i1, j0, j1, 0, depth, false));
            } else {
                reductionSplit(a, b, out, g.kg(), crs, depth, threads);
            }
        }
    }

    /**
     * Whether the filter gradient reads im2col in place and packs only dY ({@link InPlaceFilterGradient}):
     * at least as many filter taps (C/groups * R * S) as output channels, since then dY is the smaller
     * operand, and enough pixels per image that the per-image products stay long: 14 x 14 for 1x1 filters,
     * 28 x 28 for wider ones, whose padded rows also carry Wp - Q wasted columns. With fewer taps than output
     * channels (1x1 64 -> 256), or on 7 x 7 images, packing both operands wins. Strided layers read a
     * stride-phase copy ({@link StridePhases}). The measurements are in bench/RESULTS.md, "CPU kernel choices".
     */
    private static boolean inPlaceFilterGradient(ConvGeometry g) {
        int taps = g.cg() * g.r() * g.s(), pixels = g.p() * g.q();
        return taps >= g.kg() && pixels >= (g.r() * g.s() == 1 ? 14 * 14 : IN_PLACE_PIXELS);
    }

    /**
     * Whether the filter gradient of an unpadded stride-1 1x1 convolution with fewer input than output channels
     * reads dY in place and packs only X ({@link InPlaceFilterGradient#runPointwise}): from 7 x 7 pixels per
     * image, where it beat packing both operands on every expanding 1x1 layer of ResNet-50 (bench/RESULTS.md,
     * "CPU kernel choices"). Strided 1x1 layers come here as the stride-1 convolution of their subsample.
     */
    private static boolean pointwiseFilterGradient(ConvGeometry g) {
        return g.r() == 1 && g.s() == 1 && g.strideH() == 1 && g.strideW() == 1 && g.padH() == 0 && g.padW() == 0
                && g.cg() < g.kg() && g.p() * g.q() >= 7 * 7;
    }

    /** The input of one group of convolution g as read in place ({@link StridePhases}). */
    static StridePhases phases(ConvGeometry g) {
        return new StridePhases(g.cg(), g.h(), g.w(), g.r(), g.s(), g.strideH(), g.strideW(), g.padH(), g.padW(),
                g.dilH(), g.dilW(), g.p(), g.q());
    }

    /** An unpadded 1x1 convolution with a stride: it reads only every stride-th pixel of its input. */
    private static boolean stridedPointwise(ConvGeometry g) {
        return g.r() == 1 && g.s() == 1 && g.padH() == 0 && g.padW() == 0 && (g.strideH() > 1 || g.strideW() > 1);
    }

    /** The stride-1 1x1 convolution of the pixels a strided one reads ({@link #subsample}). */
    private static ConvGeometry pointwise(ConvGeometry g) {
        return new ConvGeometry(g.n(), g.c(), g.p(), g.q(), g.k(), 1, 1, 1, 1, 0, 0, 1, 1, g.groups());
    }

    /** The pixels a strided 1x1 convolution reads, gathered into a (n, c, p, q) scratch array. */
    private static float[] subsample(ConvGeometry g, float[] x, int xo) {
        int p = g.p(), q = g.q(), hw = g.h() * g.w(), sh = g.strideH(), sw = g.strideW(), w = g.w();
        float[] xs = Scratch.get(Scratch.Slot.SUBSAMPLED, g.n() * g.c() * p * q);
        Parallel.forRange(g.n() * g.c(), Math.max(1, 8192 / (p * q)), (lo, hi) -> {
            for (int plane = lo; plane < hi; plane++) {
                int src = xo + plane * hw, dst = plane * p * q;
                for (int i = 0; i < p; i++) {
                    for (int j = 0; j < q; j++) xs[dst + i * q + j] = x[src + i * sh * w + j * sw];
                }
            }
        });
        return xs;
    }

    /**
     * C (m x n) = A * B with the k range cut among threads, each summing its part into its own copy of C.
     * The copies are slices of one array taken here, not per-thread scratch: a pool worker may run several
     * of the ranges one after the other, and each range's sum must survive until the final addition.
     */
    static void reductionSplit(GemmOperands.A a, GemmOperands.B b, GemmOutput out, int m, int n, int k, int threads) {
        int size = m * n;
        float[] partials = Scratch.get(Scratch.Slot.PARTIAL_SUM, (threads - 1) * size);
        Parallel.forRange(threads, 1, (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int p0 = (int) ((long) k * t / threads), p1 = (int) ((long) k * (t + 1) / threads);
                GemmOutput target = t == 0 ? out : GemmOutput.matrix(partials, (t - 1) * size, n);
                BlockedGemm.run(a, b, target, 0, m, 0, n, p0, p1, false);
            }
        });
        float[] c = out.data();
        Parallel.forRange(m, Math.max(1, 16384 / Math.max(1, n)), (lo, hi) -> {
            for (int t = 1; t < threads; t++) {
                int base = (t - 1) * size;
                for (int i = lo; i < hi; i++) {
                    int row = out.offset(i, 0);
                    for (int j = 0; j < n; j++) c[row + j] += partials[base + i * n + j];
                }
            }
        });
    }

    /**
     * The adjoint of im2col for one channel: adds its R*S rows of col (row (r, s) at colOff + (r*S + s) * ld,
     * output pixel p*Q + q within it) back into the channel's (already zeroed) h x w gradient plane.
     */
    static void col2im(ConvGeometry g, float[] col, int colOff, int ld, float[] dx, int plane) {
        int h = g.h(), w = g.w(), P = g.p(), Q = g.q(), sw = g.strideW();
        for (int r = 0, row = 0; r < g.r(); r++) {
            for (int s = 0; s < g.s(); s++, row++) {
                int colShift = s * g.dilW() - g.padW();
                int q0 = Math.max(0, (-colShift + sw - 1) / sw);
                int q1 = Math.min(Q, Math.floorDiv(w - 1 - colShift, sw) + 1);
                for (int p = 0; p < P; p++) {
                    int ih = p * g.strideH() - g.padH() + r * g.dilH();
                    if (ih < 0 || ih >= h) continue;
                    int dst = plane + ih * w + colShift, in = colOff + row * ld + p * Q;
                    for (int q = q0; q < q1; q++) dx[dst + q * sw] += col[in + q];
                }
            }
        }
    }
}
