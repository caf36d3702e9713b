package org.jvicreg.vicreg.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jvicreg.vicreg.data.IdxFiles.gzip;
import static org.jvicreg.vicreg.data.IdxFiles.images;
import static org.jvicreg.vicreg.data.IdxFiles.labels;
import static org.jvicreg.vicreg.data.IdxFiles.write;

/** IDX files written by the test, plain and gzipped, and every way they can be wrong. */
class IdxReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsPlainAndGzippedSplits() throws IOException {
        write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(images(50, 5, 4)));
        write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(labels(50, 7)));
        write(dir.resolve("t10k-images-idx3-ubyte"), images(9, 5, 4));
        write(dir.resolve("t10k-labels-idx1-ubyte"), labels(9, 7));
        ByteImageDataset train = IdxReader.read(dir, Split.TRAIN);
        ByteImageDataset test = IdxReader.read(dir, Split.TEST);
        assertEquals(50, train.size());
        assertEquals(9, test.size());
        assertEquals(1, train.channels());
        assertEquals(5, train.height());
        assertEquals(4, train.width());
        assertEquals(7, train.numClasses());
        for (int i : new int[] {0, 13, 49}) {
            float[] img = train.image(i);
            for (int p = 0; p < 20; p++) assertEquals(IdxFiles.pixel(i, p) / 255f, img[p], "image " + i + " pixel " + p);
            assertEquals(i % 7, train.label(i));
        }
        byte[] raw = new byte[20];
        test.rawImage(8, raw, 0);
        assertEquals((byte) IdxFiles.pixel(8, 19), raw[19]);
    }

    @Test
    void limitKeepsTheFirstImagesAndTheClassCount() throws IOException {
        write(dir.resolve("train-images-idx3-ubyte"), images(30, 3, 3));
        write(dir.resolve("train-labels-idx1-ubyte"), labels(30, 10));
        ImageDataset all = IdxReader.read(dir, Split.TRAIN);
        ImageDataset first = all.limit(4);
        assertEquals(4, first.size());
        assertEquals(10, first.numClasses());
        assertTrue(Arrays.equals(all.image(3), first.image(3)));
        assertThrows(IndexOutOfBoundsException.class, () -> first.image(4));
        assertEquals(all, all.limit(1000));
    }

    @Test
    void truncatedImagesNameTheFileAndTheImage() {
        byte[] full = images(60, 28, 28);
        byte[] cut = Arrays.copyOf(full, 16 + 23 * 784 + 100);
        Path plain = write(dir.resolve("train-images-idx3-ubyte"), cut);
        write(dir.resolve("train-labels-idx1-ubyte"), labels(60, 10));
        IOException e = assertThrows(IOException.class, () -> IdxReader.read(dir, Split.TRAIN));
        assertEquals(plain + ": truncated at image 23 of 60 (the header's count 60 (images of 28x28) needs 47040 bytes; the file has 18132"
                + " after the header)", e.getMessage());

        // a gzip stream cut in the middle: the image where the data ends is still named
        byte[] gz = gzip(full);
        Path gzFile = write(dir.resolve("x", "train-images-idx3-ubyte.gz"), Arrays.copyOf(gz, gz.length / 2));
        write(dir.resolve("x", "train-labels-idx1-ubyte"), labels(60, 10));
        e = assertThrows(IOException.class, () -> IdxReader.read(dir.resolve("x"), Split.TRAIN));
        assertTrue(e.getMessage().matches("\\Q" + gzFile + "\\E: truncated at image \\d+ of 60 \\(the gzip stream ends early\\)"),
                e.getMessage());

        // flipped bits inside the deflate data
        byte[] corrupt = gz.clone();
        for (int i = gz.length / 2; i < gz.length / 2 + 20; i++) corrupt[i] ^= (byte) 0x5a;
        Path bad = write(dir.resolve("y", "train-images-idx3-ubyte.gz"), corrupt);
        write(dir.resolve("y", "train-labels-idx1-ubyte"), labels(60, 10));
        e = assertThrows(IOException.class, () -> IdxReader.read(dir.resolve("y"), Split.TRAIN));
        assertTrue(e.getMessage().matches("\\Q" + bad + "\\E: corrupt gzip data at image \\d+ of 60 \\(.*\\)"), e.getMessage());
    }

    @Test
    void badMagicSaysWhatWasExpected() {
        Path images = write(dir.resolve("train-images-idx3-ubyte"), labels(10, 10));
        write(dir.resolve("train-labels-idx1-ubyte"), labels(10, 10));
        IOException e = assertThrows(IOException.class, () -> IdxReader.read(dir, Split.TRAIN));
        assertEquals(images + ": bad magic 0x00000801 (an IDX label file), expected 0x00000803 for an IDX image file", e.getMessage());

        Path junk = write(dir.resolve("junk"), "hello, world, this is text".getBytes());
        e = assertThrows(IOException.class, () -> IdxReader.readLabels(junk));
        assertTrue(e.getMessage().startsWith(junk + ": bad magic 0x68656c6c, expected 0x00000801"), e.getMessage());
    }

    @Test
    void countMismatchTrailingDataAndShortHeaderAreErrors() {
        Path images = write(dir.resolve("train-images-idx3-ubyte"), images(12, 4, 4));
        Path labels = write(dir.resolve("train-labels-idx1-ubyte"), labels(11, 10));
        IOException e = assertThrows(IOException.class, () -> IdxReader.read(dir, Split.TRAIN));
        assertEquals(images + " has 12 images but " + labels + " has 11 labels", e.getMessage());

        byte[] extra = Arrays.copyOf(labels(12, 10), 8 + 12 + 3);
        write(labels, extra);
        e = assertThrows(IOException.class, () -> IdxReader.read(dir, Split.TRAIN));
        assertEquals(labels + ": unexpected data after the last of 12 labels (the header's count 12 (labels) needs 12 bytes; the file has 15"
                + " after the header)", e.getMessage());

        write(labels, new byte[] {0, 0, 8});
        e = assertThrows(IOException.class, () -> IdxReader.read(dir, Split.TRAIN));
        assertEquals(labels + ": truncated header", e.getMessage());
    }

    @Test
    void missingFolderOrFilesSayWhatIsExpected() {
        IOException e = assertThrows(IOException.class, () -> IdxReader.read(dir.resolve("nope"), Split.TRAIN));
        assertTrue(e.getMessage().startsWith(dir.resolve("nope") + ": no such directory (expected a folder with train-images-idx3-ubyte[.gz]"),
                e.getMessage());
        write(dir.resolve("train-images-idx3-ubyte"), images(2, 2, 2));
        e = assertThrows(IOException.class, () -> IdxReader.read(dir, Split.TEST));
        assertTrue(e.getMessage().startsWith(dir + ": no t10k-images-idx3-ubyte[.gz]"), e.getMessage());
        e = assertThrows(IOException.class, () -> IdxReader.read(dir, Split.TRAIN));
        assertTrue(e.getMessage().startsWith(dir + ": no train-labels-idx1-ubyte[.gz]"), e.getMessage());
    }
}
