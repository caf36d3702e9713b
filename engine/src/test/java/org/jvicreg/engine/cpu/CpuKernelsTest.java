package org.jvicreg.engine.cpu;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.F;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sizes large enough to take the multi-threaded and vectorised paths, against plain double-precision
 * loops written here.
 */
class CpuKernelsTest {

    private static void assertNear(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double maxErr = 0, maxRef = 0;
        for (int i = 0; i < expected.length; i++) {
            maxErr = Math.max(maxErr, Math.abs(expected[i] - actual[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        assertTrue(maxErr <= tol * Math.max(1, maxRef), what + ": max error " + maxErr + " (max ref " + maxRef + ")");
    }

    @Test
    void broadcastArithmeticLarge() {
        Rng rng = new Rng(1);
        Tensor a = Tensor.randn(rng, 8, 64, 33, 17), b = Tensor.randn(rng, 1, 64, 1, 1), c = Tensor.randn(rng, 17);
        float[] av = a.toArray(), bv = b.toArray(), cv = c.toArray();
        float[] expected = new float[av.length];
        for (int i = 0; i < av.length; i++) {
            int ch = (i / (33 * 17)) % 64, w = i % 17;
            expected[i] = (av[i] * bv[ch]) - cv[w];
        }
        assertNear(expected, a.mul(b).sub(c).toArray(), 1e-6, "a*b - c");
        float[] relu = a.relu().toArray();
        for (int i = 0; i < av.length; i++) assertEquals(Math.max(0f, av[i]), relu[i]);
    }

    @Test
    void reductionsLarge() {
        Rng rng = new Rng(2);
        Tensor x = Tensor.randn(rng, 3000, 301);
        float[] v = x.toArray();
        double total = 0;
        double[] cols = new double[301], rows = new double[3000];
        for (int i = 0; i < 3000; i++) {
            for (int j = 0; j < 301; j++) {
                total += v[i * 301 + j];
                cols[j] += v[i * 301 + j];
                rows[i] += v[i * 301 + j];
            }
        }
        assertEquals(total, x.sum().item(), 1e-2);
        float[] colSum = x.sum(0, false).toArray(), rowSum = x.sum(1, false).toArray();
        for (int j = 0; j < 301; j++) assertEquals(cols[j], colSum[j], 1e-3);
        for (int i = 0; i < 3000; i++) assertEquals(rows[i], rowSum[i], 1e-4);
        float[] colMax = x.max(0, false).toArray(), argmax = x.argmax(0, false).toArray();
        for (int j = 0; j < 301; j++) {
            float m = Float.NEGATIVE_INFINITY;
            int arg = -1;
            for (int i = 0; i < 3000; i++) if (v[i * 301 + j] > m) { m = v[i * 301 + j]; arg = i; }
            assertEquals(m, colMax[j]);
            assertEquals(arg, (int) argmax[j]);
        }
    }

    /** Direct convolution in double, the definition. */
    private static float[] directConv(float[] x, float[] w, int n, int c, int h, int wd, int k, int r, int s,
                                      int stride, int pad, int groups) {
        int p = (h + 2 * pad - r) / stride + 1, q = (wd + 2 * pad - s) / stride + 1, cg = c / groups, kg = k / groups;
        float[] y = new float[n * k * p * q];
        for (int b = 0; b < n; b++) for (int o = 0; o < k; o++) {
            int g = o / kg;
            for (int i = 0; i < p; i++) for (int j = 0; j < q; j++) {
                double acc = 0;
                for (int ci = 0; ci < cg; ci++) for (int ri = 0; ri < r; ri++) for (int si = 0; si < s; si++) {
                    int ih = i * stride - pad + ri, iw = j * stride - pad + si;
                    if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                    acc += (double) x[((b * c + g * cg + ci) * h + ih) * wd + iw] * w[((o * cg + ci) * r + ri) * s + si];
                }
                y[((b * k + o) * p + i) * q + j] = (float) acc;
            }
        }
        return y;
    }

    @Test
    void convolutionManyImagesAgainstDirect() {
        Rng rng = new Rng(3);
        int[][] cases = {{5, 6, 12, 11, 8, 3, 3, 1, 1, 1}, {4, 8, 9, 9, 10, 3, 3, 2, 1, 2}, {3, 16, 7, 7, 12, 1, 1, 1, 0, 1}};
        for (int[] cs : cases) {
            int n = cs[0], c = cs[1], h = cs[2], wd = cs[3], k = cs[4], r = cs[5], s = cs[6], st = cs[7], pad = cs[8], g = cs[9];
            Tensor x = Tensor.randn(rng, n, c, h, wd), w = Tensor.randn(rng, k, c / g, r, s);
            float[] expected = directConv(x.toArray(), w.toArray(), n, c, h, wd, k, r, s, st, pad, g);
            assertNear(expected, F.conv2d(x, w, null, st, pad, 1, g).toArray(), 1e-5, "conv " + java.util.Arrays.toString(cs));
            // backward-filter sums over images in per-thread partials: compare with the sum of per-image gradients
            x.requiresGrad(true);
            w.requiresGrad(true);
            Tensor y = F.conv2d(x, w, null, st, pad, 1, g);
            Tensor gy = Tensor.randn(rng, y.shape());
            y.backward(gy);
            float[] total = new float[w.numel()];
            for (int b = 0; b < n; b++) {
                Tensor wb = w.detach().requiresGrad(true);
                F.conv2d(x.detach().narrow(0, b, 1), wb, null, st, pad, 1, g).backward(gy.narrow(0, b, 1));
                float[] gb = wb.grad().toArray();
                for (int i = 0; i < total.length; i++) total[i] += gb[i];
            }
            assertNear(total, w.grad().toArray(), 1e-5, "conv dW " + java.util.Arrays.toString(cs));
        }
    }

    @Test
    void columnStdHingeMatchesComposedOps() {
        Rng rng = new Rng(4);
        int n = 37, d = 300;
        Tensor z = Tensor.randn(rng, n, d).mul(Tensor.rand(rng, d).mul(2f));
        Tensor zc = Tensor.zeros(n, d), std = Tensor.zeros(d), hg = Tensor.zeros(n, d);
        CpuBackend.INSTANCE.columnStdHinge(n, d, z, 1e-4f, zc, std, hg);
        Tensor expectedZc = z.sub(z.mean(0, true));
        Tensor expectedStd = z.var(0, true, false).add(1e-4f).sqrt();
        assertNear(expectedZc.toArray(), zc.toArray(), 1e-6, "zc");
        assertNear(expectedStd.toArray(), std.toArray(), 1e-6, "std");
        Tensor zv = z.detach().requiresGrad(true);
        zv.var(0, true, false).add(1e-4f).sqrt().neg().add(1f).relu().sum().backward();
        assertNear(zv.grad().toArray(), hg.toArray(), 1e-5, "hinge gradient");
    }
}
