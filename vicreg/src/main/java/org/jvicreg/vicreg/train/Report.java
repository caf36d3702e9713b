package org.jvicreg.vicreg.train;

import org.jvicreg.engine.io.AtomicFile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * RUN_DIR/report.html: the run's configuration, probe accuracies and one inline SVG chart per
 * diagnostic over steps (loss terms, per-dimension std, correlation, RankMe, learning rate,
 * throughput, and the kNN accuracy when the run was monitored). No scripts, no network: it opens from
 * disk in any browser.
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
            new Chart("Loss", "sim x invariance + std x variance + cov x covariance", List.of(new Series("loss", "loss", "#222"))),
            new Chart("Invariance", "MSE between the two views' embeddings", List.of(new Series("invariance", "invariance", "#1f77b4"))),
            new Chart("Variance term", "hinge on per-dimension std; near 0.99 means collapse", List.of(new Series("variance", "variance", "#d62728"))),
            new Chart("Covariance term", "off-diagonal covariance squared, / D", List.of(new Series("covariance", "covariance", "#2ca02c"))),
            new Chart("Gradient per term", "log10 ||d(weighted term)/d(embeddings)||: which term drives them",
                    List.of(new Series("grad_invariance", "invariance", "#1f77b4"), new Series("grad_variance", "variance", "#d62728"),
                            new Series("grad_covariance", "covariance", "#2ca02c")), true),
            new Chart("Embedding std", "per-dimension std of the embeddings (target >= 1)",
                    List.of(new Series("mean_std", "mean", "#9467bd"), new Series("min_std", "min", "#8c564b"))),
            new Chart("Mean |correlation|", "off-diagonal, between embedding dimensions", List.of(new Series("mean_abs_corr", "mean |corr|", "#e377c2"))),
            new Chart("RankMe", "effective rank of the embeddings", List.of(new Series("rankme", "RankMe", "#17becf"))),
            new Chart("Learning rate", "warm-up then cosine", List.of(new Series("lr", "lr", "#7f7f7f"))),
            new Chart("Throughput", "images per second (each with two views)", List.of(new Series("images_per_s", "images/s", "#bcbd22"))));

    /** From the rows of metrics.jsonl and of knn.jsonl (each chart takes the rows that carry its keys). */
    public static void write(Path runDir, PretrainConfig config, List<Map<String, Object>> metrics, List<Map<String, Object>> knn,
                             Map<String, Object> probes) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>(metrics);
        rows.addAll(knn);
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
        h.append("<h2>Diagnostics over steps</h2><div class=\"grid\">");
        for (Chart c : CHARTS) h.append("<div class=\"card\">").append(svg(c, rows)).append("</div>");
        h.append("</div><h2>Configuration</h2><table>");
        config.toMap().forEach((k, v) -> h.append("<tr><td>").append(esc(k)).append("</td><td>").append(esc(String.valueOf(v))).append("</td></tr>"));
        h.append("</table></body></html>\n");
        AtomicFile.write(RunDir.report(runDir), h.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String svg(Chart c, List<Map<String, Object>> rows) {
        int w = 420, ht = 220, left = 56, right = 10, top = 34, bottom = 30;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-size=\"11\">", w, ht));
        s.append("<text x=\"4\" y=\"14\" font-weight=\"bold\" font-size=\"13\">").append(esc(c.title())).append("</text>");
        s.append("<text x=\"4\" y=\"27\" fill=\"#666\">").append(esc(c.note())).append("</text>");
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY, yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        List<double[][]> lines = new ArrayList<>();
        for (Series se : c.series()) {
            List<double[]> pts = new ArrayList<>();
            for (Map<String, Object> r : rows) {
                if (r.get("step") instanceof Number x && r.get(se.key()) instanceof Number n) {
                    double y = c.log10() ? Math.log10(n.doubleValue()) : n.doubleValue();
                    if (!Double.isFinite(y)) continue;
                    pts.add(new double[] {x.doubleValue(), y});
                    xMin = Math.min(xMin, x.doubleValue());
                    xMax = Math.max(xMax, x.doubleValue());
                    yMin = Math.min(yMin, y);
                    yMax = Math.max(yMax, y);
                }
            }
            lines.add(pts.toArray(new double[0][]));
        }
        if (!Double.isFinite(xMin)) {
            s.append("<text x=\"").append(left).append("\" y=\"").append(ht / 2).append("\" fill=\"#999\">").append(esc(c.empty()))
                    .append("</text></svg>");
            return s.toString();
        }
        if (yMax == yMin) {
            yMax += Math.max(1e-9, Math.abs(yMax) * 0.05);
            yMin -= Math.max(1e-9, Math.abs(yMin) * 0.05);
        }
        if (xMax == xMin) xMax = xMin + 1;
        double pw = w - left - right, ph = ht - top - bottom;
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#ccc\"/>", left, top, pw, ph));
        for (int i = 0; i <= 4; i++) {
            double v = yMin + (yMax - yMin) * i / 4, y = top + ph - ph * i / 4;
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#666\">%s</text>", left - 4, y + 4,
                    tick(v, (yMax - yMin) / 4)));
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>", left, left + pw, y, y));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#666\">step %d</text>", left, ht - 8, (long) xMin));
        s.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"%d\" text-anchor=\"end\" fill=\"#666\">%d</text>", left + pw, ht - 8, (long) xMax));
        for (int k = 0; k < lines.size(); k++) {
            Series se = c.series().get(k);
            StringBuilder p = new StringBuilder(), dots = new StringBuilder();
            boolean sparse = lines.get(k).length <= 30; // a few points (the kNN monitor's epochs) are marked
            for (double[] pt : lines.get(k)) {
                double x = left + pw * (pt[0] - xMin) / (xMax - xMin), y = top + ph - ph * (pt[1] - yMin) / (yMax - yMin);
                p.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                if (sparse) dots.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>", x, y, se.color()));
            }
            s.append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"").append(se.color()).append("\" points=\"").append(p).append("\"/>");
            s.append(dots);
            if (c.series().size() > 1) {
                s.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"%d\" fill=\"%s\" text-anchor=\"end\">%s</text>",
                        left + pw - 4, top + 14 + 12 * k, se.color(), esc(se.label())));
            }
        }
        return s.append("</svg>").toString();
    }

    /** An axis label with just enough decimals to tell ticks {@code spacing} apart. */
    private static String tick(double v, double spacing) {
        double a = Math.abs(v);
        if (a >= 1e5 || (a != 0 && a < 1e-3 && spacing < 1e-3)) return String.format(Locale.ROOT, "%.3e", v);
        int decimals = (int) Math.max(0, Math.min(8, Math.ceil(-Math.log10(spacing)) + 1));
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
