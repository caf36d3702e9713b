package org.jvicreg.vicreg.cli;

import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.Json;
import org.jvicreg.engine.io.Npy;
import org.jvicreg.vicreg.data.Split;
import org.jvicreg.vicreg.probe.Features;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code vicreg embed}: the frozen backbone's features of a split, to .npy. */
public final class EmbedCommand implements Command {
    @Override
    public String name() {
        return "embed";
    }

    @Override
    public String summary() {
        return "write a run's backbone features of a split to .npy";
    }

    @Override
    public Set<String> flags() {
        return Set.of("random-init");
    }

    @Override
    public String help() {
        return """
                usage: vicreg embed --run RUN_DIR --out FEATURES.npy [options]

                Writes the frozen backbone's features (eval mode) of every image of a split as an (N, F) float32
                .npy, and their labels as an (N) float32 .npy. Prints, last, a JSON line with the shapes.

                options:
                  --out FILE           features .npy (required)
                  --labels-out FILE    labels .npy (default: FILE with .labels.npy)
                  --split S            train | test (default test)
                """ + ProbeInputs.HELP;
    }

    @Override
    public int run(Args a) throws Exception {
        Path out = a.requirePath("out");
        Split split = Split.parse(a.choice("split", "test", "train", "test"));
        String name = out.getFileName().toString();
        Path labelsOut = a.path("labels-out", out.resolveSibling(name.endsWith(".npy")
                ? name.substring(0, name.length() - 4) + ".labels.npy" : name + ".labels.npy"));
        if (labelsOut.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
            throw new UsageException("--out and --labels-out name the same file " + out);
        }
        ProbeInputs in = ProbeInputs.from(a); // reads the shared options and ends the parsing
        OutputFiles.checkTarget("out", out);
        OutputFiles.checkTarget("labels-out", labelsOut);
        Features f = in.features(split);
        float[] labels = new float[f.n()];
        for (int i = 0; i < f.n(); i++) labels[i] = f.labels()[i];
        try (OutputFiles files = new OutputFiles()) { // both files or neither
            files.write(out, file -> Npy.write(file, Tensor.of(f.values(), f.n(), f.dim())));
            files.write(labelsOut, file -> Npy.write(file, Tensor.of(labels, f.n())));
            files.commit();
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("features", out.toString());
        r.put("labels", labelsOut.toString());
        r.put("n", (long) f.n());
        r.put("dim", (long) f.dim());
        System.out.println(Json.write(r));
        return 0;
    }
}
