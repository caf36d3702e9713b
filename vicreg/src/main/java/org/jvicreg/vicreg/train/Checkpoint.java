package org.jvicreg.vicreg.train;

import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.SafeTensors;
import org.jvicreg.nn.Module;
import org.jvicreg.nn.optim.Optimizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * RUN_DIR/checkpoint.safetensors: the model's state dict under "model.", the optimizer's state under
 * "optim.", and in the metadata the number of completed epochs and steps. Written atomically (a
 * temporary file renamed into place), so a crash at any moment leaves the previous checkpoint intact.
 */
public record Checkpoint(int epochsDone, long steps, double seconds) {
    static final String FILE = "checkpoint.safetensors";

    public static Path file(Path runDir) {
        return runDir.resolve(FILE);
    }

    public static void save(Path runDir, Module model, Optimizer opt, Checkpoint progress) throws IOException {
        Map<String, Tensor> all = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> all.put("model." + k, v));
        opt.state().forEach((k, v) -> all.put("optim." + k, v));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "jvicreg-checkpoint-1");
        meta.put("epochs_done", Integer.toString(progress.epochsDone));
        meta.put("steps", Long.toString(progress.steps));
        meta.put("seconds", Double.toString(progress.seconds));
        SafeTensors.write(file(runDir), all, meta);
    }

    public static boolean exists(Path runDir) {
        return Files.isRegularFile(file(runDir));
    }

    /** Restores model (strictly) and, when given, optimizer state; returns the progress recorded. */
    public static Checkpoint load(Path runDir, Module model, Optimizer opt) throws IOException {
        Path f = file(runDir);
        Map<String, Tensor> all = SafeTensors.read(f);
        Map<String, String> meta = SafeTensors.metadata(f);
        if (!"jvicreg-checkpoint-1".equals(meta.get("format"))) throw new IOException(f + ": not a jvicreg checkpoint");
        Map<String, Tensor> modelState = new LinkedHashMap<>(), optState = new LinkedHashMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith("model.")) modelState.put(k.substring(6), v);
            else if (k.startsWith("optim.")) optState.put(k.substring(6), v);
        });
        try {
            model.loadStateDict(modelState, true);
            if (opt != null) opt.loadState(optState);
            return new Checkpoint(Integer.parseInt(meta.get("epochs_done")), Long.parseLong(meta.get("steps")),
                    Double.parseDouble(meta.get("seconds")));
        } catch (RuntimeException e) {
            throw new IOException(f + ": " + e.getMessage(), e);
        }
    }

    /** The model part of a checkpoint (names without the "model." prefix), e.g. for probes. */
    public static Map<String, Tensor> modelState(Path runDir) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        SafeTensors.read(file(runDir)).forEach((k, v) -> {
            if (k.startsWith("model.")) out.put(k.substring(6), v);
        });
        return out;
    }
}
