package org.jvicreg.vicreg.data;

import org.jvicreg.vicreg.augment.CropBox;
import org.jvicreg.vicreg.augment.Interpolation;
import org.jvicreg.vicreg.augment.ResizedCrop;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Turns an image file (PNG, JPEG, BMP or GIF, read by javax.imageio) into CHW floats in [0, 1]
 * of a fixed size and channel count: the shorter side is resized to fit and the centre cropped
 * (antialiased bilinear, as PIL's resize), RGB becomes gray with PIL's {@code convert("L")} weights
 * {@code 0.299 R + 0.587 G + 0.114 B}, gray becomes RGB by repetition, alpha is dropped. Gray images
 * are read from their raster, not through {@code getRGB}, which would apply a gamma conversion.
 *
 * <p>Images are hostile input: a few hundred bytes of PNG can declare 30000x30000 pixels. The width and
 * height are read from the header first, and an image of more than {@link #MAX_PIXELS} pixels is
 * refused before the decoder allocates anything; decoding takes about 16 bytes per pixel (the decoded
 * image, then its float planes). Every failure is an {@link IOException} naming the file. The embedding
 * API reads images ({@link #read}) and decodes them as a run's training data was ({@link #decode(BufferedImage,
 * int, int, int, float[], int)}) through this class too.
 */
public final class ImageDecoding {
    /**
     * The pixel budget: at most 2^25 pixels (about 33.5 megapixels, e.g. 8192x4096 or 5792x5792), above
     * the photos of ImageNet and of most cameras; decoding one at the budget takes about 540 MB.
     */
    public static final long MAX_PIXELS = 1L << 25;
    /** The file names taken for images (lower-cased), as a folder of images is read. */
    public static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

    /** Whether a folder's entry is an image to read: a regular, not hidden file with one of the {@link #EXTENSIONS}. */
    public static boolean isImageFile(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return !name.startsWith(".") && Files.isRegularFile(p) && EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    /** The formats decoded, as javax.imageio names them. */
    static final List<String> FORMATS = List.of("png", "jpeg", "bmp", "gif");

    private ImageDecoding() {}

    /** Decodes {@code file} into {@code dst} at {@code offset} ({@code channels x height x width}). */
    static void decode(Path file, int channels, int height, int width, float[] dst, int offset) throws IOException {
        decode(file, channels, height, width, dst, offset, MAX_PIXELS);
    }

    /** {@link #decode(Path, int, int, int, float[], int)} with a pixel budget of {@code maxPixels}. */
    static void decode(Path file, int channels, int height, int width, float[] dst, int offset, long maxPixels) throws IOException {
        decode(read(file, maxPixels), channels, height, width, dst, offset); // h * w <= maxPixels, checked by read
    }

    /** A decoded image into {@code dst} at {@code offset} ({@code channels x height x width}), as a file is. */
    public static void decode(BufferedImage img, int channels, int height, int width, float[] dst, int offset) {
        int h = img.getHeight(), w = img.getWidth();
        float[] full = new float[channels * h * w];
        toChw(img, channels, full);
        CropBox box = CropBox.centredWithAspect(h, w, height, width);
        new ResizedCrop().apply(full, 0, channels, h, w, box, Interpolation.BILINEAR, dst, offset, height, width);
    }

    /**
     * The image in {@code file}, refused with one line naming the file and its size when its header
     * declares more than {@code maxPixels} pixels, or naming the file and what the decoder said when it
     * cannot be decoded.
     */
    public static BufferedImage read(Path file, long maxPixels) throws IOException {
        if (maxPixels > Integer.MAX_VALUE / 4) throw new IllegalArgumentException("pixel budget " + maxPixels + " is too large");
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) throw new IOException(file + ": not a readable image (javax.imageio cannot open it)");
            ImageReader reader = reader(file, in);
            if (reader.getFormatName().equalsIgnoreCase("bmp")) checkBmp(file, in);
            try {
                reader.setInput(in, true, true);
                checkSize(file, reader.getWidth(0), reader.getHeight(0), maxPixels);
                BufferedImage img = reader.read(0);
                if (img == null) throw new IOException(file + ": not a readable image (the decoder returned no image)");
                checkSize(file, img.getWidth(), img.getHeight(), maxPixels);
                return img;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            // the decoder's own exceptions, whatever their type, become one line naming the file; ours name it already
            String said = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            if (e instanceof IOException io && said.startsWith(file + ": ")) throw io;
            throw new IOException(file + ": not a readable image (" + said.replace('\n', ' ') + ")", e);
        }
    }

    /**
     * A reader of one of the documented formats for the stream; the JDK's others (TIFF, WBMP) are not
     * offered hostile files, since their content, not the file's name, picks the reader.
     */
    private static ImageReader reader(Path file, ImageInputStream in) throws IOException {
        String seen = null;
        for (Iterator<ImageReader> it = ImageIO.getImageReaders(in); it.hasNext(); ) {
            ImageReader r = it.next();
            String format = r.getFormatName().toLowerCase(Locale.ROOT);
            if (FORMATS.contains(format)) return r;
            if (seen == null) seen = format;
        }
        throw new IOException(file + ": not a readable image (" + (seen == null ? "no javax.imageio reader for its format"
                : "a " + seen + " image; expected " + String.join(", ", FORMATS)) + ")");
    }

    /**
     * Refuses the BMP headers whose fields javax.imageio's BMP reader allocates by, rather than by the
     * pixels: a pixel-data offset or (for RLE) an image size beyond the file's length, and the
     * embedded JPEG or PNG of compressions 4 and 5, whose own dimensions the budget would not see.
     */
    private static void checkBmp(Path file, ImageInputStream in) throws IOException {
        byte[] h = new byte[38];
        int n = 0;
        in.mark();
        try {
            for (int r; n < h.length && (r = in.read(h, n, h.length - n)) > 0; ) n += r;
        } finally {
            in.reset();
        }
        if (n < h.length) return; // too short for the fields below: the reader reports it
        long length = Files.size(file);
        long offset = le32(h, 10), headerSize = le32(h, 14), compression = le32(h, 30), imageSize = le32(h, 34);
        if (offset > length) {
            throw new IOException(file + ": not a readable image (the BMP header's pixel-data offset " + offset
                    + " is past the file's " + length + " bytes)");
        }
        if (headerSize < 40) return; // an OS/2 1.x header: no compression field
        if (compression == 4 || compression == 5) {
            throw new IOException(file + ": not a readable image (a BMP holding an embedded " + (compression == 4 ? "JPEG" : "PNG")
                    + ", which is not decoded)");
        }
        if ((compression == 1 || compression == 2) && imageSize > length) {
            throw new IOException(file + ": not a readable image (the BMP header's image size " + imageSize
                    + " bytes is more than the file's " + length + ")");
        }
    }

    /** The unsigned little-endian 32-bit field at {@code at}. */
    private static long le32(byte[] b, int at) {
        return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
    }

    private static void checkSize(Path file, int width, int height, long maxPixels) throws IOException {
        if (width <= 0 || height <= 0) {
            throw new IOException(file + ": not a readable image (its header declares " + width + "x" + height + " pixels)");
        }
        long pixels = (long) width * height;
        if (pixels > maxPixels) {
            throw new IOException(String.format(Locale.ROOT, "%s: %dx%d image (%.1f megapixels) is over the decoding budget of %.1f megapixels",
                    file, width, height, pixels / 1e6, maxPixels / 1e6));
        }
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
        int[] argb = new int[w];
        for (int i = 0; i < n; i++) {
            if (i % w == 0) img.getRGB(0, i / w, w, 1, argb, 0, w);
            int p = argb[i % w];
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
