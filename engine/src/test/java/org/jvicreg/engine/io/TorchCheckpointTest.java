package org.jvicreg.engine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvicreg.engine.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** torch.save files (fixtures/pth, made by make_fixtures.py with PyTorch) read back, and hostile ones refused. */
class TorchCheckpointTest {
    @TempDir
    Path tmp;

    private static Path fixture(String name) {
        try {
            return Path.of(TorchCheckpointTest.class.getResource("/fixtures/pth/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Same values and shape (a 0-d tensor's expected .npy reads as one element). */
    private static void assertSame(String what, Tensor expected, Tensor actual) {
        if (actual.dim() > 0) assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        assertArrayEquals(expected.toArray(), actual.toArray(), what);
    }

    @Test
    void aStateDictOfEveryStorageTypeAndStridedViewsReadsAsPyTorchHasIt() throws IOException {
        Object root = TorchCheckpoint.read(fixture("state_dict.pth"));
        assertInstanceOf(Map.class, root);
        Map<String, Tensor> t = TorchCheckpoint.tensors(root);
        assertEquals(List.of("a.weight", "b.half", "c.bf16", "d.double", "e.num_batches_tracked", "f.base", "g.transposed",
                "h.narrowed", "i.param", "j.empty"), List.copyOf(t.keySet()));
        for (var e : t.entrySet()) {
            assertSame(e.getKey(), Npy.read(fixture("expected_" + e.getKey() + ".npy")), e.getValue());
        }
        assertArrayEquals(new int[] {4, 3}, t.get("g.transposed").shape());
        assertArrayEquals(new int[0], t.get("e.num_batches_tracked").shape());
    }

    @Test
    void theOfficialTrainingCheckpointLayoutLoadsWithItsFunctionAsAnInertReference() throws IOException {
        Object root = TorchCheckpoint.read(fixture("checkpoint.pth"));
        Map<?, ?> top = (Map<?, ?>) root;
        assertEquals(3L, top.get("epoch"));
        Map<String, Tensor> t = TorchCheckpoint.tensors(root);
        assertSame("w1", Npy.read(fixture("expected_w1.npy")), t.get("model.module.backbone.conv1.weight"));
        assertSame("w2", Npy.read(fixture("expected_w2.npy")), t.get("model.module.projector.0.weight"));
        assertSame("mu", Npy.read(fixture("expected_mu.npy")), t.get("optimizer.state.0.mu"));
        Map<?, ?> group = (Map<?, ?>) ((List<?>) ((Map<?, ?>) top.get("optimizer")).get("param_groups")).getFirst();
        assertEquals(new TorchCheckpoint.Global("__main__", "exclude_bias_and_norm"), group.get("weight_decay_filter"));
        assertEquals(0.2, group.get("lr"));
        assertEquals(List.of(0L, 1L), group.get("params"));
    }

    @Test
    void aPickleThatWouldCallOsSystemIsRefusedNamingIt() {
        IOException e = assertThrows(IOException.class, () -> TorchCheckpoint.read(fixture("malicious.pth")));
        assertTrue(e.getMessage().contains("refuses to call 'posix.system'"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void legacyMissingAndNonZipFilesSayWhatTheyAre() throws IOException {
        assertMessage(fixture("legacy.pth"), "format before 1.6");
        assertMessage(tmp.resolve("none.pth"), "no such file");
        Path text = Files.writeString(tmp.resolve("text.pth"), "hello");
        assertMessage(text, "not a PyTorch checkpoint");
        byte[] whole = Files.readAllBytes(fixture("state_dict.pth"));
        for (int cut : new int[] {whole.length / 2, whole.length - 30, 40}) {
            Path truncated = Files.write(tmp.resolve("cut" + cut + ".pth"), java.util.Arrays.copyOf(whole, cut));
            IOException e = assertThrows(IOException.class, () -> TorchCheckpoint.read(truncated));
            assertTrue(e.getMessage().startsWith(truncated.toString()), e.getMessage());
        }
    }

    /** A pickle that rebuilds one float tensor of the given size and stride from a storage entry of dataBytes bytes. */
    private Path archive(String pickleOps, long numel, int dataBytes) throws IOException {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(new byte[] {(byte) 0x80, 2});
        p.writeBytes(("ctorch._utils\n_rebuild_tensor_v2\n((X\u0007\0\0\0storage" + "ctorch\nFloatStorage\n"
                + "X\u0001\0\0\u00000X\u0003\0\0\0cpu").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        p.write(0x8a); // LONG1
        p.write(8);
        for (int i = 0; i < 8; i++) p.write((int) (numel >>> (8 * i)));
        p.writeBytes(("tQ" + pickleOps + "\u0089N" + "tR.").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        Path f = tmp.resolve("crafted" + System.nanoTime() + ".pth");
        try (var zip = new ZipOutputStream(Files.newOutputStream(f))) {
            stored(zip, "crafted/data.pkl", p.toByteArray());
            stored(zip, "crafted/data/0", new byte[dataBytes]);
        }
        return f;
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    @Test
    void sizesInTheFileAreCheckedAgainstTheArchiveBeforeAnythingIsAllocated() throws IOException {
        // offset 0, size (2, 3), stride (3, 1) over 6 floats: fine
        Tensor ok = TorchCheckpoint.tensors(TorchCheckpoint.read(archive("K\u0000(K\u0002K\u0003t(K\u0003K\u0001t", 6, 24))).get("");
        assertArrayEquals(new int[] {2, 3}, ok.shape());
        // a storage that claims more elements than its entry holds
        assertMessage(archive("K\u0000(K\u0002K\u0003t(K\u0003K\u0001t", 1L << 40, 24), "claims 1099511627776 elements");
        // a view reaching past its storage, and one with more elements than its storage (stride 0)
        assertMessage(archive("K\u0000(K\u0002K\u0004t(K\u0004K\u0001t", 6, 24), "reaches past its storage");
        assertMessage(archive("K\u0000(J\u0000\u0000\u0001\u0000J\u0000\u0000\u0001\u0000t(K\u0000K\u0000t", 6, 24),
                "reaches past its storage");
        // a stride whose product overflows a long
        assertMessage(archive("K\u0000(K\u0003t(\u008a\u0008\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u007ft", 6, 24), "overflow");
    }

    @Test
    void anUnknownStorageTypeAndAnUnknownOpcodeAreNamed() throws IOException {
        byte[] pkl = Files.readAllBytes(fixture("state_dict.pth"));
        assertTrue(pkl.length > 0);
        Path f = tmp.resolve("odd.pth");
        try (var zip = new ZipOutputStream(Files.newOutputStream(f))) {
            stored(zip, "odd/data.pkl", new byte[] {(byte) 0x80, 2, (byte) 0xff});
        }
        assertMessage(f, "unsupported pickle opcode 0xff");
        Path g = tmp.resolve("complex.pth");
        try (var zip = new ZipOutputStream(Files.newOutputStream(g))) {
            stored(zip, "c/data.pkl", ("\u0080\u0002(X\u0007\0\0\0storagectorch\nComplexFloatStorage\nX\u0001\0\0\u00000X\u0003\0\0\u0000cpuK\u0001tQ.")
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        assertMessage(g, "torch.ComplexFloatStorage");
    }

    private static void assertMessage(Path f, String part) {
        IOException e = assertThrows(IOException.class, () -> TorchCheckpoint.read(f));
        assertTrue(e.getMessage().contains(part) && e.getMessage().startsWith(f.toString()), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}
