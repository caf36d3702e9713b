package org.jvicreg.engine.backend;

/**
 * Everything a 2-D convolution kernel needs to know: input (n, c, h, w), filters (k, c/groups, r, s),
 * stride, padding, dilation and groups. Output is (n, k, p, q).
 */
public record ConvGeometry(int n, int c, int h, int w, int k, int r, int s,
                           int strideH, int strideW, int padH, int padW, int dilH, int dilW, int groups) {

    public ConvGeometry {
        if (groups < 1 || c % groups != 0 || k % groups != 0) {
            throw new IllegalArgumentException("conv2d: groups=" + groups + " must divide in_channels=" + c
                    + " and out_channels=" + k);
        }
        if (strideH < 1 || strideW < 1 || dilH < 1 || dilW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("conv2d: stride and dilation must be >= 1 and padding >= 0");
        }
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

    public boolean isPointwise() {
        return r == 1 && s == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0;
    }

    /** Multiply-adds x 2 of the forward pass. */
    public double flops() {
        return 2.0 * n * k * p() * q() * cg() * r * s;
    }
}
