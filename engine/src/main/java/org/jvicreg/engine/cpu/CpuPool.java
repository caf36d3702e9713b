package org.jvicreg.engine.cpu;

import org.jvicreg.engine.backend.PoolGeometry;

/** Max, average and adaptive average pooling on NCHW float arrays, one plane per task. */
final class CpuPool {
    private CpuPool() {}

    static void maxForward(PoolGeometry g, float[] x, int xo, float[] y, int yo) {
        int hw = g.h() * g.w(), ohw = g.oh() * g.ow();
        Parallel.forRange(g.n() * g.c(), 4, (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int in = xo + pl * hw, out = yo + pl * ohw;
                for (int oy = 0; oy < g.oh(); oy++) {
                    for (int ox = 0; ox < g.ow(); ox++) {
                        y[out + oy * g.ow() + ox] = x[in + argmax(g, x, in, oy, ox)];
                    }
                }
            }
        });
    }

    /** Offset within the plane of the first maximum of the window (padded positions never win). */
    private static int argmax(PoolGeometry g, float[] x, int in, int oy, int ox) {
        int h0 = oy * g.strideH() - g.padH(), w0 = ox * g.strideW() - g.padW();
        int best = -1;
        float m = Float.NEGATIVE_INFINITY;
        for (int i = Math.max(0, h0); i < Math.min(g.h(), h0 + g.kh()); i++) {
            for (int j = Math.max(0, w0); j < Math.min(g.w(), w0 + g.kw()); j++) {
                float v = x[in + i * g.w() + j];
                if (best < 0 || v > m || Float.isNaN(v)) {
                    m = v;
                    best = i * g.w() + j;
                    if (Float.isNaN(v)) return best;
                }
            }
        }
        return best;
    }

    static void maxBackward(PoolGeometry g, float[] x, int xo, float[] dy, int dyo, float[] dx, int dxo) {
        int hw = g.h() * g.w(), ohw = g.oh() * g.ow();
        Parallel.forRange(g.n() * g.c(), 4, (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int in = xo + pl * hw, out = dyo + pl * ohw, d = dxo + pl * hw;
                java.util.Arrays.fill(dx, d, d + hw, 0f);
                for (int oy = 0; oy < g.oh(); oy++) {
                    for (int ox = 0; ox < g.ow(); ox++) {
                        dx[d + argmax(g, x, in, oy, ox)] += dy[out + oy * g.ow() + ox];
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
