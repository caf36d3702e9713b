package org.jvicreg.engine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AtomicFile's permissions and its clean-up of what killed writes leave. */
class AtomicFileTest {
    @TempDir
    Path dir;

    @Test
    void theFileGetsTheUmasksPermissionsNotThoseOfATemporaryFile() throws IOException {
        Path written = dir.resolve("out.bin"), plain = Files.createFile(dir.resolve("plain.bin")); // 0666 less the umask
        AtomicFile.write(written, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(written));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(written));
        assertEquals(List.of("out.bin", "plain.bin"), names(), "no temporary file left");
    }

    @Test
    void removeStaleDeletesOnlyOurOldTemporaryFiles() throws IOException {
        Instant old = Instant.now().minusSeconds(3 * 24 * 3600);
        Path stale = touch(".model.safetensors4711081512.tmp", old);
        Path fresh = touch(".model.safetensors99.tmp", Instant.now().plusSeconds(60)); // a write under way now
        Path notOurs = touch("notes.tmp", old), noDigits = touch(".model.tmp", old);
        Files.createDirectory(dir.resolve(".dir123.tmp"));
        Files.setLastModifiedTime(dir.resolve(".dir123.tmp"), FileTime.from(old));
        assertEquals(1, AtomicFile.removeStale(dir));
        assertFalse(Files.exists(stale));
        for (Path kept : List.of(fresh, notOurs, noDigits, dir.resolve(".dir123.tmp"))) assertTrue(Files.exists(kept), kept + " kept");
        assertEquals(0, AtomicFile.removeStale(dir.resolve("missing")), "a folder that does not exist holds nothing");
    }

    private Path touch(String name, Instant modified) throws IOException {
        Path p = Files.write(dir.resolve(name), new byte[] {0});
        Files.setLastModifiedTime(p, FileTime.from(modified));
        return p;
    }

    private List<String> names() throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
