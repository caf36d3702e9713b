package org.jvicreg.engine.cpu;

import static org.jvicreg.engine.cpu.SgemmKernel.MR;

/**
 * The filters of a convolution transposed for its input gradient, as an A operand: rows run over input
 * channels c, depth over (k, t) with k the output channel and t an index into {@code taps}, a table of
 * filter taps r*S + s: A(c, (k, t)) = w[k][c][taps[t]]. The input gradient of a stride-1 convolution is a
 * convolution of dy with every filter rotated by 180 degrees ({@link #flipped}); a strided one's splits
 * into one such product per stride phase, each over the taps that land on that phase
 * ({@link PhaseInputGradient}). {@code base} is the offset of the group's first filter; filters hold cg
 * input channels of rs taps.
 */
record TransposedFiltersA(float[] w, int base, int cg, int rs, int[] taps) implements GemmOperands.A {

    /** A(c, (k, r, s)) = w[k][c][R-1-r][S-1-s]. */
    static TransposedFiltersA flipped(float[] w, int base, int cg, int r, int s) {
        int[] taps = new int[r * s];
        for (int t = 0; t < taps.length; t++) taps[t] = taps.length - 1 - t;
        return new TransposedFiltersA(w, base, cg, r * s, taps);
    }

    @Override
    public void pack(int i0, int mc, int p0, int kc, float[] dst) {
        int nt = taps.length, crs = cg * rs;
        int idx = 0;
        for (int ir = 0; ir < mc; ir += MR, idx += kc * MR) {
            int mr = Math.min(MR, mc - ir);
            for (int pp = 0; pp < kc; pp++) {
                int k = (p0 + pp) / nt, tap = taps[(p0 + pp) % nt];
                int src = base + k * crs + (i0 + ir) * rs + tap;
                int d = idx + pp * MR, i = 0;
                for (; i < mr; i++) dst[d + i] = w[src + i * rs];
                for (; i < MR; i++) dst[d + i] = 0f;
            }
        }
    }
}
