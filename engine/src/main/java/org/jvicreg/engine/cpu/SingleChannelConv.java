package org.jvicreg.engine.cpu;

import jdk.incubator.vector.FloatVector;
import org.jvicreg.engine.backend.ConvGeometry;

import static org.jvicreg.engine.cpu.SgemmKernel.S;
import static org.jvicreg.engine.cpu.SgemmKernel.VL;

/**
 * Batch-last convolution of a single input channel (a grayscale stem), x (1, H, W, N) to y (K, P, Q, N). With
 * one channel the general kernels' products are only R*S deep, so each register tile is loaded, stored and
 * called for a handful of FMAs; here the image is copied once into a zero-padded plane (H + 2 padH, W + 2 padW,
 * N), after which every tap of every output pixel reads inside it, and two loops run straight through:
 * <ul>
 *   <li>forward: per output pixel and two vectors of images, the eight output channels of a block are
 *       accumulated over the taps in registers, one x vector per tap feeding eight FMAs. The taps are
 *       added in (r, s) order from zero as {@link BatchLastConv}'s products add them, the padding's taps
 *       adding zeros, so with finite filters the outputs are the same bit for bit;</li>
 *   <li>filter gradient, 3-wide filters: dw[k, 0, r, s] = sum over output pixels and images of
 *       dy[k, p, q, :] . x[p*sh + r - padH, q*sw + s - padW, :], four output channels times one filter row's
 *       three taps in twelve vector accumulators. Each block of four channels is one thread's, swept in bands
 *       of output rows whose dY stays in L2 while the filter rows take their turns, and its lanes are added
 *       left to right at the end, so the sums do not depend on the thread count.</li>
 * </ul>
 */
final class SingleChannelConv {
    private SingleChannelConv() {}

    /** Output channels of the forward loop's register block, and of the filter gradient's. */
    private static final int FORWARD_BLOCK = 8, GRADIENT_BLOCK = 4;

    /** Whether {@link #forward} covers g: one input channel, the batch a multiple of two vectors, K of 8. */
    static boolean forwardFits(ConvGeometry g) {
        return g.c() == 1 && plainBatchLast(g) && g.n() % (2 * VL) == 0 && g.k() % FORWARD_BLOCK == 0;
    }

    /** Whether {@link #backwardFilter} covers g: one input channel, 3-wide filters, the batch a multiple of the vector, K of 4. */
    static boolean backwardFilterFits(ConvGeometry g) {
        return g.c() == 1 && plainBatchLast(g) && g.s() == 3 && g.n() % VL == 0 && g.k() % GRADIENT_BLOCK == 0;
    }

    private static boolean plainBatchLast(ConvGeometry g) {
        return g.isBatchLast() && g.groups() == 1 && g.dilH() == 1 && g.dilW() == 1;
    }

    /** x's one channel in a zero-padded (H + 2 padH, W + 2 padW, N) plane from the pool's scratch. */
    private static float[] padded(ConvGeometry g, float[] x, int xo) {
        int h = g.h(), w = g.w(), n = g.n(), ph = g.padH(), pw = g.padW(), wp = w + 2 * pw;
        float[] xp = Scratch.get(Scratch.Slot.PADDED_IMAGE, (h + 2 * ph) * wp * n);
        Parallel.forRange(h + 2 * ph, 1, (lo, hi) -> {
            for (int row = lo; row < hi; row++) {
                int to = row * wp * n, ih = row - ph;
                if (ih < 0 || ih >= h) {
                    java.util.Arrays.fill(xp, to, to + wp * n, 0f);
                    continue;
                }
                java.util.Arrays.fill(xp, to, to + pw * n, 0f);
                System.arraycopy(x, xo + ih * w * n, xp, to + pw * n, w * n);
                java.util.Arrays.fill(xp, to + (pw + w) * n, to + wp * n, 0f);
            }
        });
        return xp;
    }

    static void forward(ConvGeometry g, float[] x, int xo, float[] w, int wo, float[] y, int yo) {
        int k = g.k(), r = g.r(), s = g.s(), n = g.n(), p = g.p(), q = g.q(), sh = g.strideH(), sw = g.strideW();
        int rowStride = (g.w() + 2 * g.padW()) * n, taps = r * s, plane = p * q * n;
        float[] xp = padded(g, x, xo);
        Parallel.forRange(p, 1, (lo, hi) -> {
            for (int op = lo; op < hi; op++) {
                for (int oq = 0; oq < q; oq++) {
                    int window = op * sh * rowStride + oq * sw * n, out = yo + (op * q + oq) * n;
                    for (int n0 = 0; n0 < n; n0 += 2 * VL) {
                        for (int k0 = 0; k0 < k; k0 += FORWARD_BLOCK) {
                            block(xp, window + n0, rowStride, n, r, s, w, wo + k0 * taps, taps, y, out + k0 * plane + n0, plane);
                        }
                    }
                }
            }
        });
    }

