package org.jvicreg.engine.cpu;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.ConvGeometry;

import java.util.Arrays;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batch-last Winograd F(4x4, 3x3) against a float64 direct convolution, per pass, on recipe R's 3x3 stride-1
 * layers (16-128 channels at 28 down to 4 px) and on odd sizes: the error is the largest absolute difference
 * over the largest absolute reference value of the output tensor, at most 1e-4 (printed per layer).
 */
class BatchLastWinogradTest {
    static final double LIMIT = 1e-4;
    static final int MR = SgemmKernel.MR, NR = SgemmKernel.NR;

    /** n, c, k, h, w. */
    static final int[][] SHAPES = {
        {NR, 16, 16, 28, 28}, {NR, 32, 32, 14, 14}, {2 * NR, 64, 64, 7, 7}, {NR, 128, 128, 4, 4},
        {NR, MR, 2 * MR, 5, 7}, {2 * NR, 2 * MR, MR, 1, 1}, {NR, 3 * MR, 3 * MR, 2, 3}, {NR, MR, MR, 6, 1}, {NR, MR, MR, 9, 10},
        {8 * NR, 16, 16, 9, 10}, {NR, 32, 16, 5, 3}, {NR, 256, 256, 4, 4}};

    @Test
    void everyPassWithinTheLimitOfFloat64() {
        StringBuilder table = new StringBuilder("batch-last Winograd F(4x4, 3x3) error, max |err| / max |ref|: forward, input gradient, filter gradient (NaN: not covered)\n");
        for (int[] s : SHAPES) {
            int n = s[0], c = s[1], k = s[2], h = s[3], w = s[4];
            ConvGeometry nchw = new ConvGeometry(n, c, h, w, k, 3, 3, 1, 1, 1, 1, 1, 1, 1);
            ConvGeometry g = nchw.withLayout(ConvGeometry.Layout.BATCH_LAST);
            assertTrue(BatchLastWinograd.forwardFits(g) && BatchLastWinograd.backwardDataFits(g), g.toString());
            Rng rng = new Rng(23 + c * 31 + h);
            int xn = n * c * h * w, wn = k * c * 9, yn = n * k * h * w, xo = 3, wo = 5, yo = 7;
            float[] x = ConvKernelsTest.random(rng, xo + xn), wt = ConvKernelsTest.random(rng, wo + wn);
            float[] dy = ConvKernelsTest.random(rng, yo + yn);
            double[] yRef = new double[yn], dxRef = new double[xn], dwRef = new double[wn];
            // the reference visits NCHW indices; batch-last index of (b, channel, pixel) is (channel * hw + pixel) * n + b
            int hw = h * w;
            ConvKernelsTest.forEachProduct(nchw, (yi, xi, wi) -> {
                int yl = batchLast(yi, k, hw, n), xl = batchLast(xi, c, hw, n);
                yRef[yl] += (double) x[xo + xl] * wt[wo + wi];
                dxRef[xl] += (double) dy[yo + yl] * wt[wo + wi];
                dwRef[wi] += (double) dy[yo + yl] * x[xo + xl];
            });
            float[] y = Winograd3x3Test.filled(yo + yn + 4), dx = Winograd3x3Test.filled(xo + xn + 4);
            BatchLastWinograd.forward(g, x, xo, wt, wo, y, yo);
            BatchLastWinograd.backwardData(g, dy, yo, wt, wo, dx, xo);
            double ey = Winograd3x3Test.error(yRef, y, yo), ex = Winograd3x3Test.error(dxRef, dx, xo), ew = Double.NaN;
            if (BatchLastWinograd.backwardFilterFits(g)) {
                float[] dw = Winograd3x3Test.filled(wo + wn + 4);
                BatchLastWinograd.backwardFilter(g, x, xo, dy, yo, dw, wo);
                ew = Winograd3x3Test.error(dwRef, dw, wo);
                assertTrue(ew <= LIMIT, g + ": filter gradient error " + ew);
                Winograd3x3Test.assertUntouched(dw, wo, wn, g + " filter gradient");
            }
            table.append(String.format(Locale.ROOT, "  n=%d c=%d k=%d %dx%d: %.2e %.2e %.2e%n", n, c, k, h, w, ey, ex, ew));
            assertTrue(ey <= LIMIT && ex <= LIMIT, g + ": errors " + ey + ", " + ex);
            Winograd3x3Test.assertUntouched(y, yo, yn, g + " forward");
            Winograd3x3Test.assertUntouched(dx, xo, xn, g + " input gradient");
        }
        System.out.print(table);
    }

