package org.jvicreg.engine.cpu;

import static org.jvicreg.engine.cpu.SgemmKernel.MR;

/**
 * A convolution's output gradient as the A operand of the filter-gradient product: A(k, j) with k over
 * output channels and j = (image, pixel) over every output pixel of every image, read straight from dy
 * at {@code base + image * imageStride + k * pixels + pixel}.
 */
record ConvOutputRowsA(float[] dy, int base, int imageStride, int pixels) implements GemmOperands.A {
    @Override
    public void pack(int i0, int mc, int p0, int kc, float[] dst) {
        int idx = 0;
        for (int ir = 0; ir < mc; ir += MR, idx += kc * MR) {
            int mr = Math.min(MR, mc - ir);
            int row0 = (i0 + ir) * pixels;
            // walk the k range one image at a time; within an image each row is contiguous
            for (int j = p0; j < p0 + kc; ) {
                int img = j / pixels, pix = j % pixels;
                int len = Math.min(p0 + kc - j, pixels - pix);
                int src = base + img * imageStride + row0 + pix;
                int d = idx + (j - p0) * MR;
                for (int t = 0; t < len; t++, d += MR) {
                    int r = 0;
                    for (; r < mr; r++) dst[d + r] = dy[src + r * pixels + t];
                    for (; r < MR; r++) dst[d + r] = 0f;
                }
                j += len;
            }
        }
    }
}
