package org.jvicreg.vicreg.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes synthetic IDX files for the reader tests. */
final class IdxFiles {
    private IdxFiles() {}

    /** Pixel value of image i at position p: distinct per image, covers 0..255. */
    static int pixel(int i, int p) {
        return (i * 31 + p * 7) & 0xff;
    }

    static byte[] images(int n, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(16 + n * rows * cols);
        b.putInt(IdxReader.IMAGE_MAGIC).putInt(n).putInt(rows).putInt(cols);
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < rows * cols; p++) b.put((byte) pixel(i, p));
        }
        return b.array();
    }

    static byte[] labels(int n, int classes) {
        ByteBuffer b = ByteBuffer.allocate(8 + n);
        b.putInt(IdxReader.LABEL_MAGIC).putInt(n);
        for (int i = 0; i < n; i++) b.put((byte) (i % classes));
        return b.array();
    }

    static byte[] gzip(byte[] raw) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                gz.write(raw);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
