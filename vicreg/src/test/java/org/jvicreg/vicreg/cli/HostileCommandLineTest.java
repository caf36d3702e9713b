package org.jvicreg.vicreg.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.jvicreg.vicreg.data.HostilePng;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Sizes on the command line that would overflow or exhaust memory: each is a usage error (exit 2, one
 * line naming the option) found before any data is read or anything is written. {@code DATA} and
 * {@code OUT} stand for a data folder and an output path in a fresh folder.
 */
class HostileCommandLineTest {
    @TempDir
    Path dir;

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of(List.of("augment", "--out", "OUT", "--data", "DATA", "--count", "100000000"),
                        "option --count must be at most 100 (rows of the grid), got 100000000"),
                Arguments.of(List.of("augment", "--out", "OUT", "--data", "DATA", "--count", "1e8"),
                        "option --count expects an integer, got '1e8'"),
                Arguments.of(List.of("augment", "--out", "OUT", "--data", "DATA", "--count", "0"),
                        "option --count must be positive, got 0"),
                Arguments.of(List.of("pretrain", "--out", "OUT", "--data", "DATA", "--width", "2000000000"),
                        "option --width must be at most 1024, got 2000000000"),
                Arguments.of(List.of("pretrain", "--out", "OUT", "--data", "DATA", "--width", "2e9"),
                        "option --width expects an integer, got '2e9'"),
                Arguments.of(List.of("linear-eval", "--random-init", "--data", "DATA", "--width", "2000000000"),
                        "option --width must be at most 1024, got 2000000000"),
                Arguments.of(List.of("knn", "--random-init", "--data", "DATA", "--width", "1025"),
                        "option --width must be at most 1024, got 1025"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void hugeSizeIsAUsageErrorBeforeAnyWork(List<String> argv, String message) throws IOException {
        Path data = Files.createDirectories(dir.resolve("data")), out = dir.resolve("out");
        String[] args = argv.stream().map(s -> s.equals("DATA") ? data.toString() : s.equals("OUT") ? out.toString() : s)
                .toArray(String[]::new);
        CliRun run = CliRun.of(args);
        run.assertFails("vicreg " + args[0] + ": error: " + message);
        assertEquals(2, run.code(), run.toString());
        assertFalse(Files.exists(out), "nothing written");
    }

    /** A hostile file reached through a command: exit 1, one line naming the file and what is wrong. */
    @Test
    void hostileFilesFailTheCommandWithOneLineNamingTheFile() throws IOException {
        Path idx = PretrainCommandTest.writeIdx(dir.resolve("idx"), 8, 4), out = dir.resolve("views.png");
        Path images = idx.resolve("train-images-idx3-ubyte");
        Files.write(images, ByteBuffer.allocate(1000).putInt(0x803).putInt(2_700_000).putInt(28).putInt(28).array());
        CliRun run = CliRun.of("augment", "--out", out.toString(), "--data", idx.toString());
        run.assertFails(images + ": truncated at image 1 of 2700000 (the header's count 2700000 (images of 28x28) needs 2116800000 bytes");
        assertEquals(1, run.code(), run.toString());

        Path folder = dir.resolve("folder"), bomb = folder.resolve("train/cat/0.png");
        Files.createDirectories(bomb.getParent());
        Files.write(bomb, HostilePng.of(30_000, 30_000));
        run = CliRun.of("augment", "--out", out.toString(), "--dataset", "folder", "--data", folder.toString(), "--count", "1");
        run.assertFails(bomb + ": 30000x30000 image (900.0 megapixels) is over the decoding budget of 33.6 megapixels");
        assertEquals(1, run.code(), run.toString());
        assertFalse(Files.exists(out), "nothing written");
    }
}
