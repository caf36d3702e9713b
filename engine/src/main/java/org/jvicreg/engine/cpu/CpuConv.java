package org.jvicreg.engine.cpu;

import org.jvicreg.engine.backend.ConvGeometry;

/**
 * Convolution as GEMM (NCHW). Per image and group: forward Y = W * col(X); backward-data
 * col = W^T * dY scattered back by col2im; backward-filter dW += dY * col(X)^T. A 1x1 stride-1 unpadded
 * convolution needs no col buffer: X itself is the (C x HW) matrix. Images are split across threads;
 * each thread reuses its own col workspace.
 */
final class CpuConv {
    private static final ThreadLocal<float[][]> WORKSPACE = ThreadLocal.withInitial(() -> new float[1][0]);

    private CpuConv() {}

    private static float[] workspace(int size) {
        float[][] w = WORKSPACE.get();
        if (w[0].length < size) w[0] = new float[size];
        return w[0];
    }

    static void forward(ConvGeometry g, float[] x, int xo, float[] w, int wo, float[] y, int yo) {
        int pq = g.p() * g.q(), hw = g.h() * g.w(), crs = g.cg() * g.r() * g.s();
        Parallel.forRange(g.n(), 1, (lo, hi) -> {
            for (int img = lo; img < hi; img++) {
                for (int grp = 0; grp < g.groups(); grp++) {
                    int xOff = xo + (img * g.c() + grp * g.cg()) * hw;
                    int yOff = yo + (img * g.k() + grp * g.kg()) * pq;
                    int wOff = wo + grp * g.kg() * crs;
                    if (g.isPointwise()) {
                        Sgemm.gemm(false, false, g.kg(), pq, crs, 1f, w, wOff, crs, x, xOff, hw, 0f, y, yOff, pq);
                    } else {
                        float[] col = workspace(crs * pq);
                        im2col(g, x, xOff, col);
                        Sgemm.gemm(false, false, g.kg(), pq, crs, 1f, w, wOff, crs, col, 0, pq, 0f, y, yOff, pq);
                    }
                }
            }
        });
    }

    static void backwardData(ConvGeometry g, float[] dy, int dyo, float[] w, int wo, float[] dx, int dxo) {
        int pq = g.p() * g.q(), hw = g.h() * g.w(), crs = g.cg() * g.r() * g.s();
        Parallel.forRange(g.n(), 1, (lo, hi) -> {
            for (int img = lo; img < hi; img++) {
                for (int grp = 0; grp < g.groups(); grp++) {
                    int dxOff = dxo + (img * g.c() + grp * g.cg()) * hw;
                    int dyOff = dyo + (img * g.k() + grp * g.kg()) * pq;
                    int wOff = wo + grp * g.kg() * crs;
                    if (g.isPointwise()) {
                        Sgemm.gemm(true, false, crs, pq, g.kg(), 1f, w, wOff, crs, dy, dyOff, pq, 0f, dx, dxOff, hw);
                    } else {
                        float[] col = workspace(crs * pq);
                        Sgemm.gemm(true, false, crs, pq, g.kg(), 1f, w, wOff, crs, dy, dyOff, pq, 0f, col, 0, pq);
                        java.util.Arrays.fill(dx, dxOff, dxOff + g.cg() * hw, 0f);
                        col2im(g, col, dx, dxOff);
                    }
                }
            }
        });
    }

