package org.jvicreg.engine.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A file opened by a reader that treats it as hostile. A regular file's length is known before anything
 * is read, so every size a header declares is checked against it before an array is allocated; a pipe or
 * a device (a process substitution, /dev/zero) has no length, so its bytes are read in growing chunks and
 * memory follows the bytes that actually arrive, never a size the stream merely claims, and nothing is
 * read past what the header declares (an endless stream is refused, not followed).
 */
final class BoundedInput implements AutoCloseable {
    /** The largest byte array Java allocates. */
    static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** Most dimensions a shape may have (NumPy's own limit is 64). */
    static final int MAX_DIMS = 64;
    private static final int FIRST_CHUNK = 1 << 16;

    final String name;
    private final InputStream in;
    private final long length;
    private long consumed;

    private BoundedInput(String name, InputStream in, long length) {
        this.name = name;
        this.in = in;
        this.length = length;
    }

    static BoundedInput open(Path file) throws IOException {
        String name = file.toString();
        if (Files.isDirectory(file)) throw new IOException(name + ": is a directory, not a file");
        long length = Files.isRegularFile(file) ? Files.size(file) : -1;
        try {
            return new BoundedInput(name, Files.newInputStream(file), length);
        } catch (NoSuchFileException e) {
            throw new IOException(name + ": no such file");
        } catch (AccessDeniedException e) {
            throw new IOException(name + ": not readable (permission denied)");
        }
    }

    /** Reads {@code in} as a file named {@code name} of {@code length} bytes, or of unknown length when -1. */
    static BoundedInput of(String name, InputStream in, long length) {
        return new BoundedInput(name, in, length);
    }

    /** The file's length in bytes, or -1 for a pipe or a device. */
    long length() {
        return length;
    }

    /** Bytes left after those read so far, or -1 for a pipe or a device. */
    long remaining() {
        return length < 0 ? -1 : length - consumed;
    }

    /**
     * Exactly {@code n} bytes, or an IOException naming the file and {@code what} was cut short. Callers check
     * {@code n} against {@link #remaining()} first where the length is known.
     */
    byte[] read(long n, String what) throws IOException {
        if (n < 0 || n > MAX_ARRAY) throw new IOException(name + ": " + what + " of " + n + " bytes is more than one array holds");
        int want = (int) n;
        if (length >= 0 && n > remaining()) {
            throw new IOException(name + ": truncated " + what + " (" + n + " bytes expected, " + remaining() + " found)");
        }
        byte[] buf = new byte[length >= 0 ? want : Math.min(want, FIRST_CHUNK)];
        int got = 0;
        while (got < want) {
            if (got == buf.length) buf = Arrays.copyOf(buf, (int) Math.min(want, 2L * buf.length));
            int r = in.read(buf, got, buf.length - got);
            if (r < 0) break;
            got += r;
        }
        consumed += got;
        if (got < want) throw new IOException(name + ": truncated " + what + " (" + want + " bytes expected, " + got + " found)");
        return buf;
    }

    /** Whether nothing follows what was read. */
    boolean atEnd() throws IOException {
        return length >= 0 ? consumed >= length : in.read() < 0;
    }

    /**
     * The bytes that an array of the given shape needs at {@code elemSize} bytes a value, or an IOException
     * naming the file and {@code field} when the shape has more than {@link #MAX_DIMS} dimensions or needs
     * more than 2^63 bytes.
     */
    static long bytesFor(String name, String field, int[] shape, int elemSize) throws IOException {
        if (shape.length > MAX_DIMS) throw new IOException(name + ": " + field + " has " + shape.length + " dimensions (at most " + MAX_DIMS + ")");
        for (int d : shape) if (d == 0) return 0;
        try {
            long n = elemSize;
            for (int d : shape) n = Math.multiplyExact(n, d);
            return n;
        } catch (ArithmeticException e) {
            throw new IOException(name + ": " + field + " " + Arrays.toString(shape) + " needs more than 2^63 bytes");
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
