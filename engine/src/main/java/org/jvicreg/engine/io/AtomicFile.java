package org.jvicreg.engine.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Writes a file so that a crash never leaves it half-written: the bytes go to a temporary file in the
 * same directory ("." + name + random digits + ".tmp"), are forced to disk, and the temporary file is
 * renamed over the target. The file gets the permissions any new file gets (0666 less the umask).
 * A process killed mid-write leaves its temporary file; {@link #removeStale} deletes such files later.
 */
public final class AtomicFile {
    /** The temporary files of {@link #write}: a dot, the target's name, up to 20 digits, ".tmp". */
    static final Pattern TEMPORARY = Pattern.compile("\\..+[0-9]{1,20}\\.tmp");
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFile() {}

    public static void write(Path file, byte[] bytes) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = createTemporary(dir, target.getFileName().toString());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                var buf = java.nio.ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A new empty file for {@code name}'s bytes: not Files.createTempFile, whose 0600 would become the target's. */
    private static Path createTemporary(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                return Files.createFile(dir.resolve("." + name + Long.toUnsignedString(RANDOM.nextLong()) + ".tmp"));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt == 10) throw e;
            }
        }
    }

    /**
     * Deletes, in {@code dir}, the temporary files of writes killed before they finished: regular files
     * (not links) whose names are {@link #write}'s pattern and that were last modified before this process
     * started, so no write still under way is touched. Returns how many it deleted; a missing directory
     * has none.
     */
    public static int removeStale(Path dir) throws IOException {
        return removeStale(dir, name -> TEMPORARY.matcher(name).matches());
    }

    /** As {@link #removeStale(Path)}, for the files whose names {@code ours} accepts. */
    public static int removeStale(Path dir, Predicate<String> ours) throws IOException {
        if (!Files.isDirectory(dir)) return 0;
        Instant started = ProcessHandle.current().info().startInstant().orElse(Instant.now());
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, p -> ours.test(p.getFileName().toString()))) {
            for (Path f : files) {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isRegularFile() && a.lastModifiedTime().toInstant().isBefore(started) && Files.deleteIfExists(f)) removed++;
            }
        }
        return removed;
    }
}
