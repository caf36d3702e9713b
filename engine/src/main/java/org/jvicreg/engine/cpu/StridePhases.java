package org.jvicreg.engine.cpu;

/**
 * A convolution's input images copied so that every row of their im2col matrix is one contiguous run of
 * memory, which lets the GEMM kernels read im2col in place ({@link PaddedImageConv},
 * {@link InPlaceFilterGradient}).
 *
 * <p>Each channel is zero-padded and split into {@code sh * sw} stride phases: phase (a, b) holds the padded
 * pixels (a + i*sh, b + j*sw). Tap (r, s) of output pixel (oh, ow) reads padded pixel
 * (oh*sh + r*dh, ow*sw + s*dw), which is pixel (oh + r*dh / sh, ow + s*dw / sw) of phase
 * ((r*dh) % sh, (s*dw) % sw). So the im2col row of tap (c, r, s) is the channel's phase plane shifted by
 * {@link #rowOffsets() its offset} and read over "wide" columns {@code oh * width() + ow}, of which the
 * {@code width() - q} past each output row are not real windows. With stride 1 there is one phase, the
 * zero-padded image itself; with stride 1 and no padding the images are read where they are.
 *
 * @param c channels of an image; h x w its size; r x s the filter, sh x sw the stride, padH x padW the
 *          padding, dh x dw the dilation, p x q the output size
 */
record StridePhases(int c, int h, int w, int r, int s, int sh, int sw, int padH, int padW, int dh, int dw, int p, int q) {

    /**
     * Images of c channels h x w zero-padded by (top, left) into height x width planes, with no stride: the
     * input of a stride-1 convolution whose filter spans the padding ((height - h + 1) x (width - w + 1)).
     */
    static StridePhases zeroPadded(int c, int h, int w, int top, int left, int height, int width) {
        return new StridePhases(c, h, w, height - h + 1, width - w + 1, 1, 1, top, left, 1, 1, h, w);
    }

    /** Rows of a phase plane: the output rows plus the furthest tap's shift. */
    int height() {
        return p + (r - 1) * dh / sh;
    }

    /** Columns of a phase plane: the output columns plus the furthest tap's shift. */
    int width() {
        return q + (s - 1) * dw / sw;
    }

    /** Floats of one copied image. */
    int imageSize() {
        return c * sh * sw * height() * width();
    }

    /** Wide columns the im2col rows span: p output rows of {@link #width()}, the last one only q long. */
    int columns() {
        return (p - 1) * width() + q;
    }

    /** Whether the images are read where they are: stride 1 and no padding. */
    boolean inPlace() {
        return sh == 1 && sw == 1 && padH == 0 && padW == 0;
    }

    /** Offset of im2col row (c, r, s) from its image's start, for rows [0, rows): rows past c*r*s repeat the last. */
    int[] rowOffsets(int rows) {
        int taps = c * r * s, hp = height(), wp = width(); // h x w when inPlace()
        int[] off = new int[rows];
        // the offsets of channel 0's taps; every further channel adds one channel's sh * sw phase planes
        int[] first = new int[r * s];
        for (int rr = 0; rr < r; rr++) {
            for (int ss = 0; ss < s; ss++) {
                int phase = ((rr * dh) % sh) * sw + (ss * dw) % sw;
                first[rr * s + ss] = (phase * hp + rr * dh / sh) * wp + ss * dw / sw;
            }
        }
        int channelStride = sh * sw * hp * wp, t = 0;
        for (int ch = 0; ch < c && t < rows; ch++) {
            for (int tap = 0; tap < r * s && t < rows; tap++) off[t++] = ch * channelStride + first[tap];
        }
        for (; t < rows; t++) off[t] = off[taps - 1];
        return off;
    }

    /** Copies the image at x[base] into dst[at, at + imageSize()). */
    void copy(float[] x, int base, float[] dst, int at) {
        for (int ch = 0; ch < c; ch++) copyChannel(x, base + ch * h * w, dst, at + ch * sh * sw * height() * width());
    }

    /** Copies the batch's images (image i at x[base + i * stride]) into one scratch array, images imageSize() apart. */
    float[] copyBatch(float[] x, int base, int stride, int images) {
        int size = imageSize(), channelSize = size / c;
        float[] dst = Scratch.get(Scratch.Slot.PADDED_IMAGE, images * size);
        Parallel.forRangeBalanced(images * c, Math.max(1, 16384 / channelSize), (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int img = t / c, ch = t % c;
                copyChannel(x, base + img * stride + ch * h * w, dst, img * size + ch * channelSize);
            }
        });
        return dst;
    }

    /** One channel's h x w plane at x[src] as its sh*sw phase planes at dst[at]. */
    private void copyChannel(float[] x, int src, float[] dst, int at) {
        int hp = height(), wp = width();
        for (int a = 0; a < sh; a++) {
            for (int b = 0; b < sw; b++) {
                int plane = at + (a * sw + b) * hp * wp;
                // phase columns j with 0 <= b + j*sw - padW < w read the image, the others are padding
                int iw0 = b - padW;
                int lo = Math.min(wp, iw0 >= 0 ? 0 : (-iw0 + sw - 1) / sw);
                int hi = Math.max(lo, Math.min(wp, iw0 >= w ? 0 : (w - iw0 + sw - 1) / sw));
                for (int i = 0; i < hp; i++) {
                    int ih = a + i * sh - padH, row = plane + i * wp;
                    if (ih < 0 || ih >= h) {
                        java.util.Arrays.fill(dst, row, row + wp, 0f);
                        continue;
                    }
                    java.util.Arrays.fill(dst, row, row + lo, 0f);
                    int in = src + ih * w + iw0;
                    if (sw == 1) {
                        System.arraycopy(x, in + lo, dst, row + lo, hi - lo);
                    } else {
                        for (int j = lo; j < hi; j++) dst[row + j] = x[in + j * sw];
                    }
                    java.util.Arrays.fill(dst, row + hi, row + wp, 0f);
                }
            }
        }
    }
}
