package org.jvicreg.engine.io;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.jvicreg.engine.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile files, one row each: what is read, the exception type expected, and the parts of its one-line
 * message that name the file and the field at fault.
 */
class HostileInputTest {
    @TempDir
    Path dir;

    /** Reads the row's input from the file it wrote. */
    private interface Read {
        Object from(Path file) throws Exception;
    }

    private record Row(String file, byte[] bytes, Read read, Class<? extends Exception> type, List<String> message) {
        @Override
        public String toString() {
            return file + " -> " + message;
        }
    }

    private static Row row(String file, byte[] bytes, Read read, Class<? extends Exception> type, String... message) {
        return new Row(file, bytes, read, type, List.of(message));
    }

    static Stream<Row> rows() {
        String deep = "[".repeat(200_000) + "]".repeat(200_000);
        byte[] oneFloat = floats(1f);
        return Stream.of(
                // nesting 200,000 deep: a depth limit, not a StackOverflowError
                row("deep.json", ascii(deep), f -> Json.parse(f.toString(), Files.readString(f)), IllegalArgumentException.class,
                        "deep.json: malformed JSON at offset 512", "nest deeper than 512 levels"),
                row("deep.safetensors", safetensors(deep, new byte[0]), SafeTensors::read, IOException.class,
                        "deep.safetensors: corrupt header", "nest deeper than 512 levels"),
                row("deep-metadata.safetensors", safetensors(deep, new byte[0]), SafeTensors::metadata, IOException.class,
                        "deep-metadata.safetensors: corrupt header", "nest deeper than 512 levels"),
                // sizes checked against the file before anything is read or allocated
                row("long-header.safetensors", longHeader(Long.MAX_VALUE, 80), SafeTensors::read, IOException.class,
                        "long-header.safetensors: header length 9223372036854775807 exceeds the file's 88 bytes"),
                row("negative-header.safetensors", longHeader(-1, 80), SafeTensors::read, IOException.class,
                        "negative-header.safetensors: not a safetensors file (header length -1)"),
                row("v2-header.npy", npy(2, 0x7fffffff, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", oneFloat),
                        Npy::read, IOException.class, "v2-header.npy: header length 2147483647 exceeds the file's 73 bytes"),
                row("square.npy", npy("<f4", "(2147483647, 2147483647)", new byte[0]), Npy::read, IOException.class,
                        "square.npy: shape [2147483647, 2147483647] needs more than 2^63 bytes"),
                row("wide.npy", npy("<f4", "(2147483647, 2)", new byte[0]), Npy::read, IOException.class,
                        "wide.npy: truncated data: shape [2147483647, 2] of <f4 needs 17179869176 bytes, the file has 0"),
                row("huge-tensor.safetensors", safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647],"
                        + "\"data_offsets\":[0,4]}}", oneFloat), SafeTensors::read, IOException.class,
                        "huge-tensor.safetensors: tensor 'w': shape [2147483647, 2147483647] needs more than 2^63 bytes"),
                row("overlap.safetensors", safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", oneFloat), SafeTensors::read,
                        IOException.class, "overlap.safetensors: tensor 'b': data_offsets [0, 4) overlap those of tensor 'a'"),
                row("big-header.npy", npy(2, 70_000, " ".repeat(70_000), new byte[0]), Npy::read, IOException.class,
                        "big-header.npy: header length 70000 exceeds the limit of 65536 bytes"),
                // a header built to make the field search quadratic is searched in linear time
                row("unclosed-shape.npy", npy(2, 60_000, padded("{'descr': '<f4', 'fortran_order': False, "
                        + "'shape': (1, ".repeat(4_000), 60_000), new byte[0]), Npy::read, IOException.class,
                        "unclosed-shape.npy: header has no 'shape' entry"),
                // duplicate keys: refused by name, not last-one-wins
                row("dup.safetensors", safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", oneFloat), SafeTensors::read,
                        IOException.class, "dup.safetensors: corrupt header", "duplicate key 'w'"),
                row("dup.json", ascii("{\"lr\": 0.1, \"lr\": 10}"), f -> Json.parse(f.toString(), Files.readString(f)),
                        IllegalArgumentException.class, "dup.json: malformed JSON at offset 12: duplicate key 'lr'"),
                // text from the file is shown on one line
                row("newline-key.safetensors", safetensors("{\"a\\nb\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}",
                        new byte[1]), SafeTensors::read, IOException.class,
                        "newline-key.safetensors: tensor 'a\\nb': unsupported dtype 'U8'"),
                row("escape.json", ascii("\"\\u12G4\""), f -> Json.parse(f.toString(), Files.readString(f)),
                        IllegalArgumentException.class, "escape.json: malformed JSON at offset 3: bad \\u escape"),
                // non-finite weights: refused with the tensor's name
                row("nan.safetensors", safetensors("{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                        floats(1f, Float.NaN)),
                        f -> NonFinite.require(f.toString(), SafeTensors.read(f)), IOException.class,
                        "nan.safetensors: tensor 'fc.weight' holds a non-finite value (NaN) at flat index 1"));
    }

