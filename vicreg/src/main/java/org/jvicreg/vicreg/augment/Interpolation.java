package org.jvicreg.vicreg.augment;

/**
 * The resampling filter of {@link ResizedCrop}: the separable, antialiased filters of PIL and of
 * PyTorch's {@code interpolate(..., antialias=True)} (both use the same weights). When shrinking, the
 * filter is stretched by the scale factor so every source pixel contributes (no aliasing); when
 * enlarging it is the ordinary bilinear / bicubic interpolation with {@code align_corners=False}.
 */
public enum Interpolation {
    /** Triangle filter, support 1: torchvision's default for RandomResizedCrop. */
    BILINEAR(1.0),
    /** Keys cubic with a = -0.5 (PIL's and PyTorch's antialias choice), support 2: the official VICReg crops. */
    BICUBIC(2.0);

    private final double support;

    Interpolation(double support) {
        this.support = support;
    }

    /** Half-width of the filter in (scaled) source pixels. */
    public double support() {
        return support;
    }

    /** The filter's weight at distance {@code x} (in filter units). */
    public double weight(double x) {
        double a = Math.abs(x);
        return switch (this) {
            case BILINEAR -> a < 1.0 ? 1.0 - a : 0.0;
            case BICUBIC -> {
                final double k = -0.5;
                if (a < 1.0) yield ((k + 2.0) * a - (k + 3.0)) * a * a + 1.0;
                if (a < 2.0) yield (((a - 5.0) * a + 8.0) * a - 4.0) * k;
                yield 0.0;
            }
        };
    }
}
