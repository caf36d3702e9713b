package org.jvicreg.vicreg.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the binary versions of CIFAR-10 and CIFAR-100 (as extracted from
 * {@code cifar-10-binary.tar.gz} / {@code cifar-100-binary.tar.gz}). A record is the label byte(s)
 * then 3072 pixel bytes, the red, green and blue 32x32 planes (already CHW). CIFAR-10: one label
 * byte; training split {@code data_batch_1.bin} .. {@code data_batch_5.bin}, test split
 * {@code test_batch.bin}. CIFAR-100: a coarse then a fine label byte (the fine label, 100 classes,
 * is used); {@code train.bin} / {@code test.bin}. The folder may be the one holding the files or
 * its parent holding {@code cifar-10-batches-bin/} or {@code cifar-100-binary/}.
 *
 * <p>Every file's length is checked (a whole number of records, and all of them together small enough
 * for one array) before any is read, so memory stays twice the files' size.
 */
public final class CifarReader {
    private static final int SIDE = 32, PIXELS = 3 * SIDE * SIDE;
    /** The largest Java array. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    /** Which CIFAR. */
    public enum Variant {
        CIFAR10("cifar-10-batches-bin", 1, 10),
        CIFAR100("cifar-100-binary", 2, 100);

        final String folder;
        final int labelBytes;
        final int classes;

        Variant(String folder, int labelBytes, int classes) {
            this.folder = folder;
            this.labelBytes = labelBytes;
            this.classes = classes;
        }

        List<String> files(Split split) {
            if (this == CIFAR100) return List.of(split == Split.TRAIN ? "train.bin" : "test.bin");
            if (split == Split.TEST) return List.of("test_batch.bin");
            List<String> names = new ArrayList<>();
            for (int i = 1; i <= 5; i++) names.add("data_batch_" + i + ".bin");
            return names;
        }
    }

    private CifarReader() {}

    public static ByteImageDataset read(Path dir, Split split, Variant variant) throws IOException {
        Path base = locate(dir, split, variant);
        int recordSize = variant.labelBytes + PIXELS;
        List<String> names = variant.files(split);
        long records = 0;
        for (String name : names) {
            Path file = base.resolve(name);
            long length;
            try {
                length = Files.size(file);
            } catch (NoSuchFileException e) {
                throw new IOException(file + ": no such file (a " + variant.folder + " folder has " + String.join(", ", names) + ")", e);
            }
            if (length == 0) throw new IOException(file + ": empty file (expected records of " + recordSize + " bytes)");
            if (length % recordSize != 0) {
                long whole = length / recordSize;
                throw new IOException(file + ": truncated at record " + whole + " (it has " + length % recordSize + " of its "
                        + recordSize + " bytes; " + whole + " whole records before it)");
            }
            records += length / recordSize;
            if (records > MAX_ARRAY / PIXELS) {
                throw new IOException(file + ": its " + length + " bytes bring the record count to " + records + ", whose "
                        + PIXELS + " pixel bytes each do not fit in one array (at most " + MAX_ARRAY / PIXELS + " records)");
            }
        }
        byte[] pixels = new byte[(int) records * PIXELS];
        int[] labels = new int[(int) records];
        int k = 0;
        for (String name : names) {
            Path file = base.resolve(name);
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length % recordSize != 0 || k + bytes.length / recordSize > records) {
                throw new IOException(file + ": changed while it was being read");
            }
            for (int r = 0, n = bytes.length / recordSize; r < n; r++, k++) {
                int at = r * recordSize;
                int label = bytes[at + variant.labelBytes - 1] & 0xff;
                if (label >= variant.classes) {
                    throw new IOException(file + ": record " + r + " has label " + label + ", outside 0.."
                            + (variant.classes - 1) + " (corrupt file, or not " + variant + ")");
                }
                labels[k] = label;
                System.arraycopy(bytes, at + variant.labelBytes, pixels, k * PIXELS, PIXELS);
            }
        }
        if (k != records) throw new IOException(base + ": a file changed while the split was being read");
        return new ByteImageDataset(pixels, labels, 3, SIDE, SIDE, variant.classes,
                variant.name().toLowerCase(java.util.Locale.ROOT) + " " + split + " (" + records + " images, 3x32x32, " + base + ")");
    }

    private static Path locate(Path dir, Split split, Variant variant) throws IOException {
        String first = variant.files(split).get(0);
        if (Files.isRegularFile(dir.resolve(first))) return dir;
        Path nested = dir.resolve(variant.folder);
        if (Files.isRegularFile(nested.resolve(first))) return nested;
        String what = Files.isDirectory(dir) ? "no " + first : "no such directory";
        throw new IOException(dir + ": " + what + " (expected the extracted " + variant.folder + " folder, or its parent, holding "
                + String.join(", ", variant.files(split)) + ")");
    }
}
