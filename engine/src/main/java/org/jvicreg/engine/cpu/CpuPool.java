package org.jvicreg.engine.cpu;

import org.jvicreg.engine.backend.PoolGeometry;

/** Max, average and adaptive average pooling on NCHW float arrays, one plane per task. */
final class CpuPool {
    private CpuPool() {}

    static void maxForward(PoolGeometry g, float[] x, int xo, float[] y, int yo) {
        if (MaxPool3x3Stride2.applies(g)) {
            MaxPool3x3Stride2.forward(g, x, xo, y, yo);
            return;
        }
        int hw = g.h() * g.w(), oh = g.oh(), ow = g.ow(), w = g.w();
        Window rows = Window.of(oh, g.h(), g.kh(), g.strideH(), g.padH()), cols = Window.of(ow, w, g.kw(), g.strideW(), g.padW());
        Parallel.forRange(g.n() * g.c(), 4, (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int in = xo + pl * hw, out = yo + pl * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        y[out + oy * ow + ox] = x[in + argmax(x, in, w, rows.lo[oy], rows.hi[oy], cols.lo[ox], cols.hi[ox])];
                    }
                }
            }
        });
    }

    /** Each output's clipped input range [lo, hi) along one axis: padded positions never take part. */
    private record Window(int[] lo, int[] hi) {
        static Window of(int outputs, int size, int kernel, int stride, int pad) {
            int[] lo = new int[outputs], hi = new int[outputs];
            for (int o = 0; o < outputs; o++) {
                int start = o * stride - pad;
                lo[o] = Math.max(0, start);
                hi[o] = Math.min(size, start + kernel);
            }
            return new Window(lo, hi);
        }
    }

    /**
     * Offset within the plane of the first maximum of rows [i0, i1) x columns [j0, j1) in row-major order;
     * the first NaN wins, as in PyTorch. Full 3 x 3 windows (ResNet's stem pooling) take an unrolled path:
     * a max tree then a first-match scan written as conditional moves, where the loop's dependent compares
     * and data-dependent branches serialise on random data.
     */
    private static int argmax(float[] x, int in, int w, int i0, int i1, int j0, int j1) {
        if (i1 - i0 == 3 && j1 - j0 == 3) {
            int p = in + i0 * w + j0;
            float a0 = x[p], a1 = x[p + 1], a2 = x[p + 2];
            float b0 = x[p + w], b1 = x[p + w + 1], b2 = x[p + w + 2];
            float c0 = x[p + 2 * w], c1 = x[p + 2 * w + 1], c2 = x[p + 2 * w + 2];
            float m = Math.max(Math.max(Math.max(a0, a1), Math.max(a2, b0)),
                    Math.max(Math.max(b1, b2), Math.max(Math.max(c0, c1), c2)));
            if (m == m) {
                int k = 2 * w + 2;
                k = c1 == m ? 2 * w + 1 : k;
                k = c0 == m ? 2 * w : k;
                k = b2 == m ? w + 2 : k;
                k = b1 == m ? w + 1 : k;
                k = b0 == m ? w : k;
                k = a2 == m ? 2 : k;
                k = a1 == m ? 1 : k;
                k = a0 == m ? 0 : k;
                return i0 * w + j0 + k;
            }
        }
        int best = i0 * w + j0;
        float m = x[in + best];
        for (int i = i0; i < i1; i++) {
            for (int j = j0; j < j1; j++) {
                float v = x[in + i * w + j];
                if (v > m || (v != v && m == m)) {
                    m = v;
                    best = i * w + j;
                }
            }
        }
        return best;
    }

    static void maxBackward(PoolGeometry g, float[] x, int xo, float[] dy, int dyo, float[] dx, int dxo) {
        if (MaxPool3x3Stride2.applies(g)) {
            MaxPool3x3Stride2.backward(g, x, xo, dy, dyo, dx, dxo);
            return;
        }
        int hw = g.h() * g.w(), oh = g.oh(), ow = g.ow(), w = g.w();
        Window rows = Window.of(oh, g.h(), g.kh(), g.strideH(), g.padH()), cols = Window.of(ow, w, g.kw(), g.strideW(), g.padW());
        Parallel.forRange(g.n() * g.c(), 4, (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int in = xo + pl * hw, out = dyo + pl * oh * ow, d = dxo + pl * hw;
                java.util.Arrays.fill(dx, d, d + hw, 0f);
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        dx[d + argmax(x, in, w, rows.lo[oy], rows.hi[oy], cols.lo[ox], cols.hi[ox])] += dy[out + oy * ow + ox];
                    }
                }
            }
        });
    }

    static void avgForward(PoolGeometry g, float[] x, int xo, float[] y, int yo) {
        int hw = g.h() * g.w(), ohw = g.oh() * g.ow();
        float inv = 1f / (g.kh() * g.kw());
        Parallel.forRange(g.n() * g.c(), 4, (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int in = xo + pl * hw, out = yo + pl * ohw;
                for (int oy = 0; oy < g.oh(); oy++) {
                    int h0 = oy * g.strideH() - g.padH();
                    for (int ox = 0; ox < g.ow(); ox++) {
                        int w0 = ox * g.strideW() - g.padW();
                        float s = 0;
                        for (int i = Math.max(0, h0); i < Math.min(g.h(), h0 + g.kh()); i++) {
                            for (int j = Math.max(0, w0); j < Math.min(g.w(), w0 + g.kw()); j++) s += x[in + i * g.w() + j];
                        }
                        y[out + oy * g.ow() + ox] = s * inv;
                    }
                }
            }
        });
    }

    static void avgBackward(PoolGeometry g, float[] dy, int dyo, float[] dx, int dxo) {
        int hw = g.h() * g.w(), ohw = g.oh() * g.ow();
        float inv = 1f / (g.kh() * g.kw());
        Parallel.forRange(g.n() * g.c(), 4, (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int out = dyo + pl * ohw, d = dxo + pl * hw;
                java.util.Arrays.fill(dx, d, d + hw, 0f);
                for (int oy = 0; oy < g.oh(); oy++) {
                    int h0 = oy * g.strideH() - g.padH();
                    for (int ox = 0; ox < g.ow(); ox++) {
                        int w0 = ox * g.strideW() - g.padW();
                        float v = dy[out + oy * g.ow() + ox] * inv;
                        for (int i = Math.max(0, h0); i < Math.min(g.h(), h0 + g.kh()); i++) {
                            for (int j = Math.max(0, w0); j < Math.min(g.w(), w0 + g.kw()); j++) dx[d + i * g.w() + j] += v;
                        }
                    }
                }
            }
        });
    }

    static int binStart(int i, int in, int out) {
        return (int) Math.floor((double) i * in / out);
    }

    static int binEnd(int i, int in, int out) {
        return (int) Math.ceil((double) (i + 1) * in / out);
    }

    static void adaptiveAvgForward(int nc, int h, int w, int oh, int ow, float[] x, int xo, float[] y, int yo) {
        Parallel.forRange(nc, 4, (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int in = xo + pl * h * w, out = yo + pl * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    int h0 = binStart(oy, h, oh), h1 = binEnd(oy, h, oh);
                    for (int ox = 0; ox < ow; ox++) {
                        int w0 = binStart(ox, w, ow), w1 = binEnd(ox, w, ow);
                        double s = 0;
                        for (int i = h0; i < h1; i++) for (int j = w0; j < w1; j++) s += x[in + i * w + j];
                        y[out + oy * ow + ox] = (float) (s / ((h1 - h0) * (w1 - w0)));
                    }
                }
            }
        });
    }

    static void adaptiveAvgBackward(int nc, int h, int w, int oh, int ow, float[] dy, int dyo, float[] dx, int dxo) {
        Parallel.forRange(nc, 4, (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int out = dyo + pl * oh * ow, d = dxo + pl * h * w;
                java.util.Arrays.fill(dx, d, d + h * w, 0f);
                for (int oy = 0; oy < oh; oy++) {
                    int h0 = binStart(oy, h, oh), h1 = binEnd(oy, h, oh);
                    for (int ox = 0; ox < ow; ox++) {
                        int w0 = binStart(ox, w, ow), w1 = binEnd(ox, w, ow);
                        float v = dy[out + oy * ow + ox] / ((h1 - h0) * (w1 - w0));
                        for (int i = h0; i < h1; i++) for (int j = w0; j < w1; j++) dx[d + i * w + j] += v;
                    }
                }
            }
        });
    }
}
