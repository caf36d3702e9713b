package org.jvicreg.vicreg.train;

import org.jvicreg.engine.io.AtomicFile;
import org.jvicreg.vicreg.viz.SvgPlot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * RUN_DIR/report.html: the run's configuration, probe accuracies, one inline SVG chart per
 * diagnostic over steps with the epochs marked (loss terms, per-dimension std, correlation, RankMe,
 * learning rate, throughput, and the kNN accuracy when the run was monitored), the covariance spectra
 * taken as it trained and a 2-D map of test images ({@link ReportPanels}). No scripts, no network: it
 * opens from disk in any browser.
 */
public final class Report {
    private Report() {}

    private record Series(String key, String label, String color) {}

    /**
     * A line chart of some log keys against the step; {@code log10} plots log10 of the (positive) values;
     * {@code empty} is what it says without data.
     */
    private record Chart(String title, String note, List<Series> series, boolean log10, String empty) {
        Chart(String title, String note, List<Series> series) {
            this(title, note, series, false, "no data yet");
        }

        Chart(String title, String note, List<Series> series, boolean log10) {
            this(title, note, series, log10, "no data yet");
        }
    }

    private static final List<Chart> CHARTS = List.of(
            new Chart("kNN top-1 during training", "knn.jsonl: bank of training images, test queries, k = 20",
                    List.of(new Series("knn_top1", "kNN top-1", "#ff7f0e")), false, "not monitored (pretrain --knn-every E)"),
            new Chart("Loss", "the objective trained (VICReg: sim x invariance + std x variance + cov x covariance)",
                    List.of(new Series("loss", "loss", "#222"))),
            new Chart("Invariance", "MSE between the two views' embeddings", List.of(new Series("invariance", "invariance", "#1f77b4"))),
            new Chart("Variance term", "hinge on per-dimension std; near 0.99 means collapse", List.of(new Series("variance", "variance", "#d62728"))),
            new Chart("Covariance term", "off-diagonal covariance squared, / D", List.of(new Series("covariance", "covariance", "#2ca02c"))),
            new Chart("Gradient per term", "||d(weighted term)/d(embeddings)||, log scale: which term drives them",
                    List.of(new Series("grad_invariance", "invariance", "#1f77b4"), new Series("grad_variance", "variance", "#d62728"),
                            new Series("grad_covariance", "covariance", "#2ca02c")), true),
            new Chart("Embedding std", "per-dimension std of the embeddings (target >= 1)",
                    List.of(new Series("mean_std", "mean", "#9467bd"), new Series("min_std", "min", "#8c564b"))),
            new Chart("Mean |correlation|", "off-diagonal, between embedding dimensions", List.of(new Series("mean_abs_corr", "mean |corr|", "#e377c2"))),
            new Chart("RankMe", "effective rank of the embeddings", List.of(new Series("rankme", "RankMe", "#17becf"))),
            new Chart("Learning rate", "warm-up then cosine", List.of(new Series("lr", "lr", "#7f7f7f"))),
            new Chart("Throughput", "images per second (each with two views)", List.of(new Series("images_per_s", "images/s", "#bcbd22"))));

    /** BYOL runs only: the target network's decay after each step. */
    private static final Chart TAU = new Chart("BYOL target decay", "tau: target = tau x target + (1 - tau) x online, up to 1 on a cosine",
            List.of(new Series("tau", "tau", "#17becf")));

    /**
     * From the rows of metrics.jsonl and of knn.jsonl (each chart takes the rows that carry its keys); the
     * spectra and the map come from the run directory's spectra.jsonl and map.json, when it has them.
     */
    public static void write(Path runDir, PretrainConfig config, List<Map<String, Object>> metrics, List<Map<String, Object>> knn,
                             Map<String, Object> probes) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>(metrics);
        rows.addAll(knn);
        List<Map<String, Object>> spectra = RunDir.readSpectra(runDir);
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>jvicreg run: ")
                .append(esc(runDir.getFileName() == null ? runDir.toString() : runDir.getFileName().toString()))
                .append("</title><style>body{font-family:sans-serif;margin:24px;color:#222}h1{font-size:20px}"
                        + ".grid{display:flex;flex-wrap:wrap;gap:16px}.card{border:1px solid #ddd;border-radius:6px;padding:8px}"
                        + "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}"
                        + ".note{color:#666;font-size:12px}</style></head><body>");
        h.append("<h1>VICReg pre-training run</h1>");
        h.append("<h2>Probe accuracy</h2>");
        if (probes.isEmpty()) {
            h.append("<p class=\"note\">No probes yet: run <code>vicreg linear-eval --run DIR</code> and <code>vicreg knn --run DIR</code>.</p>");
        } else {
            h.append("<table><tr><th>probe</th><th>top-1</th></tr>");
            probes.forEach((k, v) -> h.append("<tr><td>").append(esc(k)).append("</td><td>")
                    .append(v instanceof Number n ? String.format(Locale.ROOT, "%.2f%%", 100 * n.doubleValue()) : esc(String.valueOf(v)))
                    .append("</td></tr>"));
            h.append("</table>");
        }
        SvgPlot.Axis epochs = ReportPanels.epochAxis(config.epochs(), rows, spectra);
        h.append("<h2>Diagnostics over steps</h2><div class=\"grid\">");
        for (Chart c : CHARTS) h.append("<div class=\"card\">").append(svg(c, rows, epochs)).append("</div>");
        if (config.byol()) h.append("<div class=\"card\">").append(svg(TAU, rows, epochs)).append("</div>");
        h.append("</div>");
        h.append(ReportPanels.spectra(spectra, config.epochs()));
        h.append(ReportPanels.map(RunDir.map(runDir)));
        h.append("<h2>Configuration</h2><table>");
        // nested values (the recorded augmentation) as the JSON config.json holds, not Java's map syntax
        config.toMap().forEach((k, v) -> h.append("<tr><td>").append(esc(k)).append("</td><td>")
                .append(esc(v instanceof Map<?, ?> || v instanceof List<?> ? org.jvicreg.engine.io.Json.write(v) : String.valueOf(v)))
                .append("</td></tr>"));
        h.append("</table></body></html>\n");
        AtomicFile.write(RunDir.report(runDir), h.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Rewrites RUN_DIR/report.html from what the run directory holds. */
    public static void refresh(Path runDir) throws IOException {
        write(runDir, RunDir.readConfig(runDir), RunDir.readMetrics(runDir), RunDir.readKnn(runDir), RunDir.readProbes(runDir));
    }

    private static String svg(Chart c, List<Map<String, Object>> rows, SvgPlot.Axis epochs) {
        List<SvgPlot.Line> lines = new ArrayList<>();
        for (Series se : c.series()) {
            List<double[]> pts = new ArrayList<>();
            for (Map<String, Object> r : rows) {
                if (r.get("step") instanceof Number x && r.get(se.key()) instanceof Number y) pts.add(new double[] {x.doubleValue(), y.doubleValue()});
            }
            double[] xs = new double[pts.size()], ys = new double[pts.size()];
            for (int i = 0; i < pts.size(); i++) {
                xs[i] = pts.get(i)[0];
                ys[i] = pts.get(i)[1];
            }
            // a few points (the kNN monitor's epochs) are marked
            lines.add(new SvgPlot.Line(se.label(), se.color(), xs, ys, pts.size() <= 30));
        }
        String id = String.join("+", c.series().stream().map(Series::key).toList()); // the keys plotted
        return SvgPlot.lines(id, c.title(), c.note(), lines, epochs, c.log10(), c.empty(), 420, 220, false);
    }

    private static String esc(String s) {
        return SvgPlot.esc(s);
    }
}
