package org.jvicreg.vicreg.train;

import org.jvicreg.engine.io.Json;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * RUN_DIR/metrics.jsonl: one JSON object per logged step, appended and flushed line by line. On resume
 * the log is cut back to the checkpoint's step (dropping the lines of the interrupted epoch and any
 * line a crash left half-written), so the file always describes one consistent run.
 */
public final class MetricsLog implements AutoCloseable {
    private final Path file;
    private final List<Map<String, Object>> rows = new ArrayList<>();
    private Writer out;

    public MetricsLog(Path file) {
        this.file = file;
    }

    /** A log that keeps its rows in memory and writes no file: a data-parallel rank other than 0. */
    public static MetricsLog inMemory() {
        return new MetricsLog(null);
    }

    /** Reads the existing rows with step <= lastStep and rewrites the file with exactly those. */
    public void resumeAt(long lastStep) throws IOException {
        rows.clear();
        if (file == null) return;
        for (Map<String, Object> row : RunDir.readRows(file)) {
            if (row.get("step") instanceof Number s && s.longValue() <= lastStep) rows.add(row);
        }
        StringBuilder b = new StringBuilder();
        for (Map<String, Object> r : rows) b.append(Json.write(r)).append('\n');
        org.jvicreg.engine.io.AtomicFile.write(file, b.toString().getBytes(StandardCharsets.UTF_8));
    }

    public void start() throws IOException {
        if (file == null) return;
        if (!Files.exists(file)) Files.createFile(file);
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    public void append(Map<String, Object> row) throws IOException {
        rows.add(row);
        if (out == null) return;
        out.write(Json.write(row));
        out.write('\n');
        out.flush();
    }

    public List<Map<String, Object>> rows() {
        return rows;
    }

    @Override
    public void close() throws IOException {
        if (out != null) out.close();
    }
}
