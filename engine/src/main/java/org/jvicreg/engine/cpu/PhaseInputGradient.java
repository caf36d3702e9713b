package org.jvicreg.engine.cpu;

import org.jvicreg.engine.backend.ConvGeometry;

/**
 * The input gradient of a strided convolution with no column buffer and no col2im. Split the zero-padded
 * dx into its sh x sw stride phases, phase (a, b) holding the padded pixels (a + i*sh, b + j*sw). Output
 * pixel (oh, ow) reaches padded pixel (oh*sh + r*dh, ow*sw + s*dw) through tap (r, s), so only the taps with
 * (r*dh) % sh == a and (s*dw) % sw == b land on phase (a, b), each shifted by (t, u) = (r*dh / sh, s*dw / sw):
 * <pre>  dxPhase(c, i, j) = sum over k and those taps of w[k][c][r][s] * dy[k][i - t][j - u]</pre>
 * a stride-1 convolution of dy, zero-padded by the largest shifts, with that subset of the taps. Each
 * phase is one product per image with dy read in place over wide columns (as in {@link PaddedImageConv}),
 * its result copied to every sh-th row and sw-th column of dx. Every dx pixel lies in exactly one phase,
 * so each is written once; a phase no tap reaches (a strided 1x1 convolution's) is zero.
 */
final class PhaseInputGradient {
    private PhaseInputGradient() {}

    /** One stride phase of dx: its taps, its first row and column in phase coordinates, and its size. */
    private record Phase(int a, int b, int[] taps, int i0, int rows, int j0, int cols) {}

    static void run(ConvGeometry g, float[] dy, int dyo, float[] w, int wo, float[] dx, int dxo) {
        int sh = g.strideH(), sw = g.strideW(), h = g.h(), wd = g.w(), p = g.p(), q = g.q();
        int kg = g.kg(), cg = g.cg(), rs = g.r() * g.s(), pq = p * q, hw = h * wd;
        int top = (g.r() - 1) * g.dilH() / sh, left = (g.s() - 1) * g.dilW() / sw;
        Phase[] phases = new Phase[sh * sw];
        int padRows = p + top, padCols = q + left;
        for (int a = 0; a < sh; a++) {
            for (int b = 0; b < sw; b++) {
                // the phase rows i whose dx row a + i*sh - padH lies in [0, h); the same for columns
                int i0 = Math.ceilDiv(Math.max(0, g.padH() - a), sh), i1 = Math.max(i0, Math.ceilDiv(h + g.padH() - a, sh));
                int j0 = Math.ceilDiv(Math.max(0, g.padW() - b), sw), j1 = Math.max(j0, Math.ceilDiv(wd + g.padW() - b, sw));
                phases[a * sw + b] = new Phase(a, b, taps(g, a, b), i0, i1 - i0, j0, j1 - j0);
                padRows = Math.max(padRows, i1 + top);
                padCols = Math.max(padCols, j1 + left);
            }
        }
        // dy zero-padded by (top, left) into padRows x padCols planes: the input of a stride-1 "full" convolution
        var in = new StridePhases(kg, p, q, padRows - p + 1, padCols - q + 1, 1, 1, top, left, 1, 1, p, q);
        int planeSize = padRows * padCols, rows0 = padRows, cols0 = padCols;
        for (int grp = 0; grp < g.groups(); grp++) {
            int dyGroup = dyo + grp * kg * pq, dxGroup = dxo + grp * cg * hw;
            int filters = wo + grp * kg * cg * rs;
            Parallel.forRange(g.n(), 1, (lo, hi) -> {
                for (int img = lo; img < hi; img++) {
                    float[] padded = Scratch.get(Scratch.Slot.PADDED_IMAGE, in.imageSize());
                    in.copy(dy, dyGroup + img * g.k() * pq, padded, 0);
                    int dxImage = dxGroup + img * g.c() * hw;
                    for (Phase ph : phases) {
                        if (ph.rows() == 0 || ph.cols() == 0) continue;
                        int nt = ph.taps().length, depth = kg * nt, ldc = ph.rows() * cols0;
                        float[] out = Scratch.get(Scratch.Slot.WIDE_OUTPUT, cg * ldc);
                        if (nt == 0) {
                            java.util.Arrays.fill(out, 0, cg * ldc, 0f);
                        } else {
                            int[] rowOff = new int[depth];
                            for (int k = 0, t = 0; k < kg; k++) {
                                for (int tap : ph.taps()) {
                                    int shift = tap / g.s() * g.dilH() / sh, shiftW = tap % g.s() * g.dilW() / sw;
                                    rowOff[t++] = k * planeSize + (ph.i0() - shift + top) * cols0 + ph.j0() - shiftW + left;
                                }
                            }
                            var a = new TransposedFiltersA(w, filters, cg, rs, ph.taps());
                            PaddedImageConv.gemm(a, cg, depth, padded, 0, rowOff, (ph.rows() - 1) * cols0 + ph.cols(), out, 0, ldc);
                        }
                        scatter(g, ph, out, cols0, dx, dxImage);
                    }
                }
            });
        }
    }

    /** The taps r*S + s that land on phase (a, b). */
    private static int[] taps(ConvGeometry g, int a, int b) {
        return java.util.stream.IntStream.range(0, g.r() * g.s())
                .filter(t -> (t / g.s() * g.dilH()) % g.strideH() == a && (t % g.s() * g.dilW()) % g.strideW() == b)
                .toArray();
    }

    /** Copies a phase's wide result (cg rows of rows x wide columns) to its pixels of one image's dx. */
    private static void scatter(ConvGeometry g, Phase ph, float[] out, int wide, float[] dx, int dxImage) {
        int sh = g.strideH(), sw = g.strideW(), w = g.w(), hw = g.h() * w, ldc = ph.rows() * wide;
        for (int c = 0; c < g.cg(); c++) {
            for (int i = 0; i < ph.rows(); i++) {
                int src = c * ldc + i * wide;
                int dst = dxImage + c * hw + (ph.a() + (ph.i0() + i) * sh - g.padH()) * w + ph.b() + ph.j0() * sw - g.padW();
                for (int j = 0; j < ph.cols(); j++) dx[dst + j * sw] = out[src + j];
            }
        }
    }
}
