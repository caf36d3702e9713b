package org.jvicreg.vicreg.augment;

import org.jvicreg.engine.Rng;

/**
 * Makes augmented views of CHW float images in [0, 1]: draws a view's {@link ViewParams} from an
 * {@link Rng} and applies them (crop+resize, flip, jitter, grayscale, blur, solarize), optionally
 * followed by the normalisation. Holds per-thread workspaces; use one instance per thread.
 */
public final class ViewAugmenter {
    private final ResizedCrop resizedCrop = new ResizedCrop();
    private final GaussianBlur gaussianBlur = new GaussianBlur();
    private final SampledGaussianBlur sampledBlur = new SampledGaussianBlur();
    private final ViewParams params1 = new ViewParams();
    private final ViewParams params2 = new ViewParams();

    /**
     * The two views of one sample: view 1's decisions are drawn from {@code rng} first, then view 2's.
     * Each view is {@code channels x cfg.outHeight() x cfg.outWidth()}, written at {@code dstOffset} of
     * its array, normalised when {@code normalize} is set.
     */
    public void twoViews(float[] src, int srcOffset, int channels, int height, int width, AugmentConfig cfg, Rng rng,
                         float[] view1, float[] view2, int dstOffset, boolean normalize) {
        params1.sample(cfg.view1(), rng, height, width);
        params2.sample(cfg.view2(), rng, height, width);
        apply(src, srcOffset, channels, height, width, cfg.view1(), params1, view1, dstOffset);
        apply(src, srcOffset, channels, height, width, cfg.view2(), params2, view2, dstOffset);
        if (normalize) {
            int pixels = cfg.outHeight() * cfg.outWidth();
            cfg.normalization().apply(view1, dstOffset, pixels);
            cfg.normalization().apply(view2, dstOffset, pixels);
        }
    }

    /** The decisions of the last {@link #twoViews} call for view 1 (0) or view 2 (1). */
    public ViewParams lastParams(int view) {
        return view == 0 ? params1 : params2;
    }

    /**
     * Applies fixed decisions: writes the view ({@code channels x outHeight x outWidth}, not normalised,
     * in [0, 1]) into {@code dst} at {@code dstOffset}.
     */
    public void apply(float[] src, int srcOffset, int channels, int height, int width, ViewConfig cfg, ViewParams p,
                      float[] dst, int dstOffset) {
        int oh = cfg.outHeight(), ow = cfg.outWidth(), pixels = oh * ow, n = channels * pixels;
        resizedCrop.apply(src, srcOffset, channels, height, width, p.crop, cfg.interpolation(), dst, dstOffset, oh, ow);
        clamp01(dst, dstOffset, n);
        if (p.flip) Flip.horizontal(dst, dstOffset, channels, oh, ow);
        if (p.jitter) {
            for (int op : p.jitterOrder) {
                switch (op) {
                    case ViewParams.BRIGHTNESS -> {
                        if (cfg.brightness() > 0) ColorAdjust.brightness(dst, dstOffset, channels, pixels, p.brightness);
                    }
                    case ViewParams.CONTRAST -> {
                        if (cfg.contrast() > 0) ColorAdjust.contrast(dst, dstOffset, channels, pixels, p.contrast);
                    }
                    case ViewParams.SATURATION -> {
                        if (cfg.saturation() > 0) ColorAdjust.saturation(dst, dstOffset, channels, pixels, p.saturation);
                    }
                    default -> {
                        if (cfg.hue() > 0) ColorAdjust.hue(dst, dstOffset, channels, pixels, p.hue);
                    }
                }
            }
        }
        if (p.grayscale) ColorAdjust.grayscale(dst, dstOffset, channels, pixels);
        if (p.blur && cfg.blurKernel() == ViewConfig.FULL_BLUR) gaussianBlur.apply(dst, dstOffset, channels, oh, ow, p.blurSigma);
        else if (p.blur) sampledBlur.apply(dst, dstOffset, channels, oh, ow, cfg.blurKernel(), p.blurSigma);
        if (p.solarize) Solarize.apply(dst, dstOffset, n, (float) cfg.solarizeThreshold());
    }

    /** Bicubic resampling overshoots; PIL's uint8 images (the official pipeline) clamp, so do we. */
    private static void clamp01(float[] a, int offset, int n) {
        for (int i = offset, end = offset + n; i < end; i++) {
            float v = a[i];
            a[i] = v < 0f ? 0f : (v > 1f ? 1f : v);
        }
    }
}
