package org.jvicreg.vicreg.augment;

/**
 * Crops a box out of a CHW float image and resizes it with a separable antialiased filter: the
 * semantics of torchvision's {@code F.resized_crop(tensor, top, left, h, w, size, interpolation,
 * antialias=True)} on float tensors, which uses PIL's resampling weights (output pixel {@code i} is
 * centred at {@code scale * (i + 0.5)} in the box, the filter is widened by {@code scale} when
 * shrinking, and weights that fall outside the box are dropped and the rest renormalised).
 *
 * <p>An instance holds reusable workspaces (filter weights, the horizontally resampled intermediate)
 * so the per-image work allocates nothing once warmed up; it is not thread-safe: use one per thread.
 */
public final class ResizedCrop {
    private final Axis xAxis = new Axis();
    private final Axis yAxis = new Axis();
    private float[] intermediate = new float[0];

    /**
     * Writes the {@code box} of {@code src} (channels x srcHeight x srcWidth at {@code srcOffset})
     * resized to {@code outHeight x outWidth} into {@code dst} at {@code dstOffset}. Values are not
     * clamped: bicubic can overshoot [0, 1] slightly, as in PyTorch.
     */
    public void apply(float[] src, int srcOffset, int channels, int srcHeight, int srcWidth, CropBox box,
                      Interpolation interpolation, float[] dst, int dstOffset, int outHeight, int outWidth) {
        if (!box.fitsIn(srcHeight, srcWidth)) {
            throw new IllegalArgumentException(box + " does not fit in a " + srcHeight + "x" + srcWidth + " image");
        }
        xAxis.prepare(box.width(), outWidth, interpolation);
        yAxis.prepare(box.height(), outHeight, interpolation);
        int boxH = box.height();
        int need = boxH * outWidth;
        if (intermediate.length < need) intermediate = new float[need];
        float[] tmp = intermediate;
        for (int c = 0; c < channels; c++) {
            int plane = srcOffset + c * srcHeight * srcWidth;
            for (int y = 0; y < boxH; y++) {
                int rowStart = plane + (box.top() + y) * srcWidth + box.left();
                horizontal(src, rowStart, tmp, y * outWidth, outWidth);
            }
            int outPlane = dstOffset + c * outHeight * outWidth;
            for (int y = 0; y < outHeight; y++) {
                vertical(tmp, y, dst, outPlane + y * outWidth, outWidth);
            }
        }
    }

    private void horizontal(float[] src, int rowStart, float[] out, int outStart, int outWidth) {
        int[] first = xAxis.first;
        int[] count = xAxis.count;
        float[] weights = xAxis.weights;
        int taps = xAxis.taps;
        for (int x = 0; x < outWidth; x++) {
            int s = rowStart + first[x];
            int wBase = x * taps;
            float acc = 0f;
            for (int k = 0, n = count[x]; k < n; k++) {
                acc += weights[wBase + k] * src[s + k];
            }
            out[outStart + x] = acc;
        }
    }

    private void vertical(float[] tmp, int y, float[] dst, int dstStart, int outWidth) {
        int srcRow = yAxis.first[y];
        int wBase = y * yAxis.taps;
        float[] weights = yAxis.weights;
        int n = yAxis.count[y];
        float w0 = weights[wBase];
        int r0 = srcRow * outWidth;
        for (int x = 0; x < outWidth; x++) dst[dstStart + x] = w0 * tmp[r0 + x];
        for (int k = 1; k < n; k++) {
            float w = weights[wBase + k];
            int r = (srcRow + k) * outWidth;
            for (int x = 0; x < outWidth; x++) dst[dstStart + x] += w * tmp[r + x];
        }
    }

    /** Filter taps along one axis: for output i, source indices first[i] .. first[i]+count[i]-1. */
    private static final class Axis {
        int[] first = new int[0];
        int[] count = new int[0];
        float[] weights = new float[0];
        int taps;
        private int cachedIn = -1, cachedOut = -1;
        private Interpolation cachedInterp;

        void prepare(int inSize, int outSize, Interpolation interp) {
            if (inSize == cachedIn && outSize == cachedOut && interp == cachedInterp) return;
            double scale = (double) inSize / outSize;
            double support = interp.support() * Math.max(scale, 1.0);
            double invScale = scale >= 1.0 ? 1.0 / scale : 1.0;
            taps = (int) Math.ceil(support) * 2 + 1;
            if (first.length < outSize) {
                first = new int[outSize];
                count = new int[outSize];
            }
            if (weights.length < outSize * taps) weights = new float[outSize * taps];
            for (int i = 0; i < outSize; i++) {
                double center = scale * (i + 0.5);
                int lo = Math.max((int) (center - support + 0.5), 0);
                int n = Math.min((int) (center + support + 0.5), inSize) - lo;
                double total = 0.0;
                for (int j = 0; j < n; j++) total += interp.weight((j + lo - center + 0.5) * invScale);
                for (int j = 0; j < n; j++) {
                    double w = interp.weight((j + lo - center + 0.5) * invScale);
                    weights[i * taps + j] = (float) (total != 0.0 ? w / total : w);
                }
                first[i] = lo;
                count[i] = n;
            }
            cachedIn = inSize;
            cachedOut = outSize;
            cachedInterp = interp;
        }
    }
}
