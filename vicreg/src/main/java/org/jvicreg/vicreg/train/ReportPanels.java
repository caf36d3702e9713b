package org.jvicreg.vicreg.train;

import org.jvicreg.vicreg.viz.RepresentationMap;
import org.jvicreg.vicreg.viz.SvgPlot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report's pictures of the representation itself: the covariance spectra stored as the run trained
 * (spectra.jsonl), the 2-D map of test images (map.json), and the epoch marks of the charts over steps.
 */
final class ReportPanels {
    /** Curves drawn per spectrum chart at most (the first and last snapshot always among them). */
    static final int MAX_SNAPSHOTS = 8;
    /** Eigenvalues below this fraction of a snapshot's largest are left out: rounding noise of the double computation. */
    static final double FLOOR = 1e-12;

    private ReportPanels() {}

    /**
     * The step axis from 0 to the end of the configured training, with a tick at every epoch (labelled every
     * few when there are many). Steps per epoch come exactly from a kNN or spectrum row (which carry the
     * completed epochs), else from metrics rows as the least count consistent with their epoch numbers. Null
     * when nothing says.
     */
    static SvgPlot.Axis epochAxis(int epochs, List<Map<String, Object>> rows, List<Map<String, Object>> spectra) {
        long per = 0;
        for (List<Map<String, Object>> list : List.of(rows, spectra)) {
            for (Map<String, Object> r : list) {
                if (per == 0 && r.get("epochs") instanceof Number e && e.longValue() > 0 && r.get("step") instanceof Number s) {
                    per = s.longValue() / e.longValue();
                }
            }
        }
        if (per == 0) {
            for (Map<String, Object> r : rows) { // a row logged in epoch e (0-based) at step s: e * per < s <= (e + 1) * per
                if (r.get("epoch") instanceof Number e && e.longValue() >= 0 && r.get("step") instanceof Number s) {
                    per = Math.max(per, (s.longValue() + e.longValue()) / (e.longValue() + 1));
                }
            }
        }
        if (per <= 0) return null;
        int stride = Math.max(1, (int) Math.ceil(epochs / 10.0));
        List<Double> at = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int e = 0; e <= epochs; e++) {
            boolean labelled = e % stride == 0;
            if (!labelled && epochs > 60) continue;
            at.add((double) e * per);
            labels.add(labelled ? Integer.toString(e) : null);
        }
        double[] ticks = at.stream().mapToDouble(Double::doubleValue).toArray();
        return new SvgPlot.Axis(0, (double) epochs * per, ticks, labels.toArray(new String[0]),
                String.format(Locale.ROOT, "epoch (%d steps each)", per));
    }

    /** The section of the two spectrum charts, or a note saying why there are none. */
    static String spectra(List<Map<String, Object>> rows, int epochs) {
        StringBuilder h = new StringBuilder("<h2>Covariance spectra</h2>");
        List<Map<String, Object>> shown = pick(rows);
        if (shown.isEmpty()) {
            return h.append("<p class=\"note\">No spectra stored: this run predates them (pretrain stores spectra.jsonl, the "
                    + "eigenvalues of the embeddings' and the representation's covariance, before training and after every epoch).</p>")
                    .toString();
        }
        long last = epochs;
        for (Map<String, Object> r : rows) if (r.get("epochs") instanceof Number e) last = Math.max(last, e.longValue());
        Object images = shown.get(shown.size() - 1).get("images");
        String note = String.format(Locale.ROOT, "covariance eigenvalues of %s images, log scale, down to 1e-12 of the largest; "
                + "%d of %d snapshots", images, shown.size(), rows.size());
        h.append("<p class=\"note\">A flat spectrum spreads information over every dimension; eigenvalues falling by decades mean "
                + "dimensions in collapse. Colour: training progress.</p><div class=\"grid\">");
        String[][] charts = {{"embedding", "Embedding spectrum (expander output)"}, {"representation", "Representation spectrum (backbone)"}};
        for (String[] c : charts) {
            List<SvgPlot.Line> lines = new ArrayList<>();
            int dims = 0;
            for (Map<String, Object> r : shown) {
                double[] y = values(r.get(c[0]));
                double top = y.length == 0 ? 0 : y[0];
                for (int i = 0; i < y.length; i++) if (!(y[i] >= FLOOR * top)) y[i] = Double.NaN; // zeros and rounding noise
                double[] x = new double[y.length];
                for (int i = 0; i < y.length; i++) x[i] = i + 1;
                dims = Math.max(dims, y.length);
                long e = r.get("epochs") instanceof Number n ? n.longValue() : 0;
                lines.add(new SvgPlot.Line("epoch " + e, SvgPlot.progressColor(last == 0 ? 1 : (double) e / last), x, y, false));
            }
            SvgPlot.Axis rank = new SvgPlot.Axis(1, Math.max(2, dims), null, null, "eigenvalue rank (of " + dims + ")");
            h.append("<div class=\"card\">").append(SvgPlot.lines("spectrum_" + c[0], c[1], note, lines, rank, true,
                    "no positive eigenvalues stored", 500, 280, true)).append("</div>");
        }
        return h.append("</div>").toString();
    }

    /** At most {@link #MAX_SNAPSHOTS} rows spread evenly from the first to the last. */
    static List<Map<String, Object>> pick(List<Map<String, Object>> rows) {
        if (rows.size() <= MAX_SNAPSHOTS) return rows;
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < MAX_SNAPSHOTS; i++) out.add(rows.get((int) Math.round(i * (rows.size() - 1) / (double) (MAX_SNAPSHOTS - 1))));
        return out;
    }

    private static double[] values(Object list) {
        if (!(list instanceof List<?> l)) return new double[0];
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = l.get(i) instanceof Number n ? n.doubleValue() : Double.NaN;
        return out;
    }

    /** The section of the map, or a note saying how to draw one (or why the stored one could not be read). */
    static String map(Path file) {
        StringBuilder h = new StringBuilder("<h2>Map of the test set</h2>");
        RepresentationMap m;
        try {
            m = RepresentationMap.read(file);
        } catch (IOException e) {
            return h.append("<p class=\"note\">The stored map could not be read: ").append(SvgPlot.esc(e.getMessage()))
                    .append(". <code>vicreg report --run DIR</code> draws it again.</p>").toString();
        }
        if (m == null) {
            return h.append("<p class=\"note\">No map stored: <code>vicreg report --run DIR</code> draws one (t-SNE; "
                    + "<code>--map pca</code> for the quick linear one).</p>").toString();
        }
        String title = (m.method().equals("tsne") ? "t-SNE" : "PCA") + " of " + m.size() + " test images' representations";
        StringBuilder note = new StringBuilder();
        if (m.info().get("source") != null) note.append(m.info().get("source")).append("; ");
        if (m.method().equals("tsne")) {
            note.append(String.format(Locale.ROOT, "perplexity %s, KL divergence %s", fmt(m.info().get("perplexity")), fmt(m.info().get("kl_divergence"))));
        } else {
            note.append(String.format(Locale.ROOT, "the first two principal components hold %s of the variance", percent(m.info().get("explained_variance"))));
        }
        h.append("<div class=\"card\" style=\"display:inline-block\">")
                .append(SvgPlot.scatter("map", title, note.toString(), m.coords(), m.labels(), m.classNames())).append("</div>");
        return h.toString();
    }

    private static String fmt(Object v) {
        return v instanceof Number n ? String.format(Locale.ROOT, "%.3g", n.doubleValue()) : "?";
    }

    private static String percent(Object v) {
        return v instanceof Number n ? String.format(Locale.ROOT, "%.1f%%", 100 * n.doubleValue()) : "?";
    }
}
