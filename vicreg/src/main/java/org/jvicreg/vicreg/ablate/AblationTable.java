package org.jvicreg.vicreg.ablate;

import org.jvicreg.engine.io.AtomicFile;
import org.jvicreg.engine.io.Json;
import org.jvicreg.vicreg.train.RunDir;
import org.jvicreg.vicreg.viz.SvgPlot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An ablation's results: one row per cell (the grid's options, then linear_top1, knn_top1, mean_std, rankme,
 * final_loss, seconds), written as ablation.md, ablation.json and ablation.html (the table, then every
 * cell's loss, embedding-std and kNN curves side by side; self-contained, opens from disk).
 */
public final class AblationTable {
    /** The measured columns, after the grid's options. */
    public static final List<String> MEASURES = List.of("linear_top1", "knn_top1", "mean_std", "rankme", "final_loss", "seconds");

    private AblationTable() {}

    public static Map<String, Object> json(String grid, String mode, List<Map<String, Object>> rows) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("grid", grid);
        m.put("mode", mode);
        m.put("rows", rows);
        return m;
    }

    public static String markdown(List<String> options, List<Map<String, Object>> rows) {
        StringBuilder b = new StringBuilder("|");
        for (String o : options) b.append(' ').append(o).append(" |");
        b.append(" linear top-1 | kNN top-1 | mean std | RankMe | final loss | seconds |\n|");
        b.append("---|".repeat(options.size())).append("---:|".repeat(MEASURES.size())).append('\n');
        for (Map<String, Object> r : rows) {
            b.append('|');
            for (String o : options) b.append(' ').append(r.get(o)).append(" |");
            b.append(String.format(Locale.ROOT, " %s | %s | %s | %s | %s | %s |%n", percent(r.get("linear_top1")), percent(r.get("knn_top1")),
                    number(r.get("mean_std"), "%.3f"), number(r.get("rankme"), "%.1f"), number(r.get("final_loss"), "%.3f"),
                    number(r.get("seconds"), "%.0f")));
        }
        return b.toString();
    }

    /** Writes ablation.md, ablation.json and ablation.html into {@code out}; {@code cellDirs} parallel to {@code rows}. */
    public static void write(Path out, String grid, String mode, List<String> options, List<Map<String, Object>> rows,
                             List<Path> cellDirs) throws IOException {
        AtomicFile.write(out.resolve("ablation.md"), markdown(options, rows).getBytes(StandardCharsets.UTF_8));
        AtomicFile.write(out.resolve("ablation.json"), (Json.write(json(grid, mode, rows)) + "\n").getBytes(StandardCharsets.UTF_8));
        AtomicFile.write(out.resolve("ablation.html"), html(grid, mode, options, rows, cellDirs).getBytes(StandardCharsets.UTF_8));
    }

    static String html(String grid, String mode, List<String> options, List<Map<String, Object>> rows, List<Path> cellDirs)
            throws IOException {
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>ablation</title><style>")
                .append("body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}")
                .append(".cells{display:flex;flex-wrap:wrap;gap:16px}.cell{border:1px solid #ddd;padding:8px}")
                .append("</style></head><body>");
        h.append("<h1>Ablation</h1><p>").append(SvgPlot.esc(mode)).append(": <code>").append(SvgPlot.esc(grid)).append("</code></p>");
        h.append("<table><tr>");
        for (String o : options) h.append("<th>").append(SvgPlot.esc(o)).append("</th>");
        h.append("<th>linear top-1</th><th>kNN top-1</th><th>mean std</th><th>RankMe</th><th>final loss</th><th>seconds</th></tr>");
        for (Map<String, Object> r : rows) {
            h.append("<tr>");
            for (String o : options) h.append("<td>").append(SvgPlot.esc(String.valueOf(r.get(o)))).append("</td>");
            h.append("<td>").append(percent(r.get("linear_top1"))).append("</td><td>").append(percent(r.get("knn_top1")))
                    .append("</td><td>").append(number(r.get("mean_std"), "%.3f")).append("</td><td>").append(number(r.get("rankme"), "%.1f"))
                    .append("</td><td>").append(number(r.get("final_loss"), "%.3f")).append("</td><td>")
                    .append(number(r.get("seconds"), "%.0f")).append("</td></tr>");
        }
        h.append("</table><h2>Every cell over training</h2><div class=\"cells\">");
        for (int i = 0; i < rows.size(); i++) {
            Path dir = cellDirs.get(i);
            String name = dir.getFileName().toString();
            List<Map<String, Object>> metrics = RunDir.readRows(RunDir.metrics(dir)), knn = RunDir.readRows(RunDir.knn(dir));
            h.append("<div class=\"cell\"><h3>").append(SvgPlot.esc(name)).append("</h3>");
            h.append(SvgPlot.lines(name + "-loss", "loss", "", List.of(line("loss", "#1f77b4", metrics, "step", "loss")), null, false,
                    "no steps logged", 320, 200, false));
            h.append(SvgPlot.lines(name + "-std", "mean std of the embeddings", "",
                    List.of(line("mean std", "#2ca02c", metrics, "step", "mean_std")), null, false, "no steps logged", 320, 200, false));
            h.append(SvgPlot.lines(name + "-knn", "kNN top-1 during training", "", List.of(line("kNN", "#d62728", knn, "step", "knn_top1")),
                    null, false, "not monitored (--knn-every)", 320, 200, false));
            h.append("</div>");
        }
        return h.append("</div></body></html>\n").toString();
    }

    private static SvgPlot.Line line(String label, String color, List<Map<String, Object>> rows, String x, String y) {
        List<double[]> pts = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            if (r.get(x) instanceof Number a && r.get(y) instanceof Number b) pts.add(new double[] {a.doubleValue(), b.doubleValue()});
        }
        double[] xs = new double[pts.size()], ys = new double[pts.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = pts.get(i)[0];
            ys[i] = pts.get(i)[1];
        }
        return new SvgPlot.Line(label, color, xs, ys, false);
    }

    private static String percent(Object v) {
        return v instanceof Number n ? String.format(Locale.ROOT, "%.2f%%", 100 * n.doubleValue()) : "-";
    }

    private static String number(Object v, String format) {
        return v instanceof Number n ? String.format(Locale.ROOT, format, n.doubleValue()) : "-";
    }
}
