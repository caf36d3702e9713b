package org.jvicreg.nn;

import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Module weights to and from safetensors files under torchvision's names. */
public final class StateDicts {
    private StateDicts() {}

    public static void save(Module m, Path file) throws IOException {
        SafeTensors.write(file, m.stateDict(), Map.of("format", "pt", "producer", "jvicreg"));
    }

    /**
     * Loads a file into the module. Keys matching {@code ignore} ("name" or "prefix.*") are skipped, and so
     * is a checkpoint's num_batches_tracked when the module has none (or the reverse): it is a counter, not a
     * weight. With strict, any other mismatch is an error that names the file and every bad key.
     */
    public static Module.LoadReport load(Module m, Path file, boolean strict, String... ignore) throws IOException {
        Map<String, Tensor> state = SafeTensors.read(file);
        try {
            return m.loadStateDict(state, strict, ignoreCounters(state, m, ignore));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static String[] ignoreCounters(Map<String, Tensor> state, Module m, String[] ignore) {
        java.util.List<String> out = new java.util.ArrayList<>(java.util.List.of(ignore));
        Map<String, Tensor> own = m.stateDict();
        for (String k : state.keySet()) if (k.endsWith("num_batches_tracked") && !own.containsKey(k)) out.add(k);
        for (String k : own.keySet()) if (k.endsWith("num_batches_tracked") && !state.containsKey(k)) out.add(k);
        return out.toArray(new String[0]);
    }
}
