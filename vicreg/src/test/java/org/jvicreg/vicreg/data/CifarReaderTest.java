package org.jvicreg.vicreg.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jvicreg.vicreg.data.IdxFiles.write;

/** CIFAR binary batches written by the test: layout, labels, pixel order, and the error paths. */
class CifarReaderTest {
    private static final int PIXELS = 3 * 32 * 32;

    @TempDir
    Path dir;

    /** Records whose pixel bytes encode (global image number, position) and label = global % classes. */
    private static byte[] batch(int first, int n, int labelBytes, int classes) {
        byte[] b = new byte[n * (labelBytes + PIXELS)];
        for (int r = 0; r < n; r++) {
            int at = r * (labelBytes + PIXELS), g = first + r;
            if (labelBytes == 2) b[at] = (byte) (g % 20);
            b[at + labelBytes - 1] = (byte) (g % classes);
            for (int p = 0; p < PIXELS; p++) b[at + labelBytes + p] = (byte) (g * 13 + p);
        }
        return b;
    }

    @Test
    void readsCifar10TrainBatchesInOrderAndTheTestBatch() throws IOException {
        Path base = dir.resolve("cifar-10-batches-bin");
        for (int i = 1; i <= 5; i++) write(base.resolve("data_batch_" + i + ".bin"), batch((i - 1) * 4, 4, 1, 10));
        write(base.resolve("test_batch.bin"), batch(100, 3, 1, 10));
        ByteImageDataset train = CifarReader.read(dir, Split.TRAIN, CifarReader.Variant.CIFAR10);
        ByteImageDataset test = CifarReader.read(base, Split.TEST, CifarReader.Variant.CIFAR10);
        assertEquals(20, train.size());
        assertEquals(3, test.size());
        assertEquals(3, train.channels());
        assertEquals(32, train.height());
        assertEquals(10, train.numClasses());
        for (int g : new int[] {0, 7, 19}) {
            assertEquals(g % 10, train.label(g));
            float[] img = train.image(g);
            // channel planes in file order: red, green, blue
            for (int p : new int[] {0, 1023, 1024, 3071}) assertEquals(((g * 13 + p) & 0xff) / 255f, img[p]);
        }
        assertEquals(102 % 10, test.label(2));
    }

    @Test
    void readsCifar100FineLabels() throws IOException {
        write(dir.resolve("train.bin"), batch(0, 150, 2, 100));
        ByteImageDataset train = CifarReader.read(dir, Split.TRAIN, CifarReader.Variant.CIFAR100);
        assertEquals(100, train.numClasses());
        assertEquals(149 % 100, train.label(149));
        assertEquals(((149 * 13 + 5) & 0xff) / 255f, train.image(149)[5]);
    }

    @Test
    void truncatedRecordIsNamed() {
        byte[] b = batch(0, 5, 1, 10);
        Path f = write(dir.resolve("test_batch.bin"), Arrays.copyOf(b, 3 * 3073 + 1000));
        IOException e = assertThrows(IOException.class, () -> CifarReader.read(dir, Split.TEST, CifarReader.Variant.CIFAR10));
        assertEquals(f + ": truncated at record 3 (it has 1000 of its 3073 bytes; 3 whole records before it)", e.getMessage());
    }

    @Test
    void labelOutOfRangeAndWrongVariantAreCaught() {
        // CIFAR-100 records read as CIFAR-10: the first byte (coarse label 0..19) lands outside 0..9 or the
        // sizes disagree; here a CIFAR-10 record with label 12 is corrupt
        byte[] b = batch(0, 3, 1, 10);
        b[2 * 3073] = 12;
        Path f = write(dir.resolve("test_batch.bin"), b);
        IOException e = assertThrows(IOException.class, () -> CifarReader.read(dir, Split.TEST, CifarReader.Variant.CIFAR10));
        assertEquals(f + ": record 2 has label 12, outside 0..9 (corrupt file, or not CIFAR10)", e.getMessage());
    }

    @Test
    void missingFilesAndFoldersSayWhatIsExpected() {
        IOException e = assertThrows(IOException.class, () -> CifarReader.read(dir.resolve("none"), Split.TRAIN, CifarReader.Variant.CIFAR10));
        assertTrue(e.getMessage().startsWith(dir.resolve("none") + ": no such directory (expected the extracted cifar-10-batches-bin folder"),
                e.getMessage());
        write(dir.resolve("data_batch_1.bin"), batch(0, 2, 1, 10));
        write(dir.resolve("data_batch_2.bin"), batch(2, 2, 1, 10));
        e = assertThrows(IOException.class, () -> CifarReader.read(dir, Split.TRAIN, CifarReader.Variant.CIFAR10));
        assertTrue(e.getMessage().startsWith(dir.resolve("data_batch_3.bin") + ": no such file"), e.getMessage());
        Path empty = write(dir.resolve("test.bin"), new byte[0]);
        e = assertThrows(IOException.class, () -> CifarReader.read(dir, Split.TEST, CifarReader.Variant.CIFAR100));
        assertEquals(empty + ": empty file (expected records of 3074 bytes)", e.getMessage());
    }
}
