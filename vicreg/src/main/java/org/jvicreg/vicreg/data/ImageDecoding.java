package org.jvicreg.vicreg.data;

import org.jvicreg.vicreg.augment.CropBox;
import org.jvicreg.vicreg.augment.Interpolation;
import org.jvicreg.vicreg.augment.ResizedCrop;

import javax.imageio.ImageIO;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Turns an image file (anything javax.imageio reads: PNG, JPEG, BMP, GIF) into CHW floats in [0, 1]
 * of a fixed size and channel count: the shorter side is resized to fit and the centre cropped
 * (antialiased bilinear, as PIL's resize), RGB becomes gray with PIL's {@code convert("L")} weights
 * {@code 0.299 R + 0.587 G + 0.114 B}, gray becomes RGB by repetition, alpha is dropped. Gray images
 * are read from their raster, not through {@code getRGB}, which would apply a gamma conversion.
 */
final class ImageDecoding {
    private ImageDecoding() {}

    /** Decodes {@code file} into {@code dst} at {@code offset} ({@code channels x height x width}). */
    static void decode(Path file, int channels, int height, int width, float[] dst, int offset) throws IOException {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": not a readable image (" + e.getMessage() + ")", e);
        }
        if (img == null) throw new IOException(file + ": not a readable image (no javax.imageio reader for its format)");
        int h = img.getHeight(), w = img.getWidth();
        float[] full = new float[channels * h * w];
        toChw(img, channels, full);
        CropBox box = CropBox.centredWithAspect(h, w, height, width);
        new ResizedCrop().apply(full, 0, channels, h, w, box, Interpolation.BILINEAR, dst, offset, height, width);
    }

    /** The image at its own size as {@code channels} planes in [0, 1]. */
    static void toChw(BufferedImage img, int channels, float[] out) {
        int h = img.getHeight(), w = img.getWidth(), n = h * w;
        Raster raster = img.getRaster();
        boolean gray = img.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY;
        if (gray) {
            float max = (1 << img.getColorModel().getComponentSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) out[y * w + x] = raster.getSample(x, y, 0) / max;
            }
            for (int c = 1; c < channels; c++) System.arraycopy(out, 0, out, c * n, n);
            return;
        }
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < n; i++) {
            int p = argb[i];
            float r = ((p >> 16) & 0xff) / 255f, g = ((p >> 8) & 0xff) / 255f, b = (p & 0xff) / 255f;
            if (channels == 1) {
                out[i] = 0.299f * r + 0.587f * g + 0.114f * b;
            } else {
                out[i] = r;
                out[n + i] = g;
                out[2 * n + i] = b;
            }
        }
    }
}
