package org.jvicreg.vicreg.data;

import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.jvicreg.vicreg.augment.AugmentConfig;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile files, one row each: a header that claims more than its file holds, sizes whose product
 * overflows, decompression bombs, undecodable images. Every row expects one exception type and a
 * one-line message naming the file and what is wrong, within seconds and without allocating what
 * the header claims (the test JVM's heap is far smaller than several of the claims).
 */
class HostileDataTest {
    @TempDir
    static Path dir;

    /** What a row does with its files and what it expects. */
    record Expect(Executable action, Class<? extends Throwable> type, List<String> fragments) {}

    /** A row: writes its input under the folder it is given and says what must happen. */
    interface Row {
        Expect make(Path dir) throws IOException;
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                row("IDX images: 2.7 M images of 28x28 claimed in a 1 kB file", d -> {
                    Path f = write(d.resolve("train-images-idx3-ubyte"), idxHeader(IdxReader.IMAGE_MAGIC, 2_700_000, 28, 28), 984);
                    return expect(() -> IdxReader.readImages(f, new int[3]), IOException.class,
                            f + ": truncated at image 1 of 2700000", "the header's count 2700000 (images of 28x28) needs 2116800000 bytes",
                            "; the file has 984 after the header");
                }),
                row("IDX images: the same header gzipped", d -> {
                    Path f = d.resolve("train-images-idx3-ubyte.gz");
                    Files.write(f, IdxFiles.gzip(ByteBuffer.allocate(1000).put(idxHeader(IdxReader.IMAGE_MAGIC, 2_700_000, 28, 28)).array()));
                    return expect(() -> IdxReader.readImages(f, new int[3]), IOException.class,
                            f + ": truncated at image 0 of 2700000", "needs 2116800000 bytes", "bytes of this gzip file can inflate to");
                }),
                row("IDX images: rows x columns past 2^31", d -> {
                    Path f = write(d.resolve("wide-images-idx3-ubyte"), idxHeader(IdxReader.IMAGE_MAGIC, 0, 65536, 65536), 0);
                    return expect(() -> IdxReader.readImages(f, new int[3]), IOException.class,
                            f + ": header count 0 images of 65536x65536 do not fit in one array");
                }),
                row("IDX images: count x rows x columns wrapping an int", d -> {
                    Path f = write(d.resolve("many-images-idx3-ubyte"), idxHeader(IdxReader.IMAGE_MAGIC, 1 << 20, 1 << 10, 1 << 12), 16);
                    return expect(() -> IdxReader.readImages(f, new int[3]), IOException.class,
                            f + ": header count 1048576 images of 1024x4096 do not fit in one array");
                }),
                row("IDX labels: count 2^31-1 in an 8-byte file", d -> {
                    Path f = write(d.resolve("train-labels-idx1-ubyte"), idxHeader(IdxReader.LABEL_MAGIC, Integer.MAX_VALUE), 8);
                    return expect(() -> IdxReader.readLabels(f), IOException.class,
                            f + ": truncated at label 8 of 2147483647", "the header's count 2147483647 (labels) needs 2147483647 bytes; the file has 8");
                }),
                row("IDX labels: fewer claimed than the file holds", d -> {
                    Path f = write(d.resolve("short-labels-idx1-ubyte"), idxHeader(IdxReader.LABEL_MAGIC, 3), 5);
                    return expect(() -> IdxReader.readLabels(f), IOException.class,
                            f + ": unexpected data after the last of 3 labels", "the file has 5 after the header");
                }),
                row("CIFAR-10: records x 3072 past 2^31 (a 2.15 GB sparse file)", d -> {
                    Path cifar = Files.createDirectories(d.resolve("cifar"));
                    Path f = cifar.resolve("test_batch.bin");
                    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                        raf.setLength(3073L * 700_000);
                    }
                    return expect(() -> CifarReader.read(cifar, Split.TEST, CifarReader.Variant.CIFAR10), IOException.class,
                            f + ": its 2151100000 bytes bring the record count to 700000", "at most 699050 records");
                }),
                row("image: a 20000x20000 PNG (400 megapixels)", d -> {
                    Path f = Files.write(d.resolve("bomb-20000.png"), HostilePng.of(20_000, 20_000));
                    return decodes(f, "bomb-20000.png: 20000x20000 image (400.0 megapixels) is over the decoding budget of 33.6 megapixels");
                }),
                row("image: a 30000x30000 PNG (900 megapixels, past 2^31 floats at 3 channels)", d -> {
                    Path f = Files.write(d.resolve("bomb-30000.png"), HostilePng.of(30_000, 30_000));
                    return decodes(f, "bomb-30000.png: 30000x30000 image (900.0 megapixels) is over the decoding budget");
                }),
                row("image: a PNG cut after its header", d -> {
                    byte[] whole = HostilePng.of(5, 4);
                    Path f = Files.write(d.resolve("cut.png"), java.util.Arrays.copyOf(whole, 40));
                    return decodes(f, "cut.png: not a readable image (");
                }),
                row("image: text named .png", d -> {
                    Path f = Files.writeString(d.resolve("text.png"), "not an image\n");
                    return decodes(f, "text.png: not a readable image (no javax.imageio reader for its format)");
                }),
                row("image: a TIFF named .png (only PNG, JPEG, BMP and GIF are decoded)", d -> {
                    Path f = d.resolve("tiff.png");
                    assertTrue(ImageIO.write(new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB), "tiff", f.toFile()));
                    return decodes(f, "tiff.png: not a readable image (a tif image; expected png, jpeg, bmp, gif)");
                }),
                row("image: a 54-byte BMP whose embedded PNG's size field makes the JDK allocate 101 MB", d -> {
                    Path f = Files.write(d.resolve("embedded.bmp"), bmp(5, 0x06060606, 54));
                    return decodes(f, "embedded.bmp: not a readable image (a BMP holding an embedded PNG, which is not decoded)");
                }),
                row("image: an RLE8 BMP whose header claims a 2 GB image size", d -> {
                    Path f = Files.write(d.resolve("rle.bmp"), bmp(1, Integer.MAX_VALUE, 54));
                    return decodes(f, "rle.bmp: not a readable image (the BMP header's image size 2147483647 bytes is more than the file's 54)");
                }),
                row("image: a BMP whose pixel data would start 4 GB in", d -> {
                    Path f = Files.write(d.resolve("offset.bmp"), bmp(0, 0, 0xfffffff0));
                    return decodes(f, "offset.bmp: not a readable image (the BMP header's pixel-data offset 4294967280 is past the file's 54 bytes)");
                }),
                row("image folder: a bomb among the images names the file and the index", d -> {
                    Path root = d.resolve("folder");
                    Files.createDirectories(root.resolve("train/cat"));
                    Files.write(root.resolve("train/cat/0.png"), HostilePng.of(30_000, 30_000));
                    ImageFolderDataset data = ImageFolderDataset.open(root, Split.TRAIN, 3, 8, 8);
                    return expect(() -> data.image(0), UncheckedIOException.class,
                            root.resolve("train/cat/0.png") + ": 30000x30000 image", "(image 0 of image folder");
                }),
                row("loader: an unreadable image fails the batch with its own line, not a wrapped type name", d -> {
                    Path root = d.resolve("folder");
                    Files.createDirectories(root.resolve("train/cat"));
                    Files.writeString(root.resolve("train/cat/0.png"), "not an image\n");
                    Files.writeString(root.resolve("train/cat/1.png"), "not an image\n");
                    ImageFolderDataset data = ImageFolderDataset.open(root, Split.TRAIN, 3, 8, 8);
                    AugmentConfig config = AugmentConfig.official(8).withOutputSize(8, 8);
                    return expect(() -> {
                        try (TwoViewLoader loader = new TwoViewLoader(data, config, LoaderOptions.training(2, 1, 0))) {
                            loader.epoch(0).next();
                        }
                    }, DataLoaderException.class, "epoch 0 batch 0 of image folder",
                            "/train/cat/" /* 0.png or 1.png, in the epoch's order */, ".png: not a readable image (no javax.imageio reader");
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void hostileInputFailsWithOneLineNamingTheFile(String name, Row row) throws IOException {
        Path rowDir = Files.createDirectories(dir.resolve(name.replaceAll("[^A-Za-z0-9]+", "-")));
        Expect expect = row.make(rowDir);
        Throwable e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> assertThrows(expect.type(), expect.action()));
        String message = e.getMessage();
        assertFalse(message.contains("\n"), "one line: " + message);
        for (String f : expect.fragments()) assertTrue(message.contains(f), "'" + f + "' in: " + message);
    }

    private static Arguments row(String name, Row row) {
        return Arguments.of(name, row);
    }

    private static Expect expect(Executable action, Class<? extends Throwable> type, String... fragments) {
        return new Expect(action, type, List.of(fragments));
    }

    private static Expect decodes(Path f, String fragment) {
        float[] dst = new float[3 * 8 * 8];
        return expect(() -> ImageDecoding.decode(f, 3, 8, 8, dst, 0), IOException.class, f.getParent() + "/" + fragment);
    }

    /** A 54-byte BMP of 7x131072 pixels, 1 bit each, with the given compression, image size and pixel-data offset. */
    private static byte[] bmp(int compression, int imageSize, int offset) {
        return ByteBuffer.allocate(54).order(java.nio.ByteOrder.LITTLE_ENDIAN).put((byte) 'B').put((byte) 'M').putInt(54).putInt(0)
                .putInt(offset).putInt(40).putInt(7).putInt(131072).putShort((short) 1).putShort((short) 1).putInt(compression)
                .putInt(imageSize).array();
    }

    private static byte[] idxHeader(int magic, int... fields) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * fields.length).putInt(magic);
        for (int v : fields) b.putInt(v);
        return b.array();
    }

    /** The header followed by {@code extra} zero bytes. */
    private static Path write(Path file, byte[] header, int extra) throws IOException {
        return Files.write(file, ByteBuffer.allocate(header.length + extra).put(header).array());
    }
}
