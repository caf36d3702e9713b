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

    /**
     * One stride phase of dx: the taps that land on it, the offsets of its B rows (k, tap) in the padded dy
     * image, and its rows [i0, i0 + rows) and columns [j0, j0 + cols) in phase coordinates.
     */
    private record Phase(int a, int b, int[] taps, int[] rowOff, int i0, int rows, int j0, int cols) {}

    static void run(ConvGeometry g, float[] dy, int dyo, float[] w, int wo, float[] dx, int dxo) {
        int sh = g.strideH(), sw = g.strideW(), p = g.p(), q = g.q(), kg = g.kg(), cg = g.cg(), rs = g.r() * g.s();
        int pq = p * q, hw = g.h() * g.w();
        int top = (g.r() - 1) * g.dilH() / sh, left = (g.s() - 1) * g.dilW() / sw;
        // the phase rows [i0, i1) whose dx row a + i*sh - padH lies in [0, h); the same for columns
        int[] i0 = new int[sh], i1 = new int[sh], j0 = new int[sw], j1 = new int[sw];
        int padRows = p + top, padCols = q + left;
        for (int a = 0; a < sh; a++) {
            i0[a] = Math.ceilDiv(Math.max(0, g.padH() - a), sh);
            i1[a] = Math.max(i0[a], Math.ceilDiv(g.h() + g.padH() - a, sh));
            padRows = Math.max(padRows, i1[a] + top);
        }
        for (int b = 0; b < sw; b++) {
            j0[b] = Math.ceilDiv(Math.max(0, g.padW() - b), sw);
            j1[b] = Math.max(j0[b], Math.ceilDiv(g.w() + g.padW() - b, sw));
            padCols = Math.max(padCols, j1[b] + left);
        }
        // dy zero-padded by (top, left) into padRows x padCols planes: the input of a stride-1 "full" convolution
        var in = StridePhases.zeroPadded(kg, p, q, top, left, padRows, padCols);
        int wide = padCols;
        Phase[] phases = new Phase[sh * sw];
        for (int a = 0; a < sh; a++) {
            for (int b = 0; b < sw; b++) {
                int[] taps = taps(g, a, b), rowOff = new int[kg * taps.length];
                for (int k = 0, t = 0; k < kg; k++) {
                    for (int tap : taps) {
                        int shiftH = tap / g.s() * g.dilH() / sh, shiftW = tap % g.s() * g.dilW() / sw;
                        rowOff[t++] = (k * padRows + i0[a] - shiftH + top) * wide + j0[b] - shiftW + left;
                    }
                }
                phases[a * sw + b] = new Phase(a, b, taps, rowOff, i0[a], i1[a] - i0[a], j0[b], j1[b] - j0[b]);
            }
        }
        for (int grp = 0; grp < g.groups(); grp++) {
            int dyGroup = dyo + grp * kg * pq, dxGroup = dxo + grp * cg * hw, filters = wo + grp * kg * cg * rs;
            // each phase's filters packed once, for every image: phase i's at packedAt[i]
            int[] packedAt = new int[phases.length];
            int packedFloats = 0;
            for (int i = 0; i < phases.length; i++) {
                packedAt[i] = packedFloats;
                packedFloats += PaddedImageConv.packedSize(cg, phases[i].rowOff().length);
            }
            float[] packed = Scratch.get(Scratch.Slot.PACKED_FILTERS, packedFloats);
            for (int i = 0; i < phases.length; i++) {
                Phase ph = phases[i];
                if (ph.taps().length == 0) continue;
                PaddedImageConv.packFilters(new TransposedFiltersA(w, filters, cg, rs, ph.taps()), cg, ph.rowOff().length,
                        packed, packedAt[i]);
            }
            Parallel.forRange(g.n(), 1, (lo, hi) -> {
                for (int img = lo; img < hi; img++) {
                    float[] padded = Scratch.get(Scratch.Slot.PADDED_IMAGE, in.imageSize());
                    in.copy(dy, dyGroup + img * g.k() * pq, padded, 0);
                    for (int i = 0; i < phases.length; i++) {
                        Phase ph = phases[i];
                        if (ph.rows() == 0 || ph.cols() == 0) continue;
                        int ldc = ph.rows() * wide;
                        float[] out = Scratch.get(Scratch.Slot.WIDE_OUTPUT, cg * ldc);
                        if (ph.taps().length == 0) {
                            java.util.Arrays.fill(out, 0, cg * ldc, 0f);
                        } else {
                            PaddedImageConv.gemm(packed, packedAt[i], cg, ph.rowOff().length, padded, 0, ph.rowOff(), 0,
                                    (ph.rows() - 1) * wide + ph.cols(), out, 0, ldc);
                        }
                        scatter(g, ph, out, wide, dx, dxGroup + img * g.c() * hw);
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