    @Test
    void shapesOutsideItsReachAreRefused() {
        ConvGeometry ok = new ConvGeometry(NR, MR, 8, 8, MR, 3, 3, 1, 1, 1, 1, 1, 1, 1).withLayout(ConvGeometry.Layout.BATCH_LAST);
        assertTrue(BatchLastWinograd.forwardFits(ok));
        ConvGeometry[] refused = {
            ok.withLayout(ConvGeometry.Layout.NCHW),
            new ConvGeometry(NR, MR, 8, 8, MR, 3, 3, 2, 2, 1, 1, 1, 1, 1).withLayout(ConvGeometry.Layout.BATCH_LAST),
            new ConvGeometry(NR, MR, 8, 8, MR, 3, 3, 1, 1, 0, 0, 1, 1, 1).withLayout(ConvGeometry.Layout.BATCH_LAST),
            new ConvGeometry(NR + 1, MR, 8, 8, MR, 3, 3, 1, 1, 1, 1, 1, 1, 1).withLayout(ConvGeometry.Layout.BATCH_LAST),
            new ConvGeometry(NR, MR, 8, 8, MR, 1, 1, 1, 1, 0, 0, 1, 1, 1).withLayout(ConvGeometry.Layout.BATCH_LAST)};
        for (ConvGeometry g : refused) assertTrue(!BatchLastWinograd.forwardFits(g) && !BatchLastWinograd.backwardDataFits(g), g.toString());
        ConvGeometry oddOut = new ConvGeometry(NR, MR, 8, 8, MR + 1, 3, 3, 1, 1, 1, 1, 1, 1, 1).withLayout(ConvGeometry.Layout.BATCH_LAST);
        assertTrue(!BatchLastWinograd.forwardFits(oddOut) && BatchLastWinograd.backwardDataFits(oddOut));
    }

    /**
     * By default (-Djvicreg.cpu.winograd=auto) the backend sends a batch-last 3x3 layer here when both channel
     * counts are from 16 to 256, and to the direct kernels outside that: the results say which ran, bitwise.
     */
    @Test
    void theBackendChoosesItByTheRule() {
        for (int channels : new int[] {8, 16, 512}) {
            ConvGeometry g = new ConvGeometry(NR, channels, 4, 4, channels, 3, 3, 1, 1, 1, 1, 1, 1, 1).withLayout(ConvGeometry.Layout.BATCH_LAST);
            Rng rng = new Rng(channels);
            Tensor x = Tensor.randn(rng, g.c(), g.h(), g.w(), g.n());
            Tensor w = Tensor.randn(rng, g.k(), g.c(), 3, 3);
            Tensor y = Tensor.zeros(g.k(), g.p(), g.q(), g.n());
            CpuBackend.INSTANCE.conv2dForward(g, x, w, y);
            float[] winograd = new float[y.numel()], direct = new float[y.numel()];
            BatchLastWinograd.forward(g, x.toArray(), 0, w.toArray(), 0, winograd, 0);
            BatchLastConv.forward(g, x.toArray(), 0, w.toArray(), 0, direct, 0);
            assertTrue(!Arrays.equals(winograd, direct), "the two algorithms round differently");
            assertTrue(Arrays.equals(y.toArray(), channels == 16 ? winograd : direct), channels + " channels: the wrong kernel ran");
        }
    }

    /**
     * The filter gradient goes here wherever it fits with at least 16 channels each way, however many: the
     * results say which ran, bitwise.
     */
    @Test
    void theBackendChoosesItForTheFilterGradientByTheRule() {
        for (int channels : new int[] {16, 128}) {
            ConvGeometry g = new ConvGeometry(NR, channels, 4, 4, channels, 3, 3, 1, 1, 1, 1, 1, 1, 1).withLayout(ConvGeometry.Layout.BATCH_LAST);
            Rng rng = new Rng(channels + 1);
            Tensor x = Tensor.randn(rng, g.c(), g.h(), g.w(), g.n());
            Tensor dy = Tensor.randn(rng, g.k(), g.p(), g.q(), g.n());
            Tensor dw = Tensor.zeros(g.k(), g.c(), 3, 3);
            CpuBackend.INSTANCE.conv2dBackwardFilter(g, x, dy, dw);
            float[] winograd = new float[dw.numel()], direct = new float[dw.numel()];
            BatchLastWinograd.backwardFilter(g, x.toArray(), 0, dy.toArray(), 0, winograd, 0);
            BatchLastConv.backwardFilter(g, x.toArray(), 0, dy.toArray(), 0, direct, 0);
            assertTrue(!Arrays.equals(winograd, direct), "the two algorithms round differently");
            assertTrue(Arrays.equals(dw.toArray(), winograd), channels + " channels: the direct kernel ran");
        }
    }

    /** The batch-last index of NCHW index i of a tensor with this many channels, pixels per plane and images. */
    private static int batchLast(int i, int channels, int hw, int n) {
        int b = i / (channels * hw), rest = i % (channels * hw);
        return rest * n + b;
    }
}