    /**
     * y[at + i * plane + (0 .. 2 VL)] = sum over taps t of w[wAt + i * taps + t] * x's two vectors at tap t, for
     * the block's eight output channels i, the window's top-left corner at xp[window].
     */
    private static void block(float[] xp, int window, int rowStride, int n, int r, int s, float[] w, int wAt, int taps,
                              float[] y, int at, int plane) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        FloatVector a4 = FloatVector.zero(S), a5 = FloatVector.zero(S), a6 = FloatVector.zero(S), a7 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S), b2 = FloatVector.zero(S), b3 = FloatVector.zero(S);
        FloatVector b4 = FloatVector.zero(S), b5 = FloatVector.zero(S), b6 = FloatVector.zero(S), b7 = FloatVector.zero(S);
        for (int rr = 0; rr < r; rr++) {
            for (int ss = 0; ss < s; ss++) {
                int from = window + rr * rowStride + ss * n, t = wAt + rr * s + ss;
                FloatVector x0 = FloatVector.fromArray(S, xp, from), x1 = FloatVector.fromArray(S, xp, from + VL);
                FloatVector v = FloatVector.broadcast(S, w[t]);
                a0 = x0.fma(v, a0); b0 = x1.fma(v, b0);
                v = FloatVector.broadcast(S, w[t + taps]);
                a1 = x0.fma(v, a1); b1 = x1.fma(v, b1);
                v = FloatVector.broadcast(S, w[t + 2 * taps]);
                a2 = x0.fma(v, a2); b2 = x1.fma(v, b2);
                v = FloatVector.broadcast(S, w[t + 3 * taps]);
                a3 = x0.fma(v, a3); b3 = x1.fma(v, b3);
                v = FloatVector.broadcast(S, w[t + 4 * taps]);
                a4 = x0.fma(v, a4); b4 = x1.fma(v, b4);
                v = FloatVector.broadcast(S, w[t + 5 * taps]);
                a5 = x0.fma(v, a5); b5 = x1.fma(v, b5);
                v = FloatVector.broadcast(S, w[t + 6 * taps]);
                a6 = x0.fma(v, a6); b6 = x1.fma(v, b6);
                v = FloatVector.broadcast(S, w[t + 7 * taps]);
                a7 = x0.fma(v, a7); b7 = x1.fma(v, b7);
            }
        }
        a0.intoArray(y, at); b0.intoArray(y, at + VL);
        a1.intoArray(y, at + plane); b1.intoArray(y, at + plane + VL);
        a2.intoArray(y, at + 2 * plane); b2.intoArray(y, at + 2 * plane + VL);
        a3.intoArray(y, at + 3 * plane); b3.intoArray(y, at + 3 * plane + VL);
        a4.intoArray(y, at + 4 * plane); b4.intoArray(y, at + 4 * plane + VL);
        a5.intoArray(y, at + 5 * plane); b5.intoArray(y, at + 5 * plane + VL);
        a6.intoArray(y, at + 6 * plane); b6.intoArray(y, at + 6 * plane + VL);
        a7.intoArray(y, at + 7 * plane); b7.intoArray(y, at + 7 * plane + VL);
    }

    static void backwardFilter(ConvGeometry g, float[] x, int xo, float[] dy, int dyo, float[] dw, int dwo) {
        int k = g.k(), r = g.r(), n = g.n(), p = g.p(), q = g.q();
        int plane = p * q * n, band = Math.max(1, BAND_FLOATS / (GRADIENT_BLOCK * q * n));
        float[] xp = padded(g, x, xo);
        Parallel.forRange(k / GRADIENT_BLOCK, 1, (lo, hi) -> {
            float[] acc = new float[r * 12 * VL];
            for (int kb = lo; kb < hi; kb++) {
                java.util.Arrays.fill(acc, 0f);
                for (int op0 = 0; op0 < p; op0 += band) {
                    for (int rr = 0; rr < r; rr++) {
                        rowBand(g, xp, rr, op0, Math.min(p, op0 + band), dy, dyo + kb * GRADIENT_BLOCK * plane, plane, acc, rr * 12 * VL);
                    }
                }
                for (int i = 0; i < GRADIENT_BLOCK; i++) {
                    for (int rr = 0; rr < r; rr++) {
                        for (int ss = 0; ss < 3; ss++) {
                            float sum = 0;
                            int from = (rr * 12 + i * 3 + ss) * VL;
                            for (int l = 0; l < VL; l++) sum += acc[from + l];
                            dw[dwo + ((kb * GRADIENT_BLOCK + i) * r + rr) * 3 + ss] = sum;
                        }
                    }
                }
            }
        });
    }

    /** Floats of dY (four channels' rows) a band of output rows holds, read once per filter row from L2. */
    private static final int BAND_FLOATS = 1 << 16;

    /**
     * Adds to the twelve accumulators at acc[at] (channel i, tap s at (3 i + s) VL) the products of filter row rr
     * over output rows [op0, op1): dy's four channels from dy[yo] (planes {@code plane} apart) against the
     * padded input's three taps.
     */
    private static void rowBand(ConvGeometry g, float[] xp, int rr, int op0, int op1, float[] dy, int yo, int plane,
                                float[] acc, int at) {
        int n = g.n(), q = g.q(), sh = g.strideH(), sw = g.strideW(), rowStride = (g.w() + 2 * g.padW()) * n;
        FloatVector a00 = FloatVector.fromArray(S, acc, at), a01 = FloatVector.fromArray(S, acc, at + VL);
        FloatVector a02 = FloatVector.fromArray(S, acc, at + 2 * VL), a10 = FloatVector.fromArray(S, acc, at + 3 * VL);
        FloatVector a11 = FloatVector.fromArray(S, acc, at + 4 * VL), a12 = FloatVector.fromArray(S, acc, at + 5 * VL);
        FloatVector a20 = FloatVector.fromArray(S, acc, at + 6 * VL), a21 = FloatVector.fromArray(S, acc, at + 7 * VL);
        FloatVector a22 = FloatVector.fromArray(S, acc, at + 8 * VL), a30 = FloatVector.fromArray(S, acc, at + 9 * VL);
        FloatVector a31 = FloatVector.fromArray(S, acc, at + 10 * VL), a32 = FloatVector.fromArray(S, acc, at + 11 * VL);
        for (int op = op0; op < op1; op++) {
            for (int oq = 0; oq < q; oq++) {
                int xi = (op * sh + rr) * rowStride + oq * sw * n, yi = yo + (op * q + oq) * n;
                for (int v = 0; v < n; v += VL, xi += VL, yi += VL) {
                    FloatVector x0 = FloatVector.fromArray(S, xp, xi), x1 = FloatVector.fromArray(S, xp, xi + n);
                    FloatVector x2 = FloatVector.fromArray(S, xp, xi + 2 * n);
                    FloatVector d = FloatVector.fromArray(S, dy, yi);
                    a00 = d.fma(x0, a00); a01 = d.fma(x1, a01); a02 = d.fma(x2, a02);
                    d = FloatVector.fromArray(S, dy, yi + plane);
                    a10 = d.fma(x0, a10); a11 = d.fma(x1, a11); a12 = d.fma(x2, a12);
                    d = FloatVector.fromArray(S, dy, yi + 2 * plane);
                    a20 = d.fma(x0, a20); a21 = d.fma(x1, a21); a22 = d.fma(x2, a22);
                    d = FloatVector.fromArray(S, dy, yi + 3 * plane);
                    a30 = d.fma(x0, a30); a31 = d.fma(x1, a31); a32 = d.fma(x2, a32);
                }
            }
        }
        a00.intoArray(acc, at); a01.intoArray(acc, at + VL); a02.intoArray(acc, at + 2 * VL);
        a10.intoArray(acc, at + 3 * VL); a11.intoArray(acc, at + 4 * VL); a12.intoArray(acc, at + 5 * VL);
        a20.intoArray(acc, at + 6 * VL); a21.intoArray(acc, at + 7 * VL); a22.intoArray(acc, at + 8 * VL);
        a30.intoArray(acc, at + 9 * VL); a31.intoArray(acc, at + 10 * VL); a32.intoArray(acc, at + 11 * VL);
    }
}
