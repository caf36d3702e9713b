package org.jvicreg.engine.cpu;

import static org.jvicreg.engine.cpu.SgemmKernel.MR;

/**
 * The filters of a stride-1 convolution rearranged for its input gradient, as an A operand: the input
 * gradient is itself a convolution of dy, with input and output channels swapped and every filter
 * rotated by 180 degrees, so A(c, (k, r, s)) = w[k][c][R-1-r][S-1-s]. {@code base} is the offset of the
 * group's first filter; filters hold cg input channels of r x s taps.
 */
record FlippedFiltersA(float[] w, int base, int cg, int r, int s) implements GemmOperands.A {
    @Override
    public void pack(int i0, int mc, int p0, int kc, float[] dst) {
        int rs = r * s, crs = cg * rs;
        int idx = 0;
        for (int ir = 0; ir < mc; ir += MR, idx += kc * MR) {
            int mr = Math.min(MR, mc - ir);
            for (int pp = 0; pp < kc; pp++) {
                int k = (p0 + pp) / rs, tap = (p0 + pp) % rs;
                int src = base + k * crs + (i0 + ir) * rs + (rs - 1 - tap);
                int d = idx + pp * MR, i = 0;
                for (; i < mr; i++) dst[d + i] = w[src + i * rs];
                for (; i < MR; i++) dst[d + i] = 0f;
            }
        }
    }
}
