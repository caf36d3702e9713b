package org.jvicreg.engine.backend;

/**
 * Everything a 2-D convolution kernel needs to know: input (n, c, h, w), filters (k, c/groups, r, s),
 * stride, padding, dilation, groups, and the images' layout. Output is (n, k, p, q): in memory
 * (n, c, h, w) and (n, k, p, q) for {@link Layout#NCHW}, (c, h, w, n) and (k, p, q, n) for
 * {@link Layout#BATCH_LAST}.
 */
public record ConvGeometry(int n, int c, int h, int w, int k, int r, int s,
                           int strideH, int strideW, int padH, int padW, int dilH, int dilW, int groups, Layout layout) {

    /** How images lie in memory: PyTorch's (N, C, H, W), or batch-last (C, H, W, N). */
    public enum Layout { NCHW, BATCH_LAST }

    /** An NCHW convolution. */
    public ConvGeometry(int n, int c, int h, int w, int k, int r, int s,
                        int strideH, int strideW, int padH, int padW, int dilH, int dilW, int groups) {
        this(n, c, h, w, k, r, s, strideH, strideW, padH, padW, dilH, dilW, groups, Layout.NCHW);
    }

    public ConvGeometry {
        if (groups < 1 || c % groups != 0 || k % groups != 0) {
            throw new IllegalArgumentException("conv2d: groups=" + groups + " must divide in_channels=" + c
                    + " and out_channels=" + k);
        }
        if (strideH < 1 || strideW < 1 || dilH < 1 || dilW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("conv2d: stride and dilation must be >= 1 and padding >= 0");
        }
        if (layout == Layout.BATCH_LAST && groups != 1) {
            throw new IllegalArgumentException("conv2d: batch-last images take groups=1, got " + groups);
        }
    }

    public boolean isBatchLast() {
        return layout == Layout.BATCH_LAST;
    }

    /** The same convolution on images in the given layout. */
    public ConvGeometry withLayout(Layout l) {
        return new ConvGeometry(n, c, h, w, k, r, s, strideH, strideW, padH, padW, dilH, dilW, groups, l);
    }

    public int p() {
        return (h + 2 * padH - dilH * (r - 1) - 1) / strideH + 1;
    }

    public int q() {
        return (w + 2 * padW - dilW * (s - 1) - 1) / strideW + 1;
    }

    /** Input channels per group. */
    public int cg() {
        return c / groups;
    }

    /** Output channels per group. */
    public int kg() {
        return k / groups;
    }

    /** Multiply-adds x 2 of the forward pass. */
    public double flops() {
        return 2.0 * n * k * p() * q() * cg() * r * s;
    }
}
