package org.jvicreg.vicreg.train;

import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.NonFinite;
import org.jvicreg.engine.io.SafeTensors;
import org.jvicreg.nn.Module;
import org.jvicreg.nn.optim.Optimizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * RUN_DIR/checkpoint.safetensors: the model's state dict under "model.", the optimizer's state under
 * "optim.", the state dicts of modules trained beside the model under their own prefixes (BYOL's target
 * network under "target."), and in the metadata the number of completed epochs and steps and the run's id (the one in
 * config.json). Written atomically (a temporary file renamed into place), so a crash at any moment leaves
 * the previous checkpoint intact.
 */
public record Checkpoint(int epochsDone, long steps, double seconds) {
    static final String FILE = "checkpoint.safetensors";

    public static Path file(Path runDir) {
        return runDir.resolve(FILE);
    }

    /**
     * Saves the model, the {@code companions} (modules trained beside it, each under its key as prefix), the
     * optimizer and the progress; {@code runId} (may be null) goes in the metadata.
     */
    public static void save(Path runDir, Module model, Map<String, Module> companions, Optimizer opt, Checkpoint progress,
                            String runId) throws IOException {
        Map<String, Tensor> all = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> all.put("model." + k, v));
        companions.forEach((prefix, m) -> m.stateDict().forEach((k, v) -> all.put(prefix + "." + k, v)));
        opt.state().forEach((k, v) -> all.put("optim." + k, v));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "jvicreg-checkpoint-1");
        meta.put("epochs_done", Integer.toString(progress.epochsDone));
        meta.put("steps", Long.toString(progress.steps));
        meta.put("seconds", Double.toString(progress.seconds));
        if (runId != null) meta.put(RunDir.RUN_ID, runId);
        SafeTensors.write(file(runDir), all, meta);
    }

    public static boolean exists(Path runDir) {
        return Files.isRegularFile(file(runDir));
    }

    /** Restores model (strictly) and, when given, optimizer state; returns the progress recorded. */
    public static Checkpoint load(Path runDir, Module model, Optimizer opt) throws IOException {
        return read(runDir, model, Map.of(), opt).progress();
    }

    /**
     * As {@link #load(Path, Module, Optimizer)}, with the {@code companions} {@link #save} wrote (each strictly),
     * for resuming the run in {@code runDir}, configured for
     * {@code epochs} epochs of {@code stepsPerEpoch} steps: refuses a checkpoint of another run (run ids
     * differ; a run made before ids is accepted when neither has one) and progress the run cannot have
     * made (more epochs than configured, steps that are not epochs x steps per epoch).
     */
    public static Checkpoint loadForRun(Path runDir, Module model, Map<String, Module> companions, Optimizer opt, int epochs,
                                        long stepsPerEpoch) throws IOException {
        Loaded l = read(runDir, model, companions, opt);
        Path f = file(runDir);
        String runId = RunDir.runId(runDir);
        if (!Objects.equals(runId, l.runId())) {
            throw new IOException(f + ": belongs to another run (its run id is " + (l.runId() == null ? "missing" : l.runId())
                    + ", " + RunDir.config(runDir) + "'s " + (runId == null ? "missing" : runId) + ")");
        }
        Checkpoint p = l.progress();
        if (p.epochsDone < 1 || p.epochsDone > epochs) {
            throw new IOException(f + ": metadata 'epochs_done' is " + p.epochsDone + " but the run has " + epochs + " epochs");
        }
        if (p.steps != p.epochsDone * stepsPerEpoch) {
            throw new IOException(f + ": metadata 'steps' is " + p.steps + " but " + p.epochsDone + " epochs of " + stepsPerEpoch
                    + " steps make " + p.epochsDone * stepsPerEpoch);
        }
        return p;
    }

    private record Loaded(Checkpoint progress, String runId) {}

    private static Loaded read(Path runDir, Module model, Map<String, Module> companions, Optimizer opt) throws IOException {
        Path f = file(runDir);
        Map<String, Tensor> all = SafeTensors.read(f);
        Map<String, String> meta = SafeTensors.metadata(f);
        if (!"jvicreg-checkpoint-1".equals(meta.get("format"))) throw new IOException(f + ": not a jvicreg checkpoint");
        Checkpoint progress = new Checkpoint(metaInt(f, meta, "epochs_done"), metaLong(f, meta, "steps"), metaSeconds(f, meta));
        NonFinite.require(f.toString(), all);
        String companion = null; // the one loading, to name in an error
        try {
            model.loadStateDict(withPrefix(all, "model."), true);
            for (var c : companions.entrySet()) {
                companion = c.getKey();
                c.getValue().loadStateDict(withPrefix(all, companion + "."), true);
            }
            companion = null;
            if (opt != null) opt.loadState(withPrefix(all, "optim."));
        } catch (RuntimeException e) {
            throw new IOException(f + ": " + (companion == null ? "" : "'" + companion + ".*': ") + e.getMessage(), e);
        }
        return new Loaded(progress, meta.get(RunDir.RUN_ID));
    }

    private static int metaInt(Path f, Map<String, String> meta, String key) throws IOException {
        long v = metaLong(f, meta, key);
        if (v > Integer.MAX_VALUE) throw new IOException(f + ": metadata '" + key + "' is " + v + ", too large");
        return (int) v;
    }

    private static long metaLong(Path f, Map<String, String> meta, String key) throws IOException {
        String s = meta.get(key);
        try {
            long v = Long.parseLong(Objects.requireNonNull(s));
            if (v < 0) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException | NullPointerException e) {
            throw new IOException(f + ": metadata '" + key + "' must be a whole number of 0 or more, got " + (s == null ? "nothing" : "'" + s + "'"));
        }
    }

    private static double metaSeconds(Path f, Map<String, String> meta) throws IOException {
        String s = meta.get("seconds");
        try {
            double v = Double.parseDouble(Objects.requireNonNull(s));
            if (!(v >= 0) || Double.isInfinite(v)) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException | NullPointerException e) {
            throw new IOException(f + ": metadata 'seconds' must be a finite number of 0 or more, got " + (s == null ? "nothing" : "'" + s + "'"));
        }
    }

    /** The model part of a checkpoint (names without the "model." prefix), e.g. for probes. */
    public static Map<String, Tensor> modelState(Path runDir) throws IOException {
        return withPrefix(SafeTensors.read(file(runDir)), "model.");
    }

    /** The entries whose names start with {@code prefix}, under their names without it. */
    private static Map<String, Tensor> withPrefix(Map<String, Tensor> all, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v);
        });
        return out;
    }
}
