package org.jvicreg.vicreg.embed;

/**
 * Pillow's {@code Image.resize(size, Image.BILINEAR)} of an 8-bit image, as Pillow computes it: separable
 * triangle-filter weights widened by the scale factor when shrinking (antialiasing), each output pixel centred
 * at {@code (i + 0.5) * scale} in the source, the weights normalised and turned into fixed point with 22
 * fractional bits, the horizontal pass first (rounded and clipped to 0..255), then the vertical one. The same
 * integer arithmetic gives the same bytes, so a torchvision evaluation transform on a PIL image can be
 * reproduced exactly.
 */
final class PilResize {
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilResize() {}

    /** Pillow's fixed-point weights along one axis: for output i, source pixels first[i] .. first[i] + count[i] - 1. */
    private record Axis(int[] first, int[] count, int[] weights, int taps) {
        static Axis of(int inSize, int outSize) {
            double scale = (double) inSize / outSize, filterScale = Math.max(scale, 1.0);
            double support = 1.0 * filterScale; // the triangle filter's support is 1
            int taps = (int) Math.ceil(support) * 2 + 1;
            int[] first = new int[outSize], count = new int[outSize], weights = new int[outSize * taps];
            double[] k = new double[taps];
            for (int i = 0; i < outSize; i++) {
                double center = (i + 0.5) * scale, sum = 0;
                int min = Math.max(0, (int) (center - support + 0.5));
                int max = Math.min(inSize, (int) (center + support + 0.5)) - min;
                for (int x = 0; x < max; x++) {
                    double t = Math.abs((x + min - center + 0.5) * (1.0 / filterScale));
                    k[x] = t < 1.0 ? 1.0 - t : 0.0;
                    sum += k[x];
                }
                for (int x = 0; x < max; x++) {
                    double w = sum != 0.0 ? k[x] / sum : k[x];
                    weights[i * taps + x] = (int) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
                }
                first[i] = min;
                count[i] = max;
            }
            return new Axis(first, count, weights, taps);
        }
    }

    private static int clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /**
     * Resizes {@code channels} planes of h x w bytes (values 0..255 in an int array, plane after plane) to
     * outH x outW.
     */
    static int[] resize(int[] src, int channels, int h, int w, int outH, int outW) {
        int[] mid = src;
        int midW = w;
        if (outW != w) {
            Axis ax = Axis.of(w, outW);
            mid = new int[channels * h * outW];
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < h; y++) {
                    int row = (c * h + y) * w, out = (c * h + y) * outW;
                    for (int x = 0; x < outW; x++) {
                        int acc = 1 << (PRECISION_BITS - 1), base = x * ax.taps(), s = row + ax.first()[x];
                        for (int t = 0, n = ax.count()[x]; t < n; t++) acc += src[s + t] * ax.weights()[base + t];
                        mid[out + x] = clip8(acc);
                    }
                }
            }
            midW = outW;
        }
        if (outH == h) return mid;
        Axis ay = Axis.of(h, outH);
        int[] out = new int[channels * outH * midW];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < outH; y++) {
                int base = y * ay.taps(), first = ay.first()[y], n = ay.count()[y];
                for (int x = 0; x < midW; x++) {
                    int acc = 1 << (PRECISION_BITS - 1);
                    for (int t = 0; t < n; t++) acc += mid[(c * h + first + t) * midW + x] * ay.weights()[base + t];
                    out[(c * outH + y) * midW + x] = clip8(acc);
                }
            }
        }
        return out;
    }
}
