package org.jvicreg.vicreg.train;

import org.jvicreg.engine.io.AtomicFile;
import org.jvicreg.engine.io.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The files of a pre-training run:
 * <pre>
 *   config.json              what was trained (PretrainConfig)
 *   checkpoint.safetensors   model + optimizer after the last completed epoch (Checkpoint)
 *   backbone.safetensors     the backbone alone under torchvision's names, for `forward` and other tools
 *   metrics.jsonl            one line per logged step (MetricsLog)
 *   knn.jsonl                kNN accuracy during training, one line per evaluation (KnnMonitor; only when on)
 *   probes.json              accuracies written by linear-eval / knn
 *   report.html              plots of the above, self-contained
 * </pre>
 * Every file but the two .jsonl logs is replaced atomically.
 */
public final class RunDir {
    private RunDir() {}

    public static Path config(Path dir) {
        return dir.resolve("config.json");
    }

    public static Path metrics(Path dir) {
        return dir.resolve("metrics.jsonl");
    }

    public static Path knn(Path dir) {
        return dir.resolve("knn.jsonl");
    }

    public static Path backbone(Path dir) {
        return dir.resolve("backbone.safetensors");
    }

    public static Path report(Path dir) {
        return dir.resolve("report.html");
    }

    public static Path probes(Path dir) {
        return dir.resolve("probes.json");
    }

    public static void writeConfig(Path dir, PretrainConfig c) throws IOException {
        AtomicFile.write(config(dir), (Json.write(c.toMap()) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    public static PretrainConfig readConfig(Path dir) throws IOException {
        Path f = config(dir);
        if (!Files.isRegularFile(f)) {
            throw new IOException(dir + " is not a run directory (no config.json; create one with `vicreg pretrain --out " + dir + "`)");
        }
        try {
            return PretrainConfig.fromMap((Map<?, ?>) Json.parse(Files.readString(f)));
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new IOException(f + ": " + e.getMessage());
        }
    }

    /** The probe results recorded so far (name to accuracy). */
    public static Map<String, Object> readProbes(Path dir) throws IOException {
        Path f = probes(dir);
        Map<String, Object> out = new LinkedHashMap<>();
        if (Files.isRegularFile(f)) {
            try {
                if (Json.parse(Files.readString(f)) instanceof Map<?, ?> m) m.forEach((k, v) -> out.put(String.valueOf(k), v));
            } catch (IllegalArgumentException e) {
                throw new IOException(f + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** Records one probe result and refreshes the report. */
    public static void recordProbe(Path dir, String name, Object value) throws IOException {
        Map<String, Object> p = readProbes(dir);
        p.put(name, value);
        AtomicFile.write(probes(dir), (Json.write(p) + "\n").getBytes(StandardCharsets.UTF_8));
        Report.write(dir, readConfig(dir), readMetrics(dir), readKnn(dir), p);
    }

    /** The rows of metrics.jsonl (unparseable lines skipped). */
    public static java.util.List<Map<String, Object>> readMetrics(Path dir) throws IOException {
        return readRows(metrics(dir));
    }

    /** The rows of knn.jsonl (none when the run was not monitored). */
    public static java.util.List<Map<String, Object>> readKnn(Path dir) throws IOException {
        return readRows(knn(dir));
    }

    /** The JSON-object lines of a .jsonl file (none when it does not exist; lines cut short by a crash skipped). */
    static java.util.List<Map<String, Object>> readRows(Path f) throws IOException {
        java.util.List<Map<String, Object>> rows = new java.util.ArrayList<>();
        if (!Files.isRegularFile(f)) return rows;
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            try {
                if (Json.parse(line) instanceof Map<?, ?> m) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    m.forEach((k, v) -> row.put(String.valueOf(k), v));
                    rows.add(row);
                }
            } catch (IllegalArgumentException ignored) {
                // a partial last line from a crash
            }
        }
        return rows;
    }
}
