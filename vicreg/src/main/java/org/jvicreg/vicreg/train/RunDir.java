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
 *   spectra.jsonl            covariance eigenvalues of the embeddings and representations, before training
 *                            and after every epoch (SpectrumMonitor)
 *   map.json, map.npy        a 2-D map (t-SNE or PCA) of test images' representations, with their labels
 *                            (RepresentationMap; written by pretrain, demo and report)
 *   probes.json              accuracies written by linear-eval / knn
 *   report.html              plots of the above, self-contained
 * </pre>
 * Every file but the .jsonl logs is replaced atomically.
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

    public static Path spectra(Path dir) {
        return dir.resolve("spectra.jsonl");
    }

    public static Path map(Path dir) {
        return dir.resolve("map.json");
    }

    /** The map's coordinates alone, n x 2 float32, for NumPy. */
    public static Path mapCoordinates(Path dir) {
        return dir.resolve("map.npy");
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

    /** A new run's id: 128 random bits in hex, made once when the run is created. */
    public static String newRunId() {
        byte[] b = new byte[16];
        new java.security.SecureRandom().nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    /** config.json: the config, then, when given, the run's id (which ties checkpoint.safetensors to this run). */
    public static void writeConfig(Path dir, PretrainConfig c, String runId) throws IOException {
        Map<String, Object> m = c.toMap();
        if (runId != null) m.put(RUN_ID, runId);
        AtomicFile.write(config(dir), (Json.write(m) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The key of the run's id in config.json and in the checkpoint's metadata. */
    public static final String RUN_ID = "run_id";
    /** A config.json or probes.json larger than this is not one of ours. */
    static final long MAX_JSON_BYTES = 1 << 20;

    public static PretrainConfig readConfig(Path dir) throws IOException {
        Path f = config(dir);
        try {
            return PretrainConfig.fromMap(readConfigObject(dir));
        } catch (IllegalArgumentException e) {
            throw new IOException(f + ": " + e.getMessage(), e);
        }
    }

    /** The run's id in config.json; null for a run made before runs had ids. */
    public static String runId(Path dir) throws IOException {
        Map<?, ?> m = readConfigObject(dir);
        Object id = m.get(RUN_ID);
        if (id != null && !(id instanceof String)) throw new IOException(config(dir) + ": field '" + RUN_ID + "' must be a string");
        return (String) id;
    }

    private static Map<?, ?> readConfigObject(Path dir) throws IOException {
        Path f = config(dir);
        if (!Files.isRegularFile(f)) {
            throw new IOException(dir + " is not a run directory (no config.json; create one with `vicreg pretrain --out " + dir + "`)");
        }
        if (!(readJson(f) instanceof Map<?, ?> m)) throw new IOException(f + ": expected a JSON object (a run's config), got something else");
        return m;
    }

    /** One small JSON file, every failure (size, syntax, nesting) one line naming it. */
    private static Object readJson(Path f) throws IOException {
        long size = Files.size(f);
        if (size > MAX_JSON_BYTES) throw new IOException(f + ": " + size + " bytes, more than a run's JSON file holds (at most " + MAX_JSON_BYTES + ")");
        try {
            return Json.parse(Files.readString(f));
        } catch (IllegalArgumentException | java.nio.charset.CharacterCodingException e) {
            throw new IOException(f + ": " + e.getMessage(), e);
        } catch (StackOverflowError e) {
            throw new IOException(f + ": input nested too deeply to read (the stack overflowed)", e);
        }
    }

    /** The probe results recorded so far (name to accuracy). */
    public static Map<String, Object> readProbes(Path dir) throws IOException {
        Path f = probes(dir);
        Map<String, Object> out = new LinkedHashMap<>();
        if (Files.isRegularFile(f) && readJson(f) instanceof Map<?, ?> m) m.forEach((k, v) -> out.put(String.valueOf(k), v));
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

    /** The rows of spectra.jsonl (none for a run made before spectra were stored). */
    public static java.util.List<Map<String, Object>> readSpectra(Path dir) throws IOException {
        return readRows(spectra(dir));
    }

    /** The JSON-object lines of a .jsonl file (none when it does not exist; lines cut short by a crash skipped). */
    public static java.util.List<Map<String, Object>> readRows(Path f) throws IOException {
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
