package org.jvicreg.vicreg.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads MNIST-style IDX files (MNIST, Fashion-MNIST): {@code train-images-idx3-ubyte} with
 * {@code train-labels-idx1-ubyte} for the training split, {@code t10k-*} for the test split, each
 * optionally gzipped (detected from the content, not the name). The format: a big-endian magic
 * {@code 0x00000803} (unsigned bytes, 3 dimensions) then the count, rows and columns, then the pixels;
 * labels have magic {@code 0x00000801} and a count. Every inconsistency is an {@link IOException} that
 * names the file and, for short data, the record where it ends.
 *
 * <p>The file is hostile until proven otherwise: the header's counts and sizes are checked against the
 * file's length before anything is allocated (a plain file must hold exactly what its header claims; a
 * gzipped one cannot inflate to more than {@value #MAX_DEFLATE_RATIO} times its length), and a gzipped
 * file's array grows only as its data actually arrives, so memory stays a small multiple of the data.
 */
public final class IdxReader {
    static final int IMAGE_MAGIC = 0x00000803;
    static final int LABEL_MAGIC = 0x00000801;
    private static final int CHUNK = 1 << 16;
    /** Deflate's largest expansion (a run of one byte value): about 1032 output bytes per input byte. */
    static final int MAX_DEFLATE_RATIO = 1032;
    /** The largest Java array. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private IdxReader() {}

    /** The split's images and labels from {@code dir}; the class count is the largest label + 1. */
    public static ByteImageDataset read(Path dir, Split split) throws IOException {
        String prefix = split == Split.TRAIN ? "train" : "t10k";
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": no such directory (expected a folder with " + prefix + "-images-idx3-ubyte[.gz] and "
                    + prefix + "-labels-idx1-ubyte[.gz])");
        }
        Path images = find(dir, prefix, "images", 3);
        Path labels = find(dir, prefix, "labels", 1);
        return read(images, labels, dir.getFileName() + " " + split);
    }

    /** A dataset from an explicit pair of IDX files. */
    public static ByteImageDataset read(Path imagesFile, Path labelsFile, String description) throws IOException {
        int[] dims = new int[3];
        byte[] pixels = readImages(imagesFile, dims);
        byte[] labelBytes = readLabels(labelsFile);
        if (labelBytes.length != dims[0]) {
            throw new IOException(imagesFile + " has " + dims[0] + " images but " + labelsFile + " has " + labelBytes.length
                    + " labels");
        }
        int[] labels = new int[labelBytes.length];
        int max = 0;
        for (int i = 0; i < labels.length; i++) {
            labels[i] = labelBytes[i] & 0xff;
            max = Math.max(max, labels[i]);
        }
        return new ByteImageDataset(pixels, labels, 1, dims[1], dims[2], max + 1,
                description + " (" + dims[0] + " images, 1x" + dims[1] + "x" + dims[2] + ")");
    }

    /** The pixels of an IDX image file; {@code dims} receives count, rows, columns. */
    public static byte[] readImages(Path file, int[] dims) throws IOException {
        try (Source in = open(file)) {
            checkMagic(file, readInt(in, file), IMAGE_MAGIC, "image");
            int n = readInt(in, file), rows = readInt(in, file), cols = readInt(in, file);
            if (n < 0 || rows <= 0 || cols <= 0) {
                throw new IOException(file + ": corrupt header: " + n + " images of " + rows + "x" + cols);
            }
            long recordSize = (long) rows * cols; // both below 2^31: no overflow in a long
            long total = n == 0 ? 0 : recordSize > MAX_ARRAY / n ? Long.MAX_VALUE : recordSize * n;
            if (recordSize > MAX_ARRAY || total > MAX_ARRAY) {
                throw new IOException(file + ": header count " + n + " images of " + rows + "x" + cols
                        + " do not fit in one array (more than " + MAX_ARRAY + " bytes)");
            }
            checkLength(in, file, 16, total, recordSize, n, "image", "images of " + rows + "x" + cols);
            byte[] pixels = readRecords(in, (int) recordSize, n, file, "image");
            dims[0] = n;
            dims[1] = rows;
            dims[2] = cols;
            return pixels;
        }
    }

    /** The labels of an IDX label file, one unsigned byte each. */
    public static byte[] readLabels(Path file) throws IOException {
        try (Source in = open(file)) {
            checkMagic(file, readInt(in, file), LABEL_MAGIC, "label");
            int n = readInt(in, file);
            if (n < 0) throw new IOException(file + ": corrupt header: " + n + " labels");
            checkLength(in, file, 8, n, 1, n, "label", "labels");
            if (n > MAX_ARRAY) throw new IOException(file + ": header count " + n + " labels do not fit in one array");
            return readRecords(in, 1, n, file, "label");
        }
    }

    private static Path find(Path dir, String prefix, String kind, int rank) throws IOException {
        String base = prefix + "-" + kind;
        String suffix = "idx" + rank + "-ubyte";
        List<String> names = List.of(base + "-" + suffix + ".gz", base + "-" + suffix, base + "." + suffix, base + "." + suffix + ".gz");
        for (String name : names) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        throw new IOException(dir + ": no " + base + "-" + suffix + "[.gz] (expected the IDX files " + prefix + "-images-idx3-ubyte[.gz] and "
                + prefix + "-labels-idx1-ubyte[.gz], as in the MNIST and Fashion-MNIST downloads)");
    }

    /** The file's content (gunzipped when {@code gzipped}) and the file's length in bytes. */
    private record Source(InputStream in, boolean gzipped, long length) implements AutoCloseable {
        int read() throws IOException {
            return in.read();
        }

        int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, len);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** A buffered stream of the file's content, gunzipped when it starts with the gzip magic 1f 8b. */
    private static Source open(Path file) throws IOException {
        InputStream raw;
        long length;
        try {
            length = Files.size(file);
            raw = new BufferedInputStream(Files.newInputStream(file), CHUNK);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such file", e);
        }
        try {
            raw.mark(2);
            int b0 = raw.read(), b1 = raw.read();
            raw.reset();
            if (b0 == 0x1f && b1 == 0x8b) return new Source(new BufferedInputStream(new GZIPInputStream(raw, CHUNK), CHUNK), true, length);
            return new Source(raw, false, length);
        } catch (IOException e) {
            raw.close();
            throw new IOException(file + ": not a readable gzip stream (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Checks the {@code total} bytes the header claims after its {@code headerSize} bytes against the
     * file's length: a plain file holds exactly that many, a gzipped one at most what deflate can expand
     * its length to. The error names the file, the header's count and the lengths.
     */
    private static void checkLength(Source in, Path file, int headerSize, long total, long recordSize, int count, String kind,
                                    String what) throws IOException {
        String claim = "the header's count " + count + " (" + what + ") needs " + total + " bytes";
        if (in.gzipped()) {
            if (total > MAX_DEFLATE_RATIO * in.length()) {
                throw new IOException(file + ": truncated at " + kind + " 0 of " + count + " (" + claim + ", more than the "
                        + in.length() + " bytes of this gzip file can inflate to)");
            }
            return;
        }
        long available = in.length() - headerSize;
        if (total > available) {
            throw new IOException(file + ": truncated at " + kind + " " + available / recordSize + " of " + count + " (" + claim
                    + "; the file has " + available + " after the header)");
        }
        if (total < available) {
            throw new IOException(file + ": unexpected data after the last of " + count + " " + kind + "s (" + claim + "; the file has "
                    + available + " after the header)");
        }
    }

    private static void checkMagic(Path file, int magic, int expected, String kind) throws IOException {
        if (magic == expected) return;
        String seen = magic == IMAGE_MAGIC ? " (an IDX image file)" : magic == LABEL_MAGIC ? " (an IDX label file)" : "";
        throw new IOException(String.format("%s: bad magic 0x%08x%s, expected 0x%08x for an IDX %s file", file, magic, seen, expected, kind));
    }

    private static int readInt(Source in, Path file) throws IOException {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int b;
            try {
                b = in.read();
            } catch (EOFException | ZipException e) {
                throw new IOException(file + ": corrupt header (" + e.getMessage() + ")", e);
            }
            if (b < 0) throw new IOException(file + ": truncated header");
            v = (v << 8) | b;
        }
        return v;
    }

    /**
     * Reads {@code count} records of {@code recordSize} bytes (their product already checked to fit an
     * array); a short or corrupt stream names the first record that could not be read whole. Trailing
     * bytes are an error too. The array grows as the data arrives, so a gzipped file whose header
     * overstates its count costs no more memory than its data.
     */
    private static byte[] readRecords(Source in, int recordSize, int count, Path file, String kind) throws IOException {
        int total = Math.multiplyExact(recordSize, count);
        byte[] buf = new byte[in.gzipped() ? Math.min(total, CHUNK) : total];
        int off = 0;
        try {
            while (off < total) {
                if (off == buf.length) buf = Arrays.copyOf(buf, (int) Math.min(total, 2L * buf.length));
                int r = in.read(buf, off, Math.min(CHUNK, buf.length - off));
                if (r < 0) throw new IOException(file + ": truncated at " + kind + " " + off / recordSize + " of " + count);
                off += r;
            }
            if (in.read() >= 0) throw new IOException(file + ": unexpected data after the last of " + count + " " + kind + "s");
        } catch (EOFException e) {
            throw new IOException(file + ": truncated at " + kind + " " + off / recordSize + " of " + count
                    + " (the gzip stream ends early)", e);
        } catch (ZipException e) {
            throw new IOException(file + ": corrupt gzip data at " + kind + " " + off / recordSize + " of " + count
                    + " (" + e.getMessage() + ")", e);
        }
        return buf;
    }
}
