package org.jvicreg.vicreg.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Outputs appear together or not at all. */
class OutputFilesTest {
    @TempDir
    Path tmp;

    private List<String> files() throws IOException {
        try (var s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFailingSecondFileLeavesNeitherAndKeepsTheOldFirst() throws IOException {
        Path first = tmp.resolve("y.npy");
        Files.writeString(first, "old");
        assertThrows(IOException.class, () -> {
            try (OutputFiles out = new OutputFiles()) {
                out.write(first, f -> Files.writeString(f, "new"));
                out.write(tmp.resolve("g.safetensors"), f -> {
                    Files.writeString(f, "half");
                    throw new IOException("disk full");
                });
                out.commit();
            }
        });
        assertEquals("old", Files.readString(first));
        assertEquals(List.of("y.npy"), files());
    }

    @Test
    void commitPutsEveryFileInPlace() throws IOException {
        try (OutputFiles out = new OutputFiles()) {
            out.write(tmp.resolve("a/one.txt"), f -> Files.writeString(f, "1"));
            out.write(tmp.resolve("two.txt"), f -> Files.writeString(f, "2"));
            assertFalse(Files.exists(tmp.resolve("two.txt")), "not before the commit");
            out.commit();
        }
        assertEquals("1", Files.readString(tmp.resolve("a/one.txt")));
        assertEquals("2", Files.readString(tmp.resolve("two.txt")));
        assertEquals(List.of("a", "two.txt"), files());
    }
}
