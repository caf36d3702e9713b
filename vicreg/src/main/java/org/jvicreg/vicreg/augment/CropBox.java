package org.jvicreg.vicreg.augment;

import org.jvicreg.engine.Rng;

/**
 * A crop rectangle inside an image, in whole source pixels: rows {@code top..top+height-1}, columns
 * {@code left..left+width-1}. {@link #sample} draws it the way torchvision's
 * {@code RandomResizedCrop.get_params} does.
 */
public record CropBox(int top, int left, int height, int width) {

    public CropBox {
        if (height <= 0 || width <= 0 || top < 0 || left < 0) {
            throw new IllegalArgumentException("crop box must be non-empty and non-negative, got " + this);
        }
    }

    /** The whole image. */
    public static CropBox full(int height, int width) {
        return new CropBox(0, 0, height, width);
    }

    /** Whether the box lies inside an image of the given size. */
    public boolean fitsIn(int imageHeight, int imageWidth) {
        return top + height <= imageHeight && left + width <= imageWidth;
    }

    /**
     * The largest centred box with the aspect ratio {@code outWidth / outHeight}: resizing it to
     * {@code outHeight x outWidth} is "resize the shorter side, then centre-crop".
     */
    public static CropBox centredWithAspect(int imageHeight, int imageWidth, int outHeight, int outWidth) {
        long lhs = (long) imageWidth * outHeight;
        long rhs = (long) imageHeight * outWidth;
        int h = imageHeight, w = imageWidth;
        if (lhs > rhs) {
            w = Math.max(1, (int) Math.rint((double) imageHeight * outWidth / outHeight));
        } else if (lhs < rhs) {
            h = Math.max(1, (int) Math.rint((double) imageWidth * outHeight / outWidth));
        }
        return new CropBox((imageHeight - h) / 2, (imageWidth - w) / 2, h, w);
    }

    /**
     * torchvision's RandomResizedCrop sampling: up to 10 attempts at an area fraction uniform in
     * {@code [scaleMin, scaleMax]} and a log-uniform aspect ratio in {@code [ratioMin, ratioMax]}, kept
     * when it fits, placed uniformly; otherwise the centre crop clamped to the ratio range. Rounding is
     * Python's {@code round} (half to even), as in torchvision.
     */
    public static CropBox sample(Rng rng, int imageHeight, int imageWidth,
                                 double scaleMin, double scaleMax, double ratioMin, double ratioMax) {
        double area = (double) imageHeight * imageWidth;
        double logMin = Math.log(ratioMin), logMax = Math.log(ratioMax);
        for (int attempt = 0; attempt < 10; attempt++) {
            double targetArea = area * uniform(rng, scaleMin, scaleMax);
            double aspect = Math.exp(uniform(rng, logMin, logMax));
            int w = (int) Math.rint(Math.sqrt(targetArea * aspect));
            int h = (int) Math.rint(Math.sqrt(targetArea / aspect));
            if (0 < w && w <= imageWidth && 0 < h && h <= imageHeight) {
                int top = rng.nextInt(imageHeight - h + 1);
                int left = rng.nextInt(imageWidth - w + 1);
                return new CropBox(top, left, h, w);
            }
        }
        double inRatio = (double) imageWidth / imageHeight;
        int w, h;
        if (inRatio < Math.min(ratioMin, ratioMax)) {
            w = imageWidth;
            h = (int) Math.rint(w / Math.min(ratioMin, ratioMax));
        } else if (inRatio > Math.max(ratioMin, ratioMax)) {
            h = imageHeight;
            w = (int) Math.rint(h * Math.max(ratioMin, ratioMax));
        } else {
            w = imageWidth;
            h = imageHeight;
        }
        return new CropBox((imageHeight - h) / 2, (imageWidth - w) / 2, h, w);
    }

    static double uniform(Rng rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }
}
