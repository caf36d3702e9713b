package org.jvicreg.vicreg.augment;

/**
 * The pixel operations of ColorJitter and RandomGrayscale, in place on a CHW float image in [0, 1]
 * ({@code channels} planes of {@code pixels} values at {@code offset}), with the semantics of
 * torchvision 0.14's tensor functions ({@code F.adjust_brightness}, {@code adjust_contrast},
 * {@code adjust_saturation}, {@code adjust_hue}, {@code rgb_to_grayscale}) in float32: blends
 * {@code factor * img + (1 - factor) * other} clamped to [0, 1]; luma
 * {@code 0.2989 R + 0.587 G + 0.114 B}. As in torchvision, saturation and hue leave a 1-channel image
 * unchanged; contrast of a 1-channel image blends towards its mean value.
 */
public final class ColorAdjust {
    private static final float LUMA_R = 0.2989f, LUMA_G = 0.587f, LUMA_B = 0.114f;

    private ColorAdjust() {}

    /** Multiplies by {@code factor} (a blend with black), clamped to [0, 1]. */
    public static void brightness(float[] img, int offset, int channels, int pixels, float factor) {
        float r = factor;
        for (int i = offset, end = offset + channels * pixels; i < end; i++) {
            img[i] = clamp01(r * img[i]);
        }
    }

    /** Blends with the mean luma of the whole image (the mean value for 1 channel). */
    public static void contrast(float[] img, int offset, int channels, int pixels, float factor) {
        double sum = 0.0;
        if (channels == 3) {
            int g = offset + pixels, b = offset + 2 * pixels;
            for (int i = 0; i < pixels; i++) sum += luma(img[offset + i], img[g + i], img[b + i]);
        } else {
            for (int i = offset, end = offset + channels * pixels; i < end; i++) sum += img[i];
        }
        long count = channels == 3 ? pixels : (long) channels * pixels;
        float mean = (float) (sum / count);
        float r = factor, rest = (float) (1.0 - factor);
        float m = rest * mean;
        for (int i = offset, end = offset + channels * pixels; i < end; i++) {
            img[i] = clamp01(r * img[i] + m);
        }
    }

    /** Blends each pixel with its own luma; a no-op on 1-channel images. */
    public static void saturation(float[] img, int offset, int channels, int pixels, float factor) {
        if (channels == 1) return;
        requireRgb(channels, "saturation");
        float r = factor, rest = (float) (1.0 - factor);
        int g = offset + pixels, b = offset + 2 * pixels;
        for (int i = 0; i < pixels; i++) {
            float l = rest * luma(img[offset + i], img[g + i], img[b + i]);
            img[offset + i] = clamp01(r * img[offset + i] + l);
            img[g + i] = clamp01(r * img[g + i] + l);
            img[b + i] = clamp01(r * img[b + i] + l);
        }
    }

    /**
     * Rotates the hue by {@code shift} turns ({@code shift} in [-0.5, 0.5]) through HSV, with
     * torchvision's {@code _rgb2hsv} / {@code _hsv2rgb}; a no-op on 1-channel images.
     */
    public static void hue(float[] img, int offset, int channels, int pixels, float shift) {
        if (channels == 1) return;
        requireRgb(channels, "hue");
        if (shift < -0.5f || shift > 0.5f) throw new IllegalArgumentException("hue shift must be in [-0.5, 0.5], got " + shift);
        int gOff = offset + pixels, bOff = offset + 2 * pixels;
        for (int i = 0; i < pixels; i++) {
            float r = img[offset + i], g = img[gOff + i], b = img[bOff + i];
            float maxc = Math.max(r, Math.max(g, b));
            float minc = Math.min(r, Math.min(g, b));
            boolean eqc = maxc == minc;
            float cr = maxc - minc;
            float s = cr / (eqc ? 1f : maxc);
            float div = eqc ? 1f : cr;
            float rc = (maxc - r) / div, gc = (maxc - g) / div, bc = (maxc - b) / div;
            float h;
            if (maxc == r) h = bc - gc;
            else if (maxc == g) h = 2.0f + rc - bc;
            else h = 4.0f + gc - rc;
            // fmod(h / 6 + 1, 1) and the Python-style (h + shift) % 1 of torchvision; x - floor(x) is exact
            // here and much faster than Java's float %
            h = h / 6.0f + 1.0f;
            h -= (float) Math.floor(h);
            h += shift;
            h -= (float) Math.floor(h);
            // HSV -> RGB
            float h6 = h * 6.0f;
            float fi = (float) Math.floor(h6);
            float f = h6 - fi;
            int sector = ((int) fi) % 6;
            float v = maxc;
            float p = clamp01(v * (1.0f - s));
            float q = clamp01(v * (1.0f - s * f));
            float t = clamp01(v * (1.0f - s * (1.0f - f)));
            switch (sector) {
                case 0 -> { r = v; g = t; b = p; }
                case 1 -> { r = q; g = v; b = p; }
                case 2 -> { r = p; g = v; b = t; }
                case 3 -> { r = p; g = q; b = v; }
                case 4 -> { r = t; g = p; b = v; }
                default -> { r = v; g = p; b = q; }
            }
            img[offset + i] = r;
            img[gOff + i] = g;
            img[bOff + i] = b;
        }
    }

    /** Replaces all three channels by the luma (RandomGrayscale keeps 3 channels); a no-op on 1 channel. */
    public static void grayscale(float[] img, int offset, int channels, int pixels) {
        if (channels == 1) return;
        requireRgb(channels, "grayscale");
        int g = offset + pixels, b = offset + 2 * pixels;
        for (int i = 0; i < pixels; i++) {
            float l = luma(img[offset + i], img[g + i], img[b + i]);
            img[offset + i] = l;
            img[g + i] = l;
            img[b + i] = l;
        }
    }

    /** torchvision's float32 luma: {@code 0.2989 R + 0.587 G + 0.114 B}, evaluated left to right. */
    public static float luma(float r, float g, float b) {
        return LUMA_R * r + LUMA_G * g + LUMA_B * b;
    }

    private static float clamp01(float v) {
        return v < 0f ? 0f : (v > 1f ? 1f : v);
    }

    private static void requireRgb(int channels, String op) {
        if (channels != 3) throw new IllegalArgumentException(op + " needs 1 or 3 channels, got " + channels);
    }
}
