package org.jvicreg.vicreg.data;

import org.jvicreg.engine.io.AtomicFile;
import org.jvicreg.vicreg.augment.AugmentConfig;
import org.jvicreg.vicreg.augment.SampleRng;
import org.jvicreg.vicreg.augment.ViewAugmenter;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What the network sees: a PNG grid with one row per sampled image and three columns, the image, its
 * view 1 and its view 2 (before normalisation), enlarged with nearest-neighbour pixels so small images
 * are visible. The images are the first {@code count} of a {@link TwoViewLoader}'s epoch 0 with the
 * same seed, and their views are exactly those that loader makes. Backs {@code bin/vicreg augment}.
 */
public final class AugmentPreview {
    /** Smallest drawn cell side, in pixels. */
    static final int MIN_CELL = 96;
    static final int GAP = 4;
    static final int BACKGROUND = 0x303030;
    /** The most rows a grid may have (at 224x224 images, a 688x22800 PNG). */
    public static final int MAX_COUNT = 100;
    /** The most pixels a grid may have: 2^28, a 1 GB image in memory. */
    static final long MAX_GRID_PIXELS = 1L << 28;

    private AugmentPreview() {}

    /** Renders {@link #render} and writes it atomically as a PNG to {@code out}. */
    public static void write(ImageDataset data, AugmentConfig config, int count, long seed, Path out) throws IOException {
        BufferedImage grid = render(data, config, count, seed);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(grid, "png", bytes)) throw new IOException("no PNG writer in this JDK");
        AtomicFile.write(out, bytes.toByteArray());
    }

    /**
     * The grid as an RGB image: {@code count} rows (at most the dataset size) of image / view 1 / view 2;
     * {@code count} is at most {@link #MAX_COUNT}.
     */
    public static BufferedImage render(ImageDataset data, AugmentConfig config, int count, long seed) {
        if (count <= 0 || count > MAX_COUNT) throw new IllegalArgumentException("count must be in 1.." + MAX_COUNT + ", got " + count);
        int rows = Math.min(count, data.size());
        int c = data.channels(), h = data.height(), w = data.width();
        int oh = config.outHeight(), ow = config.outWidth();
        int scale = Math.max(1, (int) Math.ceil((double) MIN_CELL / Math.max(Math.max(h, w), Math.max(oh, ow))));
        long cellH = (long) Math.max(h, oh) * scale, cellW = (long) Math.max(w, ow) * scale;
        long gridW = 3 * cellW + 4 * GAP, gridH = rows * cellH + (rows + 1) * GAP; // each factor below 2^31: exact
        if (gridW > MAX_GRID_PIXELS || gridH > MAX_GRID_PIXELS || gridW * gridH > MAX_GRID_PIXELS) {
            throw new IllegalArgumentException("a grid of " + rows + " rows of " + c + "x" + h + "x" + w + " images is " + gridW + "x" + gridH
                    + " pixels, more than " + MAX_GRID_PIXELS + " (" + data.description() + ")");
        }
        BufferedImage grid = new BufferedImage((int) gridW, (int) gridH, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < grid.getHeight(); y++) {
            for (int x = 0; x < grid.getWidth(); x++) grid.setRGB(x, y, BACKGROUND);
        }
        int[] order = new int[data.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        SampleRng.order(seed, 0).shuffle(order);
        float[] src = new float[data.imageSize()];
        float[] v1 = new float[c * oh * ow], v2 = new float[c * oh * ow];
        ViewAugmenter augmenter = new ViewAugmenter();
        for (int r = 0; r < rows; r++) {
            int idx = order[r];
            data.image(idx, src, 0);
            augmenter.twoViews(src, 0, c, h, w, config, SampleRng.of(seed, 0, idx), v1, v2, 0, false);
            int top = (int) (GAP + r * (cellH + GAP));
            draw(grid, src, c, h, w, scale, GAP, top);
            draw(grid, v1, c, oh, ow, scale, (int) (2 * GAP + cellW), top);
            draw(grid, v2, c, oh, ow, scale, (int) (3 * GAP + 2 * cellW), top);
        }
        return grid;
    }

    private static void draw(BufferedImage grid, float[] img, int c, int h, int w, int scale, int left, int top) {
        int n = h * w;
        for (int y = 0; y < h * scale; y++) {
            for (int x = 0; x < w * scale; x++) {
                int i = (y / scale) * w + x / scale;
                int r = byteOf(img[i]);
                int g = c == 3 ? byteOf(img[n + i]) : r;
                int b = c == 3 ? byteOf(img[2 * n + i]) : r;
                grid.setRGB(left + x, top + y, (r << 16) | (g << 8) | b);
            }
        }
    }

    private static int byteOf(float v) {
        return Math.round(Math.max(0f, Math.min(1f, v)) * 255f);
    }
}
