package org.jvicreg.vicreg.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A command's output files, which appear together or not at all. {@link #write} writes each one completely
 * under a hidden temporary name beside its target; {@link #commit} renames them all into place; closing
 * without a commit deletes what was staged. So a failure in any step leaves no output behind, neither a
 * half-written file nor the first of two files.
 */
final class OutputFiles implements AutoCloseable {
    /** Writes one file (the IO layer's writers are themselves atomic). */
    @FunctionalInterface
    interface Writer {
        void write(Path file) throws IOException;
    }

    private record Staged(Path temporary, Path target) {}

    private final List<Staged> staged = new ArrayList<>();

    /**
     * Refuses, before any work is done, an output path that cannot become a file: an existing directory, or
     * one below an existing non-directory.
     */
    static void checkTarget(String option, Path target) {
        Path abs = target.toAbsolutePath();
        if (Files.isDirectory(abs)) throw new UsageException("--" + option + " " + target + " is a directory, not a file");
        for (Path p = abs.getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) {
                throw new UsageException("--" + option + " " + target + ": " + p + " is not a directory");
            }
        }
    }

    /** Writes {@code target}'s content under a temporary name in the target's folder (created if needed). */
    void write(Path target, Writer writer) throws IOException {
        Path abs = target.toAbsolutePath();
        if (Files.isDirectory(abs)) throw new IOException(target + ": is a directory, not a file");
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + abs.getFileName() + ".partial-" + ProcessHandle.current().pid() + "-" + staged.size());
        staged.add(new Staged(tmp, abs));
        writer.write(tmp);
    }

    /** Renames every staged file onto its target. */
    void commit() throws IOException {
        for (Staged s : staged) Files.move(s.temporary(), s.target(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        staged.clear();
    }

    @Override
    public void close() {
        for (Staged s : staged) {
            try {
                Files.deleteIfExists(s.temporary());
            } catch (IOException e) {
                System.err.println("warning: could not delete the temporary file " + s.temporary() + ": " + e.getMessage());
            }
        }
        staged.clear();
    }
}
