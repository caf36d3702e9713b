package org.jvicreg.vicreg.embed;

import org.jvicreg.vicreg.augment.Normalization;
import org.jvicreg.vicreg.data.ImageDecoding;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;

/**
 * How an {@link Encoder} turns an image into its network's input: one of two pipelines, then a per-channel
 * normalisation.
 * <ul>
 *   <li>{@link #imagenet()}: torchvision's evaluation transform for ImageNet weights, as the official VICReg
 *       evaluation uses it: {@code Resize(256)} of the shorter side (Pillow's antialiased bilinear on 8-bit
 *       pixels, reproduced bit for bit by {@link PilResize}), {@code CenterCrop(224)}, {@code ToTensor},
 *       ImageNet's mean and std. Any image becomes RGB as Pillow's {@code convert("RGB")} does it: gray
 *       repeated, alpha dropped, palettes looked up.</li>
 *   <li>{@link #training}: the decoding a run's training data went through ({@link ImageDecoding}: the
 *       image's shorter side resized to fit and the centre cropped, antialiased bilinear on floats; gray and
 *       RGB converted to the run's channel count), with the run's normalisation.</li>
 * </ul>
 */
public record Preprocessing(boolean pil, int resize, int channels, int height, int width, Normalization normalization) {

    public Preprocessing {
        if (channels != normalization.channels()) {
            throw new IllegalArgumentException("a normalisation of " + normalization.channels() + " channels for "
                    + channels + "-channel images");
        }
        if (resize < 1 || height < 1 || width < 1 || (pil && (resize < height || resize < width))) {
            throw new IllegalArgumentException("resize " + resize + " and crop " + height + "x" + width + " do not fit");
        }
    }

    /** torchvision's ImageNet evaluation transform: Resize(256), CenterCrop(224), ToTensor, ImageNet mean/std. */
    public static Preprocessing imagenet() {
        return new Preprocessing(true, 256, 3, 224, 224, Normalization.IMAGENET);
    }

    /** The decoding of a run's training images: channels x height x width, and the run's normalisation. */
    public static Preprocessing training(int channels, int height, int width, Normalization normalization) {
        return new Preprocessing(false, Math.max(height, width), channels, height, width, normalization);
    }

    /** Values per image: channels x height x width. */
    public int imageSize() {
        return channels * height * width;
    }

    /** The network's input for one image, written into dst at offset (imageSize() floats). */
    public void apply(BufferedImage img, float[] dst, int offset) {
        pixels(img, dst, offset);
        normalization.apply(dst, offset, height * width);
    }

    /** The image resized and cropped, values in [0, 1], before the normalisation. */
    void pixels(BufferedImage img, float[] dst, int offset) {
        if (pil) imagenetTransform(img, dst, offset);
        else ImageDecoding.decode(img, channels, height, width, dst, offset);
    }

    private void imagenetTransform(BufferedImage img, float[] dst, int offset) {
        int h = img.getHeight(), w = img.getWidth();
        // torchvision's Resize(int): the shorter side becomes `resize`, the longer int(resize * long / short)
        int rh, rw;
        if (h <= w) {
            rh = resize;
            rw = (int) ((long) resize * w / h);
        } else {
            rw = resize;
            rh = (int) ((long) resize * h / w);
        }
        int[] resized = PilResize.resize(rgbBytes(img), 3, h, w, rh, rw);
        // CenterCrop: Python's round() of half the margin (halves to even)
        int top = (int) Math.rint((rh - height) / 2.0), left = (int) Math.rint((rw - width) / 2.0);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    dst[offset + (c * height + y) * width + x] = resized[(c * rh + top + y) * rw + left + x] / 255f;
                }
            }
        }
    }

    /**
     * The image as three planes of bytes (0..255), as Pillow's convert("RGB"): gray is read from the raster
     * (getRGB would apply a gamma curve to it) and repeated, 16-bit gray keeps its high byte, colour images
     * give their sRGB components without alpha, palettes their entries.
     */
    static int[] rgbBytes(BufferedImage img) {
        int h = img.getHeight(), w = img.getWidth(), n = h * w;
        int[] out = new int[3 * n];
        if (img.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            Raster raster = img.getRaster();
            int shift = Math.max(0, img.getColorModel().getComponentSize(0) - 8);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int v = raster.getSample(x, y, 0) >> shift;
                    out[y * w + x] = v;
                    out[n + y * w + x] = v;
                    out[2 * n + y * w + x] = v;
                }
            }
            return out;
        }
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < n; i++) {
            out[i] = (argb[i] >> 16) & 0xff;
            out[n + i] = (argb[i] >> 8) & 0xff;
            out[2 * n + i] = argb[i] & 0xff;
        }
        return out;
    }
}
