package org.jvicreg.engine.backend;

/** A 2-D pooling window over (n, c, h, w) input; output is (n, c, oh, ow). No ceil mode. */
public record PoolGeometry(int n, int c, int h, int w, int kh, int kw, int strideH, int strideW, int padH, int padW) {

    public PoolGeometry {
        if (kh < 1 || kw < 1 || strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("pool2d: kernel and stride must be >= 1");
        }
        if (padH < 0 || padW < 0 || 2 * padH > kh || 2 * padW > kw) {
            throw new IllegalArgumentException("pool2d: padding must be between 0 and half the kernel size, got "
                    + padH + "x" + padW + " for kernel " + kh + "x" + kw);
        }
    }

    public int oh() {
        return (h + 2 * padH - kh) / strideH + 1;
    }

    public int ow() {
        return (w + 2 * padW - kw) / strideW + 1;
    }
}
