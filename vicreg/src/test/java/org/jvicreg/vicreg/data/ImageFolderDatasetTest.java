package org.jvicreg.vicreg.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jvicreg.vicreg.data.IdxFiles.write;

/** Class folders of PNG/JPEG files written by the test. */
class ImageFolderDatasetTest {
    @TempDir
    Path root;

    /** An RGB image whose pixel (x, y) is (10x, 20y, 5x + 3y) in 0..255. */
    private static BufferedImage rgb(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) img.setRGB(x, y, (10 * x) << 16 | (20 * y) << 8 | (5 * x + 3 * y));
        }
        return img;
    }

    private static BufferedImage gray(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) img.getRaster().setSample(x, y, 0, 7 * x + 11 * y);
        }
        return img;
    }

    private Path save(BufferedImage img, String format, String... path) throws IOException {
        Path p = root.resolve(String.join("/", path));
        Files.createDirectories(p.getParent());
        assertTrue(ImageIO.write(img, format, p.toFile()));
        return p;
    }

    @Test
    void readsClassesInSortedOrderWithExactPngPixels() throws IOException {
        save(rgb(6, 5), "png", "train", "zebra", "b.png");
        save(rgb(6, 5), "png", "train", "zebra", "a.png");
        save(gray(6, 5), "png", "train", "ant", "only.png");
        save(rgb(6, 5), "jpg", "train", "ant", "photo.JPG");
        write(root.resolve("train/ant/notes.txt"), "ignored".getBytes());
        save(rgb(6, 5), "png", "test", "zebra", "t.png");

        ImageFolderDataset train = ImageFolderDataset.open(root, Split.TRAIN, 3, 5, 6);
        assertEquals(List.of("ant", "zebra"), train.classNames());
        assertEquals(4, train.size());
        assertEquals(List.of("only.png", "photo.JPG", "a.png", "b.png"),
                List.of(0, 1, 2, 3).stream().map(i -> train.file(i).getFileName().toString()).toList());
        assertEquals(0, train.label(0));
        assertEquals(1, train.label(3));

        float[] img = train.image(3);   // RGB PNG at its own size: exact values
        int n = 30;
        assertEquals(10 * 4 / 255f, img[2 * 6 + 4]);
        assertEquals(20 * 2 / 255f, img[n + 2 * 6 + 4]);
        assertEquals((5 * 4 + 3 * 2) / 255f, img[2 * n + 2 * 6 + 4]);
        float[] g = train.image(0);     // gray PNG read from its raster (no gamma), repeated to RGB
        assertEquals((7 * 4 + 11 * 2) / 255f, g[2 * 6 + 4]);
        assertEquals(g[2 * 6 + 4], g[2 * n + 2 * 6 + 4]);
        float[] jpeg = train.image(1);  // lossy, but close
        assertEquals(10 * 4 / 255f, jpeg[2 * 6 + 4], 12 / 255f);

        ImageFolderDataset test = ImageFolderDataset.open(root, Split.TEST, 1, 5, 6);
        assertEquals(2, test.numClasses());
        assertEquals(1, test.label(0));
        float luma = 0.299f * (10 * 4) / 255f + 0.587f * (20 * 2) / 255f + 0.114f * (5 * 4 + 3 * 2) / 255f;
        assertEquals(luma, test.image(0)[2 * 6 + 4], 1e-6f);
    }

    @Test
    void resizesTheShorterSideAndCropsTheCentre() throws IOException {
        // 12 wide x 6 high, left half black, right half white, centre 6x6 crop resized to 3x3
        BufferedImage img = new BufferedImage(12, 6, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 6; y++) {
            for (int x = 6; x < 12; x++) img.getRaster().setSample(x, y, 0, 255);
        }
        save(img, "png", "train", "a", "x.png");
        float[] out = ImageFolderDataset.open(root, Split.TRAIN, 1, 3, 3).image(0);
        // the centre crop is columns 3..8: three black then three white, each output pixel averages two
        // columns: 0, 0.5 (one black, one white), 1
        for (int y = 0; y < 3; y++) {
            assertEquals(0f, out[3 * y], 1e-6f);
            assertEquals(0.5f, out[3 * y + 1], 1e-6f);
            assertEquals(1f, out[3 * y + 2], 1e-6f);
        }
    }

    @Test
    void wrongLayoutsSayWhatWasExpected() throws IOException {
        IOException e = assertThrows(IOException.class, () -> ImageFolderDataset.open(root.resolve("missing"), Split.TRAIN, 3, 8, 8));
        assertTrue(e.getMessage().startsWith(root.resolve("missing") + ": no such directory (expected " + root.resolve("missing")
                + "/train/<class>/<image>"), e.getMessage());

        e = assertThrows(IOException.class, () -> ImageFolderDataset.open(root, Split.TRAIN, 3, 8, 8));
        assertTrue(e.getMessage().startsWith(root + ": no train/ folder (expected"), e.getMessage());

        Files.createDirectories(root.resolve("train"));
        e = assertThrows(IOException.class, () -> ImageFolderDataset.open(root, Split.TRAIN, 3, 8, 8));
        assertTrue(e.getMessage().startsWith(root.resolve("train") + ": no class folders"), e.getMessage());

        save(rgb(4, 4), "png", "train", "cat", "1.png");
        Files.createDirectories(root.resolve("train/dog"));
        write(root.resolve("train/dog/readme.txt"), new byte[] {1});
        e = assertThrows(IOException.class, () -> ImageFolderDataset.open(root, Split.TRAIN, 3, 8, 8));
        assertEquals(root.resolve("train/dog") + ": no images (expected .png, .jpg, .jpeg, .bmp, .gif files)", e.getMessage());

        save(rgb(4, 4), "png", "train", "dog", "1.png");
        e = assertThrows(IOException.class, () -> ImageFolderDataset.open(root, Split.TEST, 3, 8, 8));
        assertTrue(e.getMessage().startsWith(root + ": no test/ or val/ folder"), e.getMessage());

        save(rgb(4, 4), "png", "val", "cow", "1.png");
        e = assertThrows(IOException.class, () -> ImageFolderDataset.open(root, Split.TEST, 3, 8, 8));
        assertTrue(e.getMessage().startsWith(root.resolve("val/cow") + ": class folder not present in " + root.resolve("train")), e.getMessage());
    }

    @Test
    void unreadableImageNamesTheFileWhenDecoded() throws IOException {
        save(rgb(4, 4), "png", "train", "cat", "1.png");
        Path bad = write(root.resolve("train/cat/2.png"), "not a png at all".getBytes());
        ImageFolderDataset d = ImageFolderDataset.open(root, Split.TRAIN, 3, 4, 4);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> d.image(1));
        assertTrue(e.getMessage().contains(bad + ": not a readable image"), e.getMessage());
        assertTrue(e.getMessage().contains("image 1 of image folder"), e.getMessage());
    }
}