    static void backwardFilter(ConvGeometry g, float[] x, int xo, float[] dy, int dyo, float[] dw, int dwo) {
        int pq = g.p() * g.q(), hw = g.h() * g.w(), crs = g.cg() * g.r() * g.s();
        int wSize = g.k() * crs;
        int chunks = Math.min(Parallel.threads(), g.n());
        float[][] partial = new float[chunks][];
        Parallel.forRange(chunks, 1, (clo, chi) -> {
            for (int ch = clo; ch < chi; ch++) {
                float[] acc = new float[wSize];
                partial[ch] = acc;
                int lo = (int) ((long) g.n() * ch / chunks), hi = (int) ((long) g.n() * (ch + 1) / chunks);
                for (int img = lo; img < hi; img++) {
                    for (int grp = 0; grp < g.groups(); grp++) {
                        int xOff = xo + (img * g.c() + grp * g.cg()) * hw;
                        int dyOff = dyo + (img * g.k() + grp * g.kg()) * pq;
                        int wOff = grp * g.kg() * crs;
                        if (g.isPointwise()) {
                            Sgemm.gemm(false, true, g.kg(), crs, pq, 1f, dy, dyOff, pq, x, xOff, hw, 1f, acc, wOff, crs);
                        } else {
                            float[] col = workspace(crs * pq);
                            im2col(g, x, xOff, col);
                            Sgemm.gemm(false, true, g.kg(), crs, pq, 1f, dy, dyOff, pq, col, 0, pq, 1f, acc, wOff, crs);
                        }
                    }
                }
            }
        });
        System.arraycopy(partial[0], 0, dw, dwo, wSize);
        for (int ch = 1; ch < chunks; ch++) {
            float[] p = partial[ch];
            for (int i = 0; i < wSize; i++) dw[dwo + i] += p[i];
        }
    }

    /** col[(c*R + r)*S + s][p*Q + q] = x[c][p*sh - ph + r*dh][q*sw - pw + s*dw], zero outside the image. */
    static void im2col(ConvGeometry g, float[] x, int xOff, float[] col) {
        int h = g.h(), w = g.w(), P = g.p(), Q = g.q(), pq = P * Q;
        int row = 0;
        for (int c = 0; c < g.cg(); c++) {
            int plane = xOff + c * h * w;
            for (int r = 0; r < g.r(); r++) {
                for (int s = 0; s < g.s(); s++, row++) {
                    int base = row * pq;
                    int colShift = s * g.dilW() - g.padW();
                    for (int p = 0; p < P; p++) {
                        int ih = p * g.strideH() - g.padH() + r * g.dilH();
                        int out = base + p * Q;
                        if (ih < 0 || ih >= h) {
                            java.util.Arrays.fill(col, out, out + Q, 0f);
                            continue;
                        }
                        int src = plane + ih * w;
                        if (g.strideW() == 1) {
                            int q0 = Math.max(0, -colShift), q1 = Math.min(Q, w - colShift);
                            if (q1 <= q0) {
                                java.util.Arrays.fill(col, out, out + Q, 0f);
                                continue;
                            }
                            java.util.Arrays.fill(col, out, out + q0, 0f);
                            System.arraycopy(x, src + q0 + colShift, col, out + q0, q1 - q0);
                            java.util.Arrays.fill(col, out + q1, out + Q, 0f);
                        } else {
                            for (int q = 0; q < Q; q++) {
                                int iw = q * g.strideW() + colShift;
                                col[out + q] = iw >= 0 && iw < w ? x[src + iw] : 0f;
                            }
                        }
                    }
                }
            }
        }
    }

    /** The adjoint of im2col: adds col back into the (already zeroed) image gradient. */
    static void col2im(ConvGeometry g, float[] col, float[] dx, int dxOff) {
        int h = g.h(), w = g.w(), P = g.p(), Q = g.q(), pq = P * Q;
        int row = 0;
        for (int c = 0; c < g.cg(); c++) {
            int plane = dxOff + c * h * w;
            for (int r = 0; r < g.r(); r++) {
                for (int s = 0; s < g.s(); s++, row++) {
                    int base = row * pq;
                    int colShift = s * g.dilW() - g.padW();
                    for (int p = 0; p < P; p++) {
                        int ih = p * g.strideH() - g.padH() + r * g.dilH();
                        if (ih < 0 || ih >= h) continue;
                        int dst = plane + ih * w, in = base + p * Q;
                        for (int q = 0; q < Q; q++) {
                            int iw = q * g.strideW() + colShift;
                            if (iw >= 0 && iw < w) dx[dst + iw] += col[in + q];
                        }
                    }
                }
            }
        }
    }
}