    @ParameterizedTest
    @MethodSource("rows")
    void refusedWithOneLineNamingTheFileAndTheField(Row r) throws IOException {
        Path f = dir.resolve(r.file());
        Files.write(f, r.bytes());
        Exception e = assertThrows(Exception.class, () -> r.read().from(f));
        assertEquals(r.type(), e.getClass(), () -> "unexpected " + e);
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        for (String part : r.message()) assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should contain '" + part + "'");
    }

    @org.junit.jupiter.api.Test
    void devZeroIsRefusedAtOnce() {
        Path zero = Path.of("/dev/zero");
        if (!Files.exists(zero)) return;
        assertEquals("/dev/zero: not a .npy file (bad magic)", assertThrows(IOException.class, () -> Npy.read(zero)).getMessage());
        assertEquals("/dev/zero: not a safetensors file (header length 0)",
                assertThrows(IOException.class, () -> SafeTensors.read(zero)).getMessage());
    }

    /** A pipe is read no further than its header declares: endless data after it is refused, not followed. */
    @org.junit.jupiter.api.Test
    void endlessStreamIsReadOnlyAsFarAsTheHeaderDeclares() {
        byte[] head = npy("<f4", "(4,)", floats(1f, 2f, 3f, 4f));
        Endless pipe = new Endless(head);
        var e = assertThrows(IOException.class, () -> Npy.read(BoundedInput.of("pipe.npy", pipe, -1)));
        assertEquals("pipe.npy: unexpected bytes after the data for shape [4]", e.getMessage());
        assertEquals(head.length + 1, pipe.served);

        byte[] st = safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", floats(5f, 6f));
        Endless stPipe = new Endless(st);
        try {
            Map<String, Tensor> m = SafeTensors.read(BoundedInput.of("pipe.safetensors", stPipe, -1));
            assertEquals(List.of(5f, 6f), List.of(m.get("w").toArray()[0], m.get("w").toArray()[1]));
        } catch (IOException ex) {
            throw new AssertionError(ex);
        }
        assertEquals(st.length, stPipe.served, "nothing read past the last tensor's bytes");
    }

    /** A pipe that claims a 400 MB array but ends early: memory follows the bytes that arrive. */
    @org.junit.jupiter.api.Test
    void shortPipeClaimingAHugeArrayIsTruncatedNotAllocated() {
        byte[] head = npy("<f4", "(100000000,)", new byte[1000]);
        var e = assertThrows(IOException.class, () -> Npy.read(BoundedInput.of("short.npy", new java.io.ByteArrayInputStream(head), -1)));
        assertTrue(e.getMessage().startsWith("short.npy: truncated data for shape [100000000] of <f4 (400000000 bytes expected, 1000 found)"),
                e.getMessage());
    }

    /** The given bytes, then zeros forever. */
    private static final class Endless extends InputStream {
        private final byte[] prefix;
        long served;

        Endless(byte[] prefix) {
            this.prefix = prefix;
        }

        @Override
        public int read() {
            long i = served++;
            return i < prefix.length ? prefix[(int) i] & 0xff : 0;
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return b.array();
    }

    static byte[] safetensors(String header, byte[] data) {
        byte[] h = ascii(header);
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).put(data).array();
    }

    static byte[] longHeader(long declared, int actual) {
        return ByteBuffer.allocate(8 + actual).order(ByteOrder.LITTLE_ENDIAN).putLong(declared).array();
    }

    static byte[] npy(String descr, String shape, byte[] data) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        String header = dict + " ".repeat((64 - (10 + dict.length() + 1) % 64) % 64) + "\n";
        return npy(1, header.length(), header, data);
    }

    static String padded(String s, int length) {
        return (s + " ".repeat(length)).substring(0, length);
    }

    static byte[] npy(int major, long declaredHeaderLength, String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
        int prefix = major == 1 ? 10 : 12;
        ByteBuffer b = ByteBuffer.allocate(prefix + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) b.putShort((short) declaredHeaderLength);
        else b.putInt((int) declaredHeaderLength);
        return b.put(h).put(data).array();
    }
}
