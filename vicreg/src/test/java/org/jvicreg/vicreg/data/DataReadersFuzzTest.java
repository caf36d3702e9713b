package org.jvicreg.vicreg.data;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fuzz targets of the readers of outside data. The contract each asserts: the reader either returns
 * something consistent with its header, or throws an {@link IOException} whose message is one line
 * naming the file; never another exception (NullPointerException, ArrayIndexOutOfBoundsException,
 * NegativeArraySizeException...) nor an error (OutOfMemoryError, StackOverflowError); and it allocates
 * no more than a small multiple of the input's size (for images: of the pixel budget).
 *
 * <p>A plain test run replays the committed inputs under {@code DataReadersFuzzTestInputs/<method>/}
 * (valid and invalid files, and every input fuzzing found failing). To fuzz one target:
 * {@code JAZZER_FUZZ=1 mvn test -Djvicreg.fuzzing=true -pl vicreg -am -Dtest=DataReadersFuzzTest#idxImages -Dsurefire.failIfNoSpecifiedTests=false};
 * new failing inputs land in that folder, the explored corpus in {@code .cifuzz-corpus/}.
 */
class DataReadersFuzzTest {
    /** Fixed costs of one read: stream buffers, the inflater, exception messages, the file system. */
    private static final long OVERHEAD = 4L << 20;
    /** The pixel budget of the image target: small, so that each input decodes in milliseconds. */
    private static final long FUZZ_PIXELS = 1L << 20;
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("jvicreg-fuzz");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void idxImages(byte[] input) throws IOException {
        Path file = write("images-idx3-ubyte", input);
        // a gzipped file may inflate 1032-fold; its array grows by doubling as data arrives
        long bound = 2L * IdxReader.MAX_DEFLATE_RATIO * input.length + OVERHEAD;
        int[] dims = new int[3];
        byte[] pixels = bounded(file, bound, () -> IdxReader.readImages(file, dims));
        if (pixels != null) assertEquals((long) dims[0] * dims[1] * dims[2], pixels.length, "pixels of " + dims[0] + " images");
    }

    @FuzzTest(maxDuration = "10m")
    void idxLabels(byte[] input) throws IOException {
        Path file = write("labels-idx1-ubyte", input);
        long bound = 2L * IdxReader.MAX_DEFLATE_RATIO * input.length + OVERHEAD;
        bounded(file, bound, () -> IdxReader.readLabels(file));
    }

    @FuzzTest(maxDuration = "10m")
    void cifar(byte[] input) throws IOException {
        // the same bytes as a CIFAR-10 and as a CIFAR-100 test split: the file, its pixels and labels
        Path c10 = write("test_batch.bin", input), c100 = write("test.bin", input);
        long bound = 8L * input.length + OVERHEAD;
        ByteImageDataset d = bounded(c10, bound, () -> CifarReader.read(DIR, Split.TEST, CifarReader.Variant.CIFAR10));
        if (d != null) assertEquals(input.length / 3073, d.size());
        d = bounded(c100, bound, () -> CifarReader.read(DIR, Split.TEST, CifarReader.Variant.CIFAR100));
        if (d != null) assertEquals(input.length / 3074, d.size());
    }

    @FuzzTest(maxDuration = "10m")
    void imageDecoding(byte[] input) throws IOException {
        Path file = write("image", input);
        // the decoded image and its float planes (about 16 bytes a pixel at 3 channels), and what the
        // decoder keeps of the compressed input
        long bound = 32L * FUZZ_PIXELS + 16L * input.length + OVERHEAD;
        for (int channels : new int[] {1, 3}) {
            float[] dst = new float[channels * 8 * 8 + 3];
            bounded(file, bound, () -> {
                ImageDecoding.decode(file, channels, 8, 8, dst, 3, FUZZ_PIXELS);
                return dst;
            });
            for (float v : dst) {
                if (!(v >= 0 && v <= 1)) throw new AssertionError(file + " decoded to " + v + ", outside [0, 1]");
            }
        }
    }

    /** What a read yields without failing; null when it throws as the contract allows. */
    private interface Read<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code read}: its result, or null when it threw an {@link IOException} whose one-line message
     * names {@code file}. Anything else it throws, and allocating more than {@code bound} bytes, fail. A
     * read over the bound runs once more and is judged by that run: the first read of a JVM also loads
     * and initialises classes (the image decoders' registry, for one), which is no cost of the input.
     */
    private static <T> T bounded(Path file, long bound, Read<T> read) {
        long before = allocated();
        T result = attempt(file, read);
        if (allocated() - before > bound) {
            before = allocated();
            result = attempt(file, read);
            long used = allocated() - before;
            if (used > bound) throw new AssertionError("reading " + file + " allocated " + used + " bytes, more than " + bound);
        }
        return result;
    }

    private static <T> T attempt(Path file, Read<T> read) {
        try {
            return read.run();
        } catch (IOException e) {
            String m = e.getMessage();
            if (m == null || !m.contains(file.toString()) || m.contains("\n")) {
                throw new AssertionError("the message should be one line naming " + file + ", got: " + m, e);
            }
            return null;
        }
    }

    private static long allocated() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        return threads.getCurrentThreadAllocatedBytes();
    }

    private static Path write(String name, byte[] input) throws IOException {
        return Files.write(DIR.resolve(name), input);
    }
}
