package org.jvicreg.engine.cpu;

import jdk.incubator.vector.FloatVector;

import static org.jvicreg.engine.cpu.SgemmKernel.NR;
import static org.jvicreg.engine.cpu.SgemmKernel.S;
import static org.jvicreg.engine.cpu.SgemmKernel.VL;

/**
 * The transposed im2col matrix of a convolution input as the B operand of the filter-gradient product:
 * B(j, t) with j = (image, oh, ow) over every output pixel (the reduction) and t = (c, r, s) over the
 * filter's inputs is {@code x[image][c][oh*strideH - padH + r*dilH][ow*strideW - padW + s*dilW]}, zero
 * outside the image.
 *
 * <p>Each panel's NR taps become a table of offsets from the pixel's own position. The k range is walked
 * one output row at a time (no divisions per pixel); in the part of a row where every tap of the window
 * lies inside the image, a panel row is two vector gathers through that table, elsewhere each tap is
 * tested.
 */
record ConvInputColumnsB(ConvWindows win) implements GemmOperands.B {
    @Override
    public void pack(int p0, int kc, int j0, int nc, float[] dst) {
        float[] x = win.x();
        int base = win.base(), imageStride = win.imageStride(), h = win.h(), w = win.w(), r = win.r(), s = win.s();
        int p = win.p(), q = win.q(), sh = win.sh(), sw = win.sw(), ph = win.ph(), pw = win.pw(), dh = win.dh(), dw = win.dw();
        int rs = r * s, hw = h * w, pq = p * q;
        int[] offset = new int[NR], dy = new int[NR], dx = new int[NR];
        // output columns whose whole window is inside the image horizontally: ox - pw >= 0, ox - pw + (s-1)*dw < w
        int owLo = Math.min(q, (pw + sw - 1) / sw), owHi = Math.max(owLo, Math.min(q, Math.floorDiv(w - 1 + pw - (s - 1) * dw, sw) + 1));
        int idx = 0;
        for (int jr = 0; jr < nc; jr += NR, idx += kc * NR) {
            int nr = Math.min(NR, nc - jr);
            for (int t = 0; t < NR; t++) {
                int col = j0 + jr + Math.min(t, nr - 1), tap = col % rs, c = col / rs;
                dy[t] = (tap / s) * dh - ph;
                dx[t] = (tap % s) * dw - pw;
                offset[t] = c * hw + dy[t] * w + dx[t];
            }
            for (int j = p0; j < p0 + kc; ) {
                int img = j / pq, pix = j % pq, oh = pix / q, ow0 = pix % q;
                int len = Math.min(p0 + kc - j, q - ow0);
                int oy = oh * sh, rowBase = base + img * imageStride + oy * w;
                boolean rowInside = oy - ph >= 0 && oy - ph + (r - 1) * dh < h;
                int d = idx + (j - p0) * NR;
                for (int ow = ow0; ow < ow0 + len; ow++, d += NR) {
                    int ox = ow * sw, at = rowBase + ox;
                    if (rowInside && ow >= owLo && ow < owHi) {
                        FloatVector.fromArray(S, x, at, offset, 0).intoArray(dst, d);
                        FloatVector.fromArray(S, x, at, offset, VL).intoArray(dst, d + VL);
                    } else {
                        for (int t = 0; t < NR; t++) {
                            int iy = oy + dy[t], ix = ox + dx[t];
                            dst[d + t] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[at + offset[t]] : 0f;
                        }
                    }
                    if (nr < NR) java.util.Arrays.fill(dst, d + nr, d + NR, 0f);
                }
                j += len;
            }
        }
    }
}
