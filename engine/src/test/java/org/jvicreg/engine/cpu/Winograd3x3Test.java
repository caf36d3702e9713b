package org.jvicreg.engine.cpu;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.ConvGeometry;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Winograd F(2x2, 3x3) against a float64 direct convolution, per pass: the error is the largest absolute
 * difference over the largest absolute reference value of the output tensor, at most 1e-4 (printed per layer).
 */
class Winograd3x3Test {
    static final double LIMIT = 1e-4;

    /** n, c, k, h, w: the 3x3 stride-1 layers of ResNet-50 (batch 2) and of recipe R's ResNet-18 (width 16), then edge cases. */
    static final int[][] SHAPES = {
        {2, 64, 64, 56, 56}, {2, 128, 128, 28, 28}, {2, 256, 256, 14, 14}, {2, 512, 512, 7, 7},
        {2, 16, 16, 28, 28}, {2, 32, 32, 14, 14}, {2, 64, 64, 7, 7}, {2, 128, 128, 4, 4},
        {3, 5, 7, 9, 6}, {1, 3, 2, 1, 1}, {2, 4, 9, 1, 5}, {1, 17, 33, 3, 2},
        {3, 16, 32, 9, 6}, {1, 32, 16, 1, 1}, {2, 16, 48, 5, 3}, {1, 48, 16, 2, 11}};

    @Test
    void everyPassWithinTheLimitOfFloat64() {
        StringBuilder table = new StringBuilder("NCHW Winograd F(2x2, 3x3) and F(4x4, 3x3) error, max |err| / max |ref|: forward, input gradient, filter gradient\n");
        for (int[] s : SHAPES) {
            ConvGeometry g = new ConvGeometry(s[0], s[1], s[3], s[4], s[2], 3, 3, 1, 1, 1, 1, 1, 1, 1);
            assertTrue(Winograd3x3.fits(g), g.toString());
            Rng rng = new Rng(17 + s[1] * 31 + s[3]);
            int xn = g.n() * g.c() * g.h() * g.w(), wn = g.k() * g.c() * 9, yn = g.n() * g.k() * g.p() * g.q();
            int xo = 3, wo = 5, yo = 7;
            float[] x = ConvKernelsTest.random(rng, xo + xn), w = ConvKernelsTest.random(rng, wo + wn);
            float[] dy = ConvKernelsTest.random(rng, yo + yn);
            double[] yRef = new double[yn], dxRef = new double[xn], dwRef = new double[wn];
            ConvKernelsTest.forEachProduct(g, (yi, xi, wi) -> {
                yRef[yi] += (double) x[xo + xi] * w[wo + wi];
                dxRef[xi] += (double) dy[yo + yi] * w[wo + wi];
                dwRef[wi] += (double) dy[yo + yi] * x[xo + xi];
            });
            for (String kernel : new String[] {"F(2x2)", "F(4x4)"}) {
                boolean f4 = kernel.equals("F(4x4)");
                if (f4 && !Winograd4x4.fits(g)) continue;
                float[] y = filled(yo + yn + 4), dx = filled(xo + xn + 4), dw = filled(wo + wn + 4);
                if (f4) {
                    Winograd4x4.forward(g, x, xo, w, wo, y, yo);
                    Winograd4x4.backwardData(g, dy, yo, w, wo, dx, xo);
                    Winograd4x4.backwardFilter(g, x, xo, dy, yo, dw, wo);
                } else {
                    Winograd3x3.forward(g, x, xo, w, wo, y, yo);
                    Winograd3x3.backwardData(g, dy, yo, w, wo, dx, xo);
                    Winograd3x3.backwardFilter(g, x, xo, dy, yo, dw, wo);
                }
                double ey = error(yRef, y, yo), ex = error(dxRef, dx, xo), ew = error(dwRef, dw, wo);
                String what = kernel + " " + g;
                table.append(String.format(Locale.ROOT, "  %s n=%d c=%d k=%d %dx%d: %.2e %.2e %.2e%n", kernel, s[0], s[1], s[2], s[3], s[4], ey, ex, ew));
                assertTrue(ey <= LIMIT && ex <= LIMIT && ew <= LIMIT, what + ": errors " + ey + ", " + ex + ", " + ew);
                assertUntouched(y, yo, yn, what + " forward");
                assertUntouched(dx, xo, xn, what + " input gradient");
                assertUntouched(dw, wo, wn, what + " filter gradient");
            }
        }
        System.out.print(table);
    }

    /** NaN everywhere: every output element must be written, never accumulated into. */
    static float[] filled(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, Float.NaN);
        return a;
    }

    /** Outside [off, off + n) the array keeps its NaNs: nothing is written before or past the tensor. */
    static void assertUntouched(float[] a, int off, int n, String what) {
        for (int i = 0; i < a.length; i++) {
            if (i < off || i >= off + n) assertTrue(Float.isNaN(a[i]), what + " wrote index " + i + " outside the tensor");
        }
    }

    static double error(double[] ref, float[] got, int off) {
        double err = 0, max = 0;
        for (int i = 0; i < ref.length; i++) {
            err = Math.max(err, Math.abs(ref[i] - got[off + i]));
            max = Math.max(max, Math.abs(ref[i]));
        }
        return Double.isNaN(err) || max == 0 ? Double.NaN : err / max;
    }

    @Test
    void theBackendChoosesItByTheRule() {
        // {images, channels, size, kernel (0 direct, 2 F(2x2), 4 F(4x4))}: F(4x4) from 64 channels (multiples of
        // the vector length) and 64 4x4 tiles; F(2x2) for other channel counts from 256, with 256 2x2 tiles
        for (int[] c : new int[][] {{4, 64, 16, 4}, {1, 64, 16, 0}, {3, 64, 16, 0}, {4, 48, 16, 0}, {1, 256, 32, 4},
                                    {1, 256, 28, 0}, {1, 260, 32, 2}, {1, 260, 30, 0}}) {
            ConvGeometry g = new ConvGeometry(c[0], c[1], c[2], c[2], c[1], 3, 3, 1, 1, 1, 1, 1, 1, 1);
            CpuConv.NchwWinograd expected = c[3] == 4 ? CpuConv.NchwWinograd.F4X4 : c[3] == 2 ? CpuConv.NchwWinograd.F2X2 : null;
            assertTrue(expected == CpuConv.winograd(g), g + ": " + CpuConv.winograd(g) + ", expected " + expected);
            Rng rng = new Rng(c[1] + c[2]);
            Tensor x = Tensor.randn(rng, g.n(), g.c(), g.h(), g.w());
            Tensor w = Tensor.randn(rng, g.k(), g.c(), 3, 3);
            Tensor y = Tensor.zeros(g.n(), g.k(), g.p(), g.q());
            CpuBackend.INSTANCE.conv2dForward(g, x, w, y);
            float[] f2 = new float[y.numel()], f4 = new float[y.numel()];
            Winograd3x3.forward(g, x.toArray(), 0, w.toArray(), 0, f2, 0);
            boolean ranF4 = Winograd4x4.fits(g);
            if (ranF4) Winograd4x4.forward(g, x.toArray(), 0, w.toArray(), 0, f4, 0);
            assertTrue((expected == CpuConv.NchwWinograd.F2X2) == java.util.Arrays.equals(y.toArray(), f2), g + ": F(2x2) ran or did not");
            assertTrue((expected == CpuConv.NchwWinograd.F4X4) == (ranF4 && java.util.Arrays.equals(y.toArray(), f4)), g + ": F(4x4) ran or did not");
        }
    }
}
