package org.jvicreg.vicreg.augment;

import org.jvicreg.engine.Rng;

/**
 * The random decisions behind one view, drawn by {@link #sample} and carried out by
 * {@link ViewAugmenter#apply}. Separating the two keeps the random part testable (ranges,
 * frequencies) and the deterministic part comparable with torchvision on fixed parameters.
 * Mutable and reused per thread so that drawing a view allocates nothing but the crop box.
 */
public final class ViewParams {
    /** ColorJitter operation ids, as torchvision's {@code fn_idx}. */
    public static final int BRIGHTNESS = 0, CONTRAST = 1, SATURATION = 2, HUE = 3;

    public CropBox crop;
    public boolean flip;
    public boolean jitter;
    /** The order in which the jitter operations run: a permutation of 0..3. */
    public final int[] jitterOrder = {BRIGHTNESS, CONTRAST, SATURATION, HUE};
    public float brightness = 1f, contrast = 1f, saturation = 1f, hue = 0f;
    public boolean grayscale;
    public boolean blur;
    public double blurSigma;
    public boolean solarize;

    /**
     * Draws every decision for a {@code srcHeight x srcWidth} source, in the pipeline's order: crop,
     * flip, jitter (permutation, then brightness, contrast, saturation, hue factors, as torchvision's
     * {@code ColorJitter.get_params}), grayscale, blur (then its sigma), solarize. A transform is applied
     * when a uniform draw falls below its probability, so p 0 never and p 1 always applies it.
     */
    public ViewParams sample(ViewConfig cfg, Rng rng, int srcHeight, int srcWidth) {
        crop = CropBox.sample(rng, srcHeight, srcWidth, cfg.scaleMin(), cfg.scaleMax(), cfg.ratioMin(), cfg.ratioMax());
        flip = rng.nextDouble() < cfg.flipP();
        jitter = rng.nextDouble() < cfg.jitterP();
        if (jitter) {
            for (int i = 0; i < 4; i++) jitterOrder[i] = i;
            rng.shuffle(jitterOrder);
            brightness = (float) CropBox.uniform(rng, Math.max(0.0, 1.0 - cfg.brightness()), 1.0 + cfg.brightness());
            contrast = (float) CropBox.uniform(rng, Math.max(0.0, 1.0 - cfg.contrast()), 1.0 + cfg.contrast());
            saturation = (float) CropBox.uniform(rng, Math.max(0.0, 1.0 - cfg.saturation()), 1.0 + cfg.saturation());
            hue = (float) CropBox.uniform(rng, -cfg.hue(), cfg.hue());
        } else {
            brightness = contrast = saturation = 1f;
            hue = 0f;
        }
        grayscale = rng.nextDouble() < cfg.grayscaleP();
        blur = rng.nextDouble() < cfg.blurP();
        blurSigma = blur ? CropBox.uniform(rng, cfg.blurSigmaMin(), cfg.blurSigmaMax()) : 0.0;
        solarize = rng.nextDouble() < cfg.solarizeP();
        return this;
    }

    @Override
    public String toString() {
        return "ViewParams[crop=" + crop + ", flip=" + flip + ", jitter=" + jitter
                + (jitter ? " order=" + java.util.Arrays.toString(jitterOrder) + " b=" + brightness + " c=" + contrast
                        + " s=" + saturation + " h=" + hue : "")
                + ", grayscale=" + grayscale + ", blur=" + (blur ? "sigma " + blurSigma : "no") + ", solarize=" + solarize + "]";
    }
}
