package org.jvicreg.engine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvicreg.engine.Fixtures;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** .npy and safetensors round trips and every way a file can be bad. */
class IoTest {
    @TempDir
    Path dir;

    @Test
    void npyRoundTripKeepsShapeAndValues() throws IOException {
        for (int[] shape : new int[][] {{}, {5}, {2, 3}, {2, 1, 4}}) {
            Tensor t = Tensor.randn(new Rng(1), shape);
            Path f = dir.resolve("t.npy");
            Npy.write(f, t);
            Tensor back = Npy.read(f);
            assertArrayEquals(t.shape(), back.shape());
            assertArrayEquals(t.toArray(), back.toArray());
            assertEquals(0, (Files.size(f) - 4L * t.numel()) % 64, "magic + header padded to a multiple of 64 bytes");
        }
    }

    private static byte[] npy(String descr, String shape, int dataBytes) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        String header = dict + " ".repeat((64 - (10 + dict.length() + 1) % 64) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.ISO_8859_1));
        return b.array();
    }

    @Test
    void npyReadsFloat64() throws IOException {
        byte[] bytes = npy("<f8", "(2,)", 16);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putDouble(bytes.length - 16, 1.5).putDouble(bytes.length - 8, -2.25);
        Path f = dir.resolve("d.npy");
        Files.write(f, bytes);
        assertArrayEquals(new float[] {1.5f, -2.25f}, Npy.read(f).toArray());
    }

    @Test
    void npyErrorsNameTheFileAndTheProblem() throws IOException {
        Path bad = dir.resolve("bad.npy");
        Files.write(bad, "not numpy at all".getBytes());
        assertMessage(() -> Npy.read(bad), "bad.npy", "bad magic");
        Files.write(bad, npy("<i8", "(2,)", 16));
        assertMessage(() -> Npy.read(bad), "bad.npy", "unsupported dtype '<i8'");
        Files.write(bad, npy("<f4", "(2, 3)", 20));
        assertMessage(() -> Npy.read(bad), "bad.npy", "truncated data");
        Files.write(bad, npy("<f4", "(2,)", 12));
        assertMessage(() -> Npy.read(bad), "bad.npy", "unexpected bytes");
        assertMessage(() -> Npy.read(dir.resolve("missing.npy")), "missing.npy", "no such file");
    }

    @Test
    void safetensorsRoundTripWithMetadata() throws IOException {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("conv1.weight", Tensor.randn(new Rng(2), 4, 3, 3, 3));
        m.put("bn1.running_var", Tensor.rand(new Rng(3), 4));
        m.put("scalar", Tensor.scalar(7f));
        Path f = dir.resolve("s.safetensors");
        SafeTensors.write(f, m, Map.of("format", "pt"));
        Map<String, Tensor> back = SafeTensors.read(f);
        assertEquals(m.keySet(), back.keySet());
        for (String k : m.keySet()) {
            assertArrayEquals(m.get(k).shape(), back.get(k).shape(), k);
            assertArrayEquals(m.get(k).toArray(), back.get(k).toArray(), k);
        }
        assertEquals("pt", SafeTensors.metadata(f).get("format"));
    }

    /** The same tensors and metadata give the same bytes, whatever order the metadata map iterates in. */
    @Test
    void safetensorsBytesDoNotDependOnTheMetadataMapsOrder() throws IOException {
        Map<String, Tensor> m = Map.of("w", Tensor.randn(new Rng(2), 3, 2));
        Map<String, String> ab = new LinkedHashMap<>(), ba = new LinkedHashMap<>();
        ab.put("format", "pt");
        ab.put("producer", "jvicreg");
        ba.put("producer", "jvicreg");
        ba.put("format", "pt");
        SafeTensors.write(dir.resolve("ab.safetensors"), m, ab);
        SafeTensors.write(dir.resolve("ba.safetensors"), m, ba);
        assertArrayEquals(Files.readAllBytes(dir.resolve("ab.safetensors")), Files.readAllBytes(dir.resolve("ba.safetensors")));
    }

    private static byte[] safetensors(String json, byte[] data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    @Test
    void safetensorsReadsI64Counters() throws IOException {
        byte[] data = new byte[8];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putLong(12345);
        Path f = dir.resolve("c.safetensors");
        Files.write(f, safetensors("{\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}", data));
        assertEquals(12345f, SafeTensors.read(f).get("bn.num_batches_tracked").item());
    }

    /** F16 and BF16 tensors (edge values and random ones) read as the float32 values torch converts them to. */
    @Test
    void safetensorsReadsHalfPrecisionAsTorchConvertsIt() throws IOException {
        Fixtures fixture = Fixtures.of("io", "half_precision");
        Map<String, Tensor> read = SafeTensors.read(fixture.file("halves.safetensors"));
        for (String name : new String[] {"f16", "bf16"}) {
            Tensor expected = fixture.get(name), got = read.get(name);
            assertArrayEquals(expected.shape(), got.shape(), name);
            float[] e = expected.toArray(), g = got.toArray();
            for (int i = 0; i < e.length; i++) {
                // bit for bit: signed zeros, subnormals, infinities; NaN as NaN
                assertEquals(Float.floatToIntBits(e[i]), Float.floatToIntBits(g[i]), name + "[" + i + "]: " + e[i] + " vs " + g[i]);
            }
        }
    }

    @Test
    void safetensorsErrorsNameTheFileAndTheTensor() throws IOException {
        Path f = dir.resolve("bad.safetensors");
        Files.write(f, new byte[] {1, 2, 3});
        assertMessage(() -> SafeTensors.read(f), "bad.safetensors", "not a safetensors file");
        Files.write(f, safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", new byte[8]));
        assertMessage(() -> SafeTensors.read(f), "'w'", "truncated");
        Files.write(f, safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]));
        assertMessage(() -> SafeTensors.read(f), "'w'", "needs 12 bytes");
        Files.write(f, safetensors("{\"w\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}", new byte[4]));
        assertMessage(() -> SafeTensors.read(f), "'w'", "unsupported dtype 'U8'");
        Files.write(f, safetensors("{\"w\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,4]}}", new byte[4]));
        assertMessage(() -> SafeTensors.read(f), "'w'", "needs 8 bytes");
        Files.write(f, safetensors("{\"w\": [", new byte[0]));
        assertMessage(() -> SafeTensors.read(f), "bad.safetensors", "corrupt header");
    }

    @Test
    void atomicWriteLeavesNoTemporaryFiles() throws IOException {
        Npy.write(dir.resolve("a.npy"), Tensor.ones(3));
        Npy.write(dir.resolve("a.npy"), Tensor.zeros(4));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count());
        }
        assertArrayEquals(new int[] {4}, Npy.read(dir.resolve("a.npy")).shape());
    }

    @Test
    void jsonRoundTrip() {
        Object v = Json.parse("{\"a\": [1, 2.5, -3e2, true, null], \"b\": {\"c\": \"x\\\"y\\n\"}}");
        assertEquals("{\"a\":[1,2.5,-300.0,true,null],\"b\":{\"c\":\"x\\\"y\\n\"}}", Json.write(v));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": }"));
    }

    private interface Io {
        void run() throws IOException;
    }

    private static void assertMessage(Io io, String... parts) {
        IOException e = assertThrows(IOException.class, io::run);
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention " + p);
    }
}
