package org.jvicreg.engine.cpu;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.F;
import org.jvicreg.engine.Fixtures;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The batch-last convolution (x (C, H, W, N) -> y (K, P, Q, N)) gives the NCHW convolution's output and
 * both gradients, on the shapes its direct kernels take (batch a multiple of 32, channels of 24 and 48 so
 * the 8-row and 6-row register tiles both apply) and on the shapes that fall back to permuting to NCHW
 * (odd batch, channel counts the tiles do not divide, a 1-channel stem). The NCHW convolution itself is
 * checked against plain loops in ConvKernelsTest.
 */
class BatchLastConvTest {

    /** Batch, in channels, out channels, height, width, filter, stride, padding. */
    private static final int[][] SHAPES = {
        {32, 24, 24, 7, 7, 3, 1, 1},   // 3x3 stride 1 (ResNet-18's stages)
        {32, 24, 48, 9, 9, 3, 2, 1},   // the strided first 3x3 of a stage, odd input
        {32, 24, 48, 8, 6, 3, 2, 1},   // even, rectangular input
        {32, 24, 48, 9, 9, 1, 2, 0},   // 1x1 stride-2 downsample
        {32, 48, 24, 5, 5, 1, 1, 0},   // 1x1
        {32, 1, 24, 10, 10, 3, 1, 1},  // 1-channel stem (SingleChannelConv): its input gradient takes the fallback
        {64, 1, 16, 9, 7, 3, 2, 1},    // 1 channel, strided, rectangular
        {32, 1, 8, 6, 6, 3, 1, 0},     // 1 channel, no padding
        {32, 1, 16, 7, 7, 5, 1, 2},    // 1 channel, 5x5: forward here, filter gradient in BatchLastConv
        {32, 16, 24, 7, 7, 3, 1, 1},   // 16 channels: the filter gradient's narrow (8 x 16) tile
        {32, 16, 48, 8, 8, 3, 2, 1},
        {32, 16, 16, 6, 6, 5, 1, 2},   // 5x5 at 16 channels: three taps of a filter row at once, then one by one
        {32, 12, 24, 6, 6, 3, 1, 1},   // 12 channels: the narrow tile with 4 zero channels
        {64, 24, 24, 4, 4, 3, 1, 1},   // 4 x 4 (recipe R's last stage), two image blocks
        {192, 16, 16, 5, 5, 3, 1, 1},  // six image blocks: two sweeps of three at each pixel
        {192, 24, 24, 5, 5, 3, 2, 1},  // the same, strided (the input gradient gathers taps)
        {32, 16, 16, 12, 12, 3, 1, 1}, // 12 output columns: two strips of 6
        {32, 24, 24, 17, 17, 3, 2, 1}, // strided: an input gradient over three strips of 17 columns
        {32, 24, 24, 6, 6, 5, 1, 2},   // 5x5, padding 2
        {32, 24, 24, 5, 5, 3, 1, 0},   // no padding
        {32, 24, 24, 3, 3, 3, 1, 2},   // padding past the filter reach: output pixels with no tap inside
        {32, 24, 24, 9, 9, 3, 3, 1},   // stride 3
        {32, 24, 24, 2, 2, 3, 2, 1},   // 2 x 2 -> 1 x 1 (a ResNet-50's last stage at 32 px)
        {32, 24, 48, 2, 2, 1, 2, 0},   // its downsample
        {32, 64, 64, 2, 2, 3, 2, 1},
        {5, 24, 24, 6, 6, 3, 1, 1},    // batch not a multiple of the image block: fallback
        {32, 10, 12, 6, 6, 3, 2, 1},   // channels the register tiles do not divide: fallback
    };

    @Test
    void matchesTheNchwConvolution() {
        for (int[] sh : SHAPES) {
            int n = sh[0], c = sh[1], k = sh[2], h = sh[3], w = sh[4], f = sh[5], stride = sh[6], pad = sh[7];
            String what = String.format("n%d c%d k%d %dx%d %dx%d s%d p%d", n, c, k, h, w, f, f, stride, pad);
            Rng rng = new Rng(what.hashCode());
            Tensor x = Tensor.randn(rng, n, c, h, w).requiresGrad(true), wt = Tensor.randn(rng, k, c, f, f).requiresGrad(true);
            Tensor y = F.conv2d(x, wt, stride, pad);
            Tensor dy = Tensor.randn(rng, y.shape());
            y.backward(dy);
            Tensor dxRef = x.grad(), dwRef = wt.grad();

            Tensor xl = x.detach().permute(1, 2, 3, 0).requiresGrad(true);
            Tensor wl = wt.detach().requiresGrad(true);
            Tensor yl = F.conv2dBatchLast(xl, wl, stride, pad);
            assertEquals(java.util.List.of(k, y.size(2), y.size(3), n), java.util.Arrays.stream(yl.shape()).boxed().toList(), what);
            yl.backward(dy.permute(1, 2, 3, 0));
            Fixtures.assertClose(what + " forward", y.permute(1, 2, 3, 0), yl, 1e-5);
            Fixtures.assertClose(what + " input gradient", dxRef.permute(1, 2, 3, 0), xl.grad(), 1e-5);
            Fixtures.assertClose(what + " filter gradient", dwRef, wl.grad(), 1e-5);
        }
    }

    @Test
    void rejectsMismatchedShapes() {
        Tensor x = Tensor.zeros(3, 5, 5, 32);
        var e = assertThrows(IllegalArgumentException.class, () -> F.conv2dBatchLast(x, Tensor.zeros(8, 4, 3, 3), 1, 1));
        assertEquals("conv2dBatchLast: weight must be (K, C, R, S) with C = 3 (the input's channels), got [8, 4, 3, 3]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> F.conv2dBatchLast(x, Tensor.zeros(8, 3, 7, 7), 1, 0));
    }
}
