package org.jvicreg.engine.cpu;

import jdk.incubator.vector.FloatVector;

import static org.jvicreg.engine.cpu.SgemmKernel.NR;

/**
 * The im2col matrix of a convolution input as the B operand of {@link BlockedGemm}, packed straight from
 * the image with no column buffer: B(p, j) with p = (c, r, s) over channels and filter taps and
 * j = (image, oh, ow) over every output pixel of every image, is
 * {@code x[image][c][oh*strideH - padH + r*dilH][ow*strideW - padW + s*dilW]}, zero outside the image.
 *
 * <p>The columns of a block are first cut into runs that stay inside one panel and one output row (one
 * whole image plane for an unpadded stride-1 1x1 convolution, whose im2col is the image itself); for
 * stride 1 each run is then one array copy per (c, r, s) plus the zeros of the padding.
 */
record ConvInputPanels(ConvWindows win) implements GemmOperands.B {
    /** System.arraycopy, with a whole panel row (the common case) as two vector moves instead of a call. */
    private static void copy(float[] src, int from, float[] dst, int to, int len) {
        if (len == NR) {
            FloatVector.fromArray(SgemmKernel.S, src, from).intoArray(dst, to);
            FloatVector.fromArray(SgemmKernel.S, src, from + SgemmKernel.VL).intoArray(dst, to + SgemmKernel.VL);
        } else {
            System.arraycopy(src, from, dst, to, len);
        }
    }

    @Override
    public void pack(int p0, int kc, int j0, int nc, float[] dst) {
        float[] x = win.x();
        int base = win.base(), imageStride = win.imageStride(), h = win.h(), w = win.w(), r = win.r(), s = win.s();
        int p = win.p(), q = win.q(), sh = win.sh(), sw = win.sw(), ph = win.ph(), pw = win.pw(), dh = win.dh(), dw = win.dw();
        boolean plane = r == 1 && s == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 && p == h && q == w;
        // cut [j0, j0+nc) into runs: inside one NR panel and one output row (or image plane)
        int rowLen = plane ? p * q : q;
        int maxRuns = nc / NR + nc / rowLen + 2;
        int[] runDst = new int[maxRuns], runLen = new int[maxRuns], runImg = new int[maxRuns],
              runRow = new int[maxRuns], runCol = new int[maxRuns];
        int runs = 0;
        for (int j = j0; j < j0 + nc; ) {
            int rel = j - j0, inPanel = rel % NR;
            int img = j / (p * q), pix = j % (p * q);
            int len = Math.min(Math.min(NR - inPanel, j0 + nc - j), rowLen - (plane ? pix : pix % q));
            runDst[runs] = (rel / NR) * kc * NR + inPanel;
            runLen[runs] = len;
            runImg[runs] = base + img * imageStride;
            runRow[runs] = plane ? 0 : pix / q;
            runCol[runs] = plane ? pix : pix % q;
            runs++;
            j += len;
        }
        int tail = nc % NR, tailDst = (nc / NR) * kc * NR;
        int rs = r * s, hw = h * w;
        for (int pp = 0; pp < kc; pp++) {
            int k = p0 + pp, c = k / rs, tap = k % rs;
            int rowOff = (tap / s) * dh - ph, colOff = (tap % s) * dw - pw, chan = c * hw;
            int dRow = pp * NR;
            for (int t = 0; t < runs; t++) {
                int d = runDst[t] + dRow, len = runLen[t];
                int src = runImg[t] + chan;
                if (plane) {
                    copy(x, src + runCol[t], dst, d, len);
                    continue;
                }
                int ih = runRow[t] * sh + rowOff;
                if (ih < 0 || ih >= h) {
                    java.util.Arrays.fill(dst, d, d + len, 0f);
                    continue;
                }
                src += ih * w;
                int iw0 = runCol[t] * sw + colOff;
                if (sw == 1) {
                    int lo = Math.max(0, -iw0), hi = Math.min(len, w - iw0);
                    if (hi <= lo) {
                        java.util.Arrays.fill(dst, d, d + len, 0f);
                        continue;
                    }
                    if (lo > 0) java.util.Arrays.fill(dst, d, d + lo, 0f);
                    copy(x, src + iw0 + lo, dst, d + lo, hi - lo);
                    if (hi < len) java.util.Arrays.fill(dst, d + hi, d + len, 0f);
                } else {
                    // columns i with 0 <= iw0 + i*sw < w read the image, the rest are padding: the bounds are
                    // found once per run, not tested per element, which keeps the copy loop free of branches
                    int lo = iw0 >= 0 ? 0 : Math.min(len, (-iw0 + sw - 1) / sw);
                    int hi = Math.max(lo, Math.min(len, iw0 >= w ? 0 : (w - iw0 + sw - 1) / sw));
                    for (int i = 0; i < lo; i++) dst[d + i] = 0f;
                    for (int i = lo, at = src + iw0 + lo * sw; i < hi; i++, at += sw) dst[d + i] = x[at];
                    for (int i = hi; i < len; i++) dst[d + i] = 0f;
                }
            }
            if (tail != 0) {
                int d = tailDst + dRow;
                java.util.Arrays.fill(dst, d + tail, d + NR, 0f);
            }
        }
    }
}
