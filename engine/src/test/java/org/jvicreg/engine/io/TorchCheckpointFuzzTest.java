package org.jvicreg.engine.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jvicreg.engine.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TorchCheckpoint's contract on any bytes at all: an object, or an IOException whose one-line message starts
 * with the file's name; never another exception or error, nothing executed, and never more tensor elements
 * than twice the file's bytes. A plain test run replays the inputs under
 * src/test/resources/org/jvicreg/engine/io/TorchCheckpointFuzzTestInputs/read/ (torch.save files of every
 * storage type, the official checkpoint layout, a malicious pickle, and every input that once broke the
 * reader). To fuzz it for ten minutes:
 * <pre>
 * JAZZER_FUZZ=1 mvn -B test -Djvicreg.fuzzing=true -pl engine -am -Dtest='TorchCheckpointFuzzTest' -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Djazzer.max_duration=10m
 * </pre>
 */
class TorchCheckpointFuzzTest {
    private static final Path FILE;

    static {
        try {
            FILE = Files.createTempFile("fuzz", ".pth");
            FILE.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest
    void read(byte[] input) throws IOException {
        Files.write(FILE, input);
        try {
            Object root = TorchCheckpoint.read(FILE);
            long elements = 0;
            for (Tensor t : TorchCheckpoint.tensors(root).values()) elements += t.numel();
            assertTrue(elements <= 2L * input.length, elements + " tensor elements from a file of " + input.length + " bytes");
        } catch (IOException e) {
            String m = e.getMessage();
            assertTrue(m != null && m.startsWith(FILE.toString()), "message should name the file: " + m);
            assertFalse(m.contains("\n"), "message should be one line: " + m);
        }
    }
}
