package org.jvicreg.engine.cpu;

import org.jvicreg.engine.backend.ConvGeometry;

/**
 * The sliding windows of a convolution over a batch of images: images of h x w at {@code base + i *
 * imageStride} of {@code x} (channel planes h*w apart), r x s filter taps, p x q outputs, stride, padding
 * and dilation. Both im2col packers ({@link ConvInputPanels}, {@link ConvInputColumnsB}) read through it.
 */
record ConvWindows(float[] x, int base, int imageStride, int h, int w, int r, int s, int p, int q,
                   int sh, int sw, int ph, int pw, int dh, int dw) {

    /** The input of convolution g: group grp's channels of x (whose first element is at xo). */
    static ConvWindows input(ConvGeometry g, float[] x, int xo, int grp) {
        int hw = g.h() * g.w();
        return new ConvWindows(x, xo + grp * g.cg() * hw, g.c() * hw, g.h(), g.w(), g.r(), g.s(), g.p(), g.q(),
                g.strideH(), g.strideW(), g.padH(), g.padW(), g.dilH(), g.dilW());
    }

    /**
     * The same windows over a copy of the images in zero-padded planes (a per-thread scratch array), with
     * no padding left to test: every window then lies inside its image, so the packers copy without
     * bounds tests or zero fills. Costs one pass over the images; returns this when there is no padding.
     */
    ConvWindows padded(int images, int channels) {
        if (ph == 0 && pw == 0) return this;
        int hp = h + 2 * ph, wp = w + 2 * pw;
        float[] dst = StridePhases.zeroPadded(channels, h, w, ph, pw, hp, wp).copyBatch(x, base, imageStride, images);
        return new ConvWindows(dst, 0, channels * hp * wp, hp, wp, r, s, p, q, sh, sw, 0, 0, dh, dw);
    }

    /** Images of h x w read as by a 1x1 convolution: each image a (channels x h*w) matrix. */
    static ConvWindows pixels(float[] x, int base, int imageStride, int h, int w) {
        return new ConvWindows(x, base, imageStride, h, w, 1, 1, h, w, 1, 1, 0, 0, 1, 1);
    }

    /**
     * The output gradient of stride-1 convolution g seen as the input of the convolution that computes
     * the input gradient: same filter size and dilation, padding {@code padH} x {@code padW}, h x w outputs.
     */
    static ConvWindows outputGradient(ConvGeometry g, float[] dy, int dyo, int grp, int padH, int padW) {
        int pq = g.p() * g.q();
        return new ConvWindows(dy, dyo + grp * g.kg() * pq, g.k() * pq, g.p(), g.q(), g.r(), g.s(), g.h(), g.w(),
                1, 1, padH, padW, g.dilH(), g.dilW());
    }
}
