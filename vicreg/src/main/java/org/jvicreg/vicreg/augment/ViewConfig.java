package org.jvicreg.vicreg.augment;

/**
 * Every parameter of one view's random pipeline, applied in this order (the official VICReg order):
 * RandomResizedCrop to {@code outHeight x outWidth} (area fraction in [scaleMin, scaleMax], aspect ratio
 * in [ratioMin, ratioMax]), horizontal flip (p {@code flipP}), ColorJitter (p {@code jitterP}: factors
 * brightness/contrast/saturation in {@code [max(0, 1 - s), 1 + s]}, hue shift in {@code [-hue, hue]},
 * applied in a random order; 0 turns one off), RandomGrayscale (p {@code grayscaleP}), Gaussian blur
 * (p {@code blurP}, sigma uniform in [blurSigmaMin, blurSigmaMax]; {@code blurKernel} {@link #FULL_BLUR}:
 * PIL's {@link GaussianBlur}, the official code's; an odd size k: torchvision's k x k
 * {@link SampledGaussianBlur}), solarization (p {@code solarizeP}, values at or above
 * {@code solarizeThreshold} inverted). Normalisation follows, from {@link AugmentConfig}.
 *
 * <p>Build one with {@link #builder()} (defaults: the official view 1 at 224x224) or change one with
 * {@link #toBuilder()}.
 */
public record ViewConfig(
        int outHeight, int outWidth,
        double scaleMin, double scaleMax, double ratioMin, double ratioMax,
        Interpolation interpolation,
        double flipP,
        double jitterP, double brightness, double contrast, double saturation, double hue,
        double grayscaleP,
        double blurP, double blurSigmaMin, double blurSigmaMax, int blurKernel,
        double solarizeP, double solarizeThreshold) {

    public ViewConfig {
        if (outHeight <= 0 || outWidth <= 0) throw bad("output size must be positive, got " + outHeight + "x" + outWidth);
        if (!(scaleMin > 0 && scaleMin <= scaleMax)) throw bad("crop scale needs 0 < min <= max, got " + scaleMin + ".." + scaleMax);
        if (!(ratioMin > 0 && ratioMin <= ratioMax)) throw bad("crop ratio needs 0 < min <= max, got " + ratioMin + ".." + ratioMax);
        if (interpolation == null) throw bad("interpolation is required");
        probability("flip", flipP);
        probability("jitter", jitterP);
        probability("grayscale", grayscaleP);
        probability("blur", blurP);
        probability("solarize", solarizeP);
        if (brightness < 0 || contrast < 0 || saturation < 0) throw bad("jitter strengths must be non-negative");
        if (hue < 0 || hue > 0.5) throw bad("hue strength must be in [0, 0.5], got " + hue);
        if (!(blurSigmaMin > 0 && blurSigmaMin <= blurSigmaMax)) throw bad("blur sigma needs 0 < min <= max, got " + blurSigmaMin + ".." + blurSigmaMax);
        if (blurKernel != FULL_BLUR) {
            if (blurKernel < 3 || blurKernel % 2 == 0) throw bad("blur kernel must be 'full' or an odd size of at least 3, got " + blurKernel);
            int most = 2 * Math.min(outHeight, outWidth) - 1;
            if (blurKernel > most) {
                throw bad("a blur kernel of " + blurKernel + " reflects more than the " + outHeight + "x" + outWidth
                        + " views have beyond their edge (at most " + most + ")");
            }
        }
    }

    /** {@code blurKernel} for PIL's blur ({@link GaussianBlur}), which has no kernel size to choose. */
    public static final int FULL_BLUR = 0;

    /** The blur kernel as the command line and config.json write it: "full" or the odd size. */
    public String blurKernelName() {
        return blurKernelName(blurKernel);
    }

    public static String blurKernelName(int kernel) {
        return kernel == FULL_BLUR ? "full" : Integer.toString(kernel);
    }

    /** "full" ({@link #FULL_BLUR}) or a size; the size is checked when a view is built. */
    public static int blurKernel(String name) {
        if (name.equals("full")) return FULL_BLUR;
        try {
            int k = Integer.parseInt(name);
            if (k != FULL_BLUR) return k;
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException("blur kernel must be 'full' or an odd size of at least 3, got '" + name + "'");
    }

    private static void probability(String what, double p) {
        if (!(p >= 0 && p <= 1)) throw bad(what + " probability must be in [0, 1], got " + p);
    }

    private static IllegalArgumentException bad(String message) {
        return new IllegalArgumentException("view config: " + message);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .outputSize(outHeight, outWidth).cropScale(scaleMin, scaleMax).cropRatio(ratioMin, ratioMax)
                .interpolation(interpolation).flip(flipP)
                .jitter(jitterP, brightness, contrast, saturation, hue).grayscale(grayscaleP)
                .blur(blurP, blurSigmaMin, blurSigmaMax).blurKernel(blurKernel).solarize(solarizeP, solarizeThreshold);
    }

    /** Mutable builder; starts from the official view 1 (224x224, bicubic, PIL's blur with p 1, no solarization). */
    public static final class Builder {
        private int outHeight = 224, outWidth = 224;
        private double scaleMin = 0.08, scaleMax = 1.0, ratioMin = 3.0 / 4.0, ratioMax = 4.0 / 3.0;
        private Interpolation interpolation = Interpolation.BICUBIC;
        private double flipP = 0.5;
        private double jitterP = 0.8, brightness = 0.4, contrast = 0.4, saturation = 0.2, hue = 0.1;
        private double grayscaleP = 0.2;
        private double blurP = 1.0, blurSigmaMin = 0.1, blurSigmaMax = 2.0;
        private int blurKernel = FULL_BLUR;
        private double solarizeP = 0.0, solarizeThreshold = 0.5;

        public Builder outputSize(int height, int width) {
            outHeight = height;
            outWidth = width;
            return this;
        }

        public Builder cropScale(double min, double max) {
            scaleMin = min;
            scaleMax = max;
            return this;
        }

        public Builder cropRatio(double min, double max) {
            ratioMin = min;
            ratioMax = max;
            return this;
        }

        public Builder interpolation(Interpolation value) {
            interpolation = value;
            return this;
        }

        public Builder flip(double p) {
            flipP = p;
            return this;
        }

        public Builder jitter(double p, double brightness, double contrast, double saturation, double hue) {
            this.jitterP = p;
            this.brightness = brightness;
            this.contrast = contrast;
            this.saturation = saturation;
            this.hue = hue;
            return this;
        }

        public Builder grayscale(double p) {
            grayscaleP = p;
            return this;
        }

        public Builder blur(double p, double sigmaMin, double sigmaMax) {
            blurP = p;
            blurSigmaMin = sigmaMin;
            blurSigmaMax = sigmaMax;
            return this;
        }

        /** {@link #FULL_BLUR} (PIL's blur) or an odd kernel size (torchvision's). */
        public Builder blurKernel(int k) {
            blurKernel = k;
            return this;
        }

        public Builder solarize(double p, double threshold) {
            solarizeP = p;
            solarizeThreshold = threshold;
            return this;
        }

        public ViewConfig build() {
            return new ViewConfig(outHeight, outWidth, scaleMin, scaleMax, ratioMin, ratioMax, interpolation, flipP,
                    jitterP, brightness, contrast, saturation, hue, grayscaleP, blurP, blurSigmaMin, blurSigmaMax,
                    blurKernel, solarizeP, solarizeThreshold);
        }
    }
}
