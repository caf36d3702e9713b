package org.jvicreg.engine.cpu;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.PoolGeometry;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Max pooling against its definition written as a plain loop: each output is the first maximum of its
 * window in row-major order, padded positions never win, a NaN wins at once (PyTorch's rule), and the
 * backward pass sends each output's gradient to exactly that position. Values come from a small set so
 * ties are everywhere, with NaNs and signed zeros among them; the geometries include full 3 x 3 windows
 * (which take an unrolled path), clipped ones at the borders, and the stem's 3 x 3 stride-2 pooling on rows
 * wide enough for its vector path ({@link MaxPool3x3Stride2}).
 */
class MaxPoolKernelsTest {

    private static int firstMax(float[] x, int plane, PoolGeometry g, int oy, int ox) {
        int best = -1;
        float m = 0;
        for (int i = oy * g.strideH() - g.padH(); i < oy * g.strideH() - g.padH() + g.kh(); i++) {
            for (int j = ox * g.strideW() - g.padW(); j < ox * g.strideW() - g.padW() + g.kw(); j++) {
                if (i < 0 || i >= g.h() || j < 0 || j >= g.w()) continue;
                float v = x[plane + i * g.w() + j];
                if (best >= 0 && Float.isNaN(m)) continue;
                if (best < 0 || v > m || Float.isNaN(v)) {
                    m = v;
                    best = plane + i * g.w() + j;
                }
            }
        }
        return best;
    }

    private static void check(PoolGeometry g) {
        Rng rng = new Rng(g.hashCode());
        float[] values = {-1f, -0f, 0f, 1f, 2f, 2f, Float.NaN};
        float[] x = new float[g.n() * g.c() * g.h() * g.w()];
        for (int i = 0; i < x.length; i++) x[i] = values[rng.nextInt(i % 5 == 0 ? values.length : values.length - 1)];
        check(g, x, rng);
    }

    private static void check(PoolGeometry g, float[] x, Rng rng) {
        Tensor xt = Tensor.of(x, g.n(), g.c(), g.h(), g.w()), y = Tensor.zeros(g.n(), g.c(), g.oh(), g.ow());
        Tensor dy = Tensor.randn(rng, g.n(), g.c(), g.oh(), g.ow()), dx = Tensor.zeros(g.n(), g.c(), g.h(), g.w());
        CpuBackend.INSTANCE.maxPool2dForward(g, xt, y);
        CpuBackend.INSTANCE.maxPool2dBackward(g, xt, dy, dx);
        float[] yv = y.toArray(), dyv = dy.toArray(), dxv = dx.toArray();
        float[] dxRef = new float[x.length];
        for (int pl = 0; pl < g.n() * g.c(); pl++) {
            for (int oy = 0; oy < g.oh(); oy++) {
                for (int ox = 0; ox < g.ow(); ox++) {
                    int o = (pl * g.oh() + oy) * g.ow() + ox, at = firstMax(x, pl * g.h() * g.w(), g, oy, ox);
                    assertEquals(Float.floatToRawIntBits(x[at]), Float.floatToRawIntBits(yv[o]), g + " output " + o);
                    dxRef[at] += dyv[o];
                }
            }
        }
        for (int i = 0; i < x.length; i++) assertEquals(dxRef[i], dxv[i], g + " input gradient " + i);
    }

    @Test
    void firstMaximumWinsNaNFirstPaddingNever() {
        check(new PoolGeometry(2, 3, 9, 11, 3, 3, 2, 2, 1, 1));   // ResNet's stem pooling, odd sizes
        check(new PoolGeometry(1, 2, 12, 70, 3, 3, 2, 2, 1, 1));  // the same, rows of several vectors and a tail
        check(new PoolGeometry(2, 1, 7, 67, 3, 3, 2, 2, 1, 1));   // odd width: the last window's right column is padding
        check(new PoolGeometry(1, 2, 8, 8, 3, 3, 1, 1, 0, 0));    // only full 3x3 windows, overlapping
        check(new PoolGeometry(2, 2, 7, 6, 2, 2, 2, 2, 0, 0));
        check(new PoolGeometry(1, 4, 5, 9, 3, 2, 1, 2, 1, 1));    // rectangular window
    }

    /** Planes of one value: every window a tie, won by its first position; -inf still beats padding. */
    @Test
    void constantPlanesGiveEachWindowsFirstPosition() {
        for (float v : new float[] {Float.NEGATIVE_INFINITY, 0f, Float.NaN}) {
            for (PoolGeometry g : new PoolGeometry[] {new PoolGeometry(1, 1, 6, 67, 3, 3, 2, 2, 1, 1),
                    new PoolGeometry(1, 1, 5, 8, 3, 3, 1, 1, 1, 1)}) {
                float[] x = new float[g.h() * g.w()];
                java.util.Arrays.fill(x, v);
                check(g, x, new Rng(7));
            }
        }
    }
}
