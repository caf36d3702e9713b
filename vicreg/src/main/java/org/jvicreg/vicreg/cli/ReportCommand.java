package org.jvicreg.vicreg.cli;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.io.AtomicFile;
import org.jvicreg.engine.io.Json;
import org.jvicreg.vicreg.train.PretrainConfig;
import org.jvicreg.vicreg.train.Report;
import org.jvicreg.vicreg.train.RunDir;
import org.jvicreg.vicreg.viz.RepresentationMap;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code vicreg report}: (re)writes a run's report.html, with a new 2-D map of its test images. */
public final class ReportCommand implements Command {
    @Override
    public String name() {
        return "report";
    }

    @Override
    public String summary() {
        return "rewrite a run's report.html, with a t-SNE or PCA map of its test images";
    }

    @Override
    public String help() {
        return """
                usage: vicreg report --run RUN_DIR [options]

                (Re)writes RUN_DIR/report.html from what the run stored (config.json, metrics.jsonl, knn.jsonl,
                spectra.jsonl, probes.json), after drawing a 2-D map of test images' representations: a sample of
                the test split through the run's backbone, coloured by class. The map is stored beside the report:
                map.json (coordinates, labels, test-set indices, class names and how it was made) and map.npy
                (the n x 2 coordinates, float32). Works for any run directory; panels the run has no data for say
                so. Prints, last, {"report":PATH,"map":M,"map_points":N,"map_seconds":S,"spectra":K}.

                options:
                  --run RUN_DIR        the run directory (required)
                  --map M              tsne | pca | none (default tsne): t-SNE (exact gradient, perplexity 30,
                                       1000 steps) of the first 50 principal components of the features; their
                                       first two principal components; or no new map (the report shows the one
                                       stored, if any)
                  --map-points N       test images in the map, drawn at random from the seed (default 2000,
                                       at most 20000; t-SNE of 2000 takes a few seconds on 2 cores, and
                                       its time grows with the square of N)
                  --perplexity P       t-SNE perplexity (default 30)
                  --seed S             seed of the sample and of the map (default 0)
                  --batch B            batch size of the feature pass (default 512)
                  --device D           cpu | cuda (default cpu)
                  --cuda-libs DIRS     cuda: directories holding libcublas.so.* / libcudnn.so.*,
                                       searched first (':'-separated; also JVICREG_CUDA_LIBS)
                """;
    }

    @Override
    public int run(Args a) throws Exception {
        Path run = a.requirePath("run");
        String method = a.choice("map", "tsne", "tsne", "pca", "none");
        int points = a.positiveInteger("map-points", RunMap.DEFAULT_POINTS);
        double perplexity = a.number("perplexity", RunMap.DEFAULT_PERPLEXITY);
        long seed = a.longValue("seed", 0);
        int batch = a.positiveInteger("batch", 512);
        String deviceName = a.device();
        if (points > RunMap.MAX_POINTS) throw new UsageException("--map-points must be at most " + RunMap.MAX_POINTS + ", got " + points);
        if (points < 4) throw new UsageException("--map-points must be at least 4, got " + points);
        if (!(perplexity > 0)) throw new UsageException("--perplexity must be positive");
        if (method.equals("none") && (a.has("map-points") || a.has("perplexity"))) {
            throw new UsageException("--map-points and --perplexity go with --map tsne or --map pca");
        }
        if (method.equals("pca") && a.has("perplexity")) throw new UsageException("--perplexity goes with --map tsne");
        a.finish();
        OutputFiles.checkFolder("run", run, run);
        PretrainConfig cfg = RunDir.readConfig(run); // a missing or corrupt run directory stops here, naming the file
        AtomicFile.removeStale(run);
        RepresentationMap map = method.equals("none") ? null
                : RunMap.draw(run, cfg, method, points, perplexity, seed, Device.of(deviceName), batch, System.err);
        Report.refresh(run);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("report", RunDir.report(run).toString());
        out.put("map", method);
        out.put("map_points", map == null ? null : (long) map.size());
        out.put("map_seconds", map == null ? null : map.info().get("seconds"));
        out.put("spectra", (long) RunDir.readSpectra(run).size());
        System.out.println(Json.write(out));
        return 0;
    }
}
