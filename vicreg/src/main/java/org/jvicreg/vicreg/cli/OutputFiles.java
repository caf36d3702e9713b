package org.jvicreg.vicreg.cli;

import org.jvicreg.engine.io.AtomicFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /** The staged files of {@link #write}: a dot, the target's name, ".partial-", the writer's pid, "-", a number. */
    private static final Pattern STAGED = Pattern.compile("\\..+\\.partial-([0-9]{1,18})-[0-9]+");

    /**
     * Refuses, before any work is done, an output path that cannot become a file: an existing directory, one
     * below an existing non-directory, or one whose nearest existing folder this process cannot write in.
     * Then deletes the temporary files that killed runs left in the target's folder ({@link #removeStale}).
     */
    static void checkTarget(String option, Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        if (Files.isDirectory(abs)) throw new UsageException("--" + option + " " + target + " is a directory, not a file");
        checkFolder(option, target, abs.getParent());
        removeStale(abs.getParent());
    }

    /**
     * Refuses a folder for outputs that cannot be one, before any work: {@code folder} or a folder above it is
     * an existing non-directory, or the nearest existing one is not writable by this process.
     * {@code shown} is what the user typed.
     */
    static void checkFolder(String option, Path shown, Path folder) {
        Path existing = null;
        for (Path p = folder.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) {
                throw new UsageException("--" + option + " " + shown + ": " + p + " is not a directory");
            }
            if (existing == null && Files.isDirectory(p)) existing = p;
        }
        if (existing != null && !(Files.isWritable(existing) && Files.isExecutable(existing))) {
            throw new UsageException("--" + option + " " + shown + ": cannot write in " + existing + " (permission denied)");
        }
    }

    /**
     * Deletes, in {@code dir}, what writes killed before they finished left: this class's staged files of
     * processes that are gone and the IO layer's temporary files ({@link AtomicFile#removeStale}), in
     * both cases only files last modified before this process started.
     */
    static void removeStale(Path dir) throws IOException {
        AtomicFile.removeStale(dir);
        AtomicFile.removeStale(dir, name -> {
            Matcher m = STAGED.matcher(name);
            return m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty();
        });
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
