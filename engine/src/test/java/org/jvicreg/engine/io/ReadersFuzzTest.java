package org.jvicreg.engine.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jvicreg.engine.Tensor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The readers' contract on any bytes at all: a value, or the reader's documented exception
 * (IOException for Npy and SafeTensors, IllegalArgumentException itself for Json) with one line that
 * starts with the input's name; never another exception or error (no NullPointerException, index out of
 * bounds, NegativeArraySizeException, OutOfMemoryError or StackOverflowError), and never more float
 * values than the input's bytes can encode. Npy and SafeTensors read each input twice: as a file of known
 * length and as a pipe of unknown length.
 *
 * <p>A plain test run replays the inputs under src/test/resources/org/jvicreg/engine/io/ReadersFuzzTestInputs/
 * (seeds, and every input that once broke a reader). To fuzz one target, e.g. npy, for ten minutes
 * (-Djazzer.max_duration overrides the annotation's default of five):
 * <pre>
 * JAZZER_FUZZ=1 mvn -B test -Djvicreg.fuzzing=true -pl engine -am -Dtest='ReadersFuzzTest#npy' -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Djazzer.max_duration=10m
 * </pre>
 * The inputs that find new coverage go to engine/.cifuzz-corpus/; an input that breaks the contract is
 * reported with its stack trace and saved; once the reader is fixed, it belongs in the inputs directory
 * above, where every plain test run replays it.
 */
class ReadersFuzzTest {
    @FuzzTest
    void json(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        try {
            Json.parse("fuzz.json", text);
        } catch (IllegalArgumentException e) {
            assertEquals(IllegalArgumentException.class, e.getClass(), "Json throws IllegalArgumentException itself");
            assertOneLineNaming(e, "fuzz.json: ");
        }
    }

    @FuzzTest
    void npy(byte[] input) {
        for (long length : new long[] {input.length, -1}) {
            try {
                Tensor t = Npy.read(BoundedInput.of("fuzz.npy", new ByteArrayInputStream(input), length));
                assertTrue(4L * t.numel() <= input.length, "a float32 value takes at least 4 bytes of the input");
            } catch (IOException e) {
                assertOneLineNaming(e, "fuzz.npy: ");
            }
        }
    }

    @FuzzTest
    void safetensors(byte[] input) {
        for (long length : new long[] {input.length, -1}) {
            try {
                Map<String, Tensor> m = SafeTensors.read(BoundedInput.of("fuzz.safetensors", new ByteArrayInputStream(input), length));
                long floats = 0;
                for (Tensor t : m.values()) floats += t.numel();
                assertTrue(4 * floats <= 2L * input.length, "ranges do not overlap and a value takes at least 2 bytes");
            } catch (IOException e) {
                assertOneLineNaming(e, "fuzz.safetensors: ");
            }
        }
    }

    private static void assertOneLineNaming(Exception e, String prefix) {
        String m = e.getMessage();
        assertTrue(m != null && m.startsWith(prefix), "message should start with '" + prefix + "': " + m);
        assertFalse(m.contains("\n"), "message should be one line: " + m);
    }
}
