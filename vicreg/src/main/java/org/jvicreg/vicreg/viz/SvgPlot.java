package org.jvicreg.vicreg.viz;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Inline SVG charts for report.html: line charts (linear or log y) and a scatter plot, no scripts, no
 * fonts or files from elsewhere. Each chart is an {@code <svg>} with {@code data-plot} (its id),
 * {@code data-kind} ("lines" or "scatter"), {@code data-points} (how many data points it draws: polyline
 * vertices or circles) and {@code data-area} (x,y,width,height of the plotting area), so that a test can
 * check what a browser rendered.
 */
public final class SvgPlot {
    private SvgPlot() {}

    /** One curve through (x[i], y[i]); {@code marks} also puts a dot on every point. */
    public record Line(String label, String color, double[] x, double[] y, boolean marks) {
        public Line {
            if (x.length != y.length) throw new IllegalArgumentException("a line needs as many x as y values");
        }
    }

    /** The x axis: its range, tick positions with their labels (null: five evenly spaced numbers) and caption. */
    public record Axis(double min, double max, double[] ticks, String[] labels, String caption) {}

    static final int LEFT = 56, RIGHT = 10, TOP = 34, BOTTOM = 32, LEGEND = 70, SIDE = 480;

    /**
     * A line chart {@code width} x {@code height}; {@code logY} plots log10 of the values (non-positive ones
     * left out) with ticks labelled in the values' own units; {@code x} null fits the axis to the data;
     * {@code empty} is what it says when no line has a point; the labels of several lines go in the plot's
     * top right corner, or with {@code legendRight} in a column right of it.
     */
    public static String lines(String id, String title, String note, List<Line> lines, Axis x, boolean logY, String empty,
                               int width, int height, boolean legendRight) {
        List<double[][]> pts = new ArrayList<>();
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY, yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        int count = 0;
        for (Line l : lines) {
            List<double[]> p = new ArrayList<>();
            for (int i = 0; i < l.x().length; i++) {
                double y = logY ? Math.log10(l.y()[i]) : l.y()[i];
                if (!Double.isFinite(y) || !Double.isFinite(l.x()[i])) continue;
                p.add(new double[] {l.x()[i], y});
                xMin = Math.min(xMin, l.x()[i]);
                xMax = Math.max(xMax, l.x()[i]);
                yMin = Math.min(yMin, y);
                yMax = Math.max(yMax, y);
            }
            count += p.size();
            pts.add(p.toArray(new double[0][]));
        }
        int right = legendRight ? LEGEND : RIGHT;
        double pw = width - LEFT - right, ph = height - TOP - BOTTOM;
        StringBuilder s = open(id, "lines", count, width, height, (int) pw, (int) ph, title, note);
        if (count == 0) {
            return s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#999\">%s</text></svg>", LEFT, height / 2, esc(empty)))
                    .toString();
        }
        if (x != null) {
            xMin = Math.min(xMin, x.min());
            xMax = Math.max(xMax, x.max());
        }
        if (xMax == xMin) xMax = xMin + 1;
        if (yMax == yMin) {
            yMax += Math.max(1e-9, Math.abs(yMax) * 0.05);
            yMin -= Math.max(1e-9, Math.abs(yMin) * 0.05);
        }
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#ccc\"/>", LEFT, TOP, pw, ph));
        yTicks(s, yMin, yMax, logY, pw, ph);
        xTicks(s, x, xMin, xMax, pw, ph, height);
        for (int k = 0; k < lines.size(); k++) {
            Line l = lines.get(k);
            StringBuilder poly = new StringBuilder(), dots = new StringBuilder();
            for (double[] p : pts.get(k)) {
                double px = LEFT + pw * (p[0] - xMin) / (xMax - xMin), py = TOP + ph - ph * (p[1] - yMin) / (yMax - yMin);
                poly.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
                if (l.marks()) dots.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>", px, py, l.color()));
            }
            s.append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"").append(l.color()).append("\" points=\"")
                    .append(poly.toString().strip()).append("\"/>").append(dots);
            if (lines.size() > 1 && l.label() != null) {
                s.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"%d\" fill=\"%s\" text-anchor=\"%s\">%s</text>",
                        legendRight ? LEFT + pw + 8 : LEFT + pw - 4, TOP + 14 + 12 * k, l.color(), legendRight ? "start" : "end", esc(l.label())));
            }
        }
        return s.append("</svg>").toString();
    }

    /**
     * A scatter plot of n points (xy: n x 2) with equal scales on both axes, coloured by label, with a legend
     * of the class names (up to 20; beyond, their number).
     */
    public static String scatter(String id, String title, String note, float[] xy, int[] labels, List<String> names) {
        int n = labels.length, side = SIDE, width = LEFT + side + 170, height = TOP + side + 12;
        StringBuilder s = open(id, "scatter", n, width, height, side, side, title, note);
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#ccc\"/>", LEFT, TOP, side, side));
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY, yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            xMin = Math.min(xMin, xy[2 * i]);
            xMax = Math.max(xMax, xy[2 * i]);
            yMin = Math.min(yMin, xy[2 * i + 1]);
            yMax = Math.max(yMax, xy[2 * i + 1]);
        }
        double span = Math.max(Math.max(xMax - xMin, yMax - yMin), 1e-12), scale = (side - 12) / span;
        double cx = (xMin + xMax) / 2, cy = (yMin + yMax) / 2;
        for (int i = 0; i < n; i++) {
            double px = LEFT + side / 2.0 + (xy[2 * i] - cx) * scale, py = TOP + side / 2.0 - (xy[2 * i + 1] - cy) * scale;
            s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\" fill-opacity=\"0.75\"/>", px, py,
                    classColor(labels[i], names.size())));
        }
        int lx = LEFT + side + 12;
        if (names.size() <= 20) {
            for (int c = 0; c < names.size(); c++) {
                int y = TOP + 8 + 16 * c;
                s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>", lx, y, classColor(c, names.size())));
                s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>", lx + 14, y + 9, esc(names.get(c))));
            }
        } else {
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%d classes</text>", lx, TOP + 16, names.size()));
        }
        return s.append("</svg>").toString();
    }

    private static StringBuilder open(String id, String kind, int points, int width, int height, int areaW, int areaH, String title,
                                      String note) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" font-size=\"11\" data-plot=\"%s\" data-kind=\"%s\" "
                + "data-points=\"%d\" data-area=\"%d,%d,%d,%d\">", width, height, esc(id), kind, points, LEFT, TOP, areaW, areaH));
        s.append("<text x=\"4\" y=\"14\" font-weight=\"bold\" font-size=\"13\">").append(esc(title)).append("</text>");
        s.append("<text x=\"4\" y=\"27\" fill=\"#666\">").append(esc(note)).append("</text>");
        return s;
    }

    private static void yTicks(StringBuilder s, double yMin, double yMax, boolean logY, double pw, double ph) {
        List<Double> at = new ArrayList<>();
        int first = (int) Math.ceil(yMin), last = (int) Math.floor(yMax);
        if (logY && last - first >= 2) { // whole decades, at most 6 labelled
            int stride = Math.max(1, (int) Math.ceil((last - first + 1) / 6.0));
            for (int e = first; e <= last; e += stride) at.add((double) e);
        } else {
            for (int i = 0; i <= 4; i++) at.add(yMin + (yMax - yMin) * i / 4);
        }
        for (double v : at) {
            double y = TOP + ph - ph * (v - yMin) / (yMax - yMin);
            String label = logY ? (last - first >= 2 ? "1e" + Math.round(v) : String.format(Locale.ROOT, "%.3g", Math.pow(10, v)))
                    : tick(v, (yMax - yMin) / 4);
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#666\">%s</text>", LEFT - 4, y + 4, label));
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>", LEFT, LEFT + pw, y, y));
        }
    }

    private static void xTicks(StringBuilder s, Axis axis, double xMin, double xMax, double pw, double ph, int height) {
        double[] at;
        String[] labels;
        if (axis != null && axis.ticks() != null) {
            at = axis.ticks();
            labels = axis.labels();
        } else {
            at = new double[5];
            labels = new String[5];
            for (int i = 0; i < 5; i++) {
                at[i] = xMin + (xMax - xMin) * i / 4;
                labels[i] = tick(at[i], (xMax - xMin) / 4);
            }
        }
        for (int i = 0; i < at.length; i++) {
            if (at[i] < xMin || at[i] > xMax) continue;
            double x = LEFT + pw * (at[i] - xMin) / (xMax - xMin);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.0f\" stroke=\"#999\"/>", x, x, TOP + (int) ph, TOP + ph + 4));
            if (labels[i] != null) {
                s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" fill=\"#666\">%s</text>", x, TOP + ph + 15,
                        esc(labels[i])));
            }
        }
        if (axis != null && axis.caption() != null) {
            s.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"%d\" text-anchor=\"end\" fill=\"#666\">%s</text>", LEFT + pw, height - 2,
                    esc(axis.caption())));
        }
    }

    /** An axis label with just enough decimals to tell ticks {@code spacing} apart. */
    static String tick(double v, double spacing) {
        double a = Math.abs(v);
        if (a >= 1e5 || (a != 0 && a < 1e-3 && spacing < 1e-3)) return String.format(Locale.ROOT, "%.3e", v);
        int decimals = (int) Math.max(0, Math.min(8, Math.ceil(-Math.log10(spacing)) + 1));
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** The colour of a point {@code t} of the way through training (0 to 1): dark blue, purple, red, orange. */
    public static String progressColor(double t) {
        int[][] stops = {{0x0d, 0x08, 0x87}, {0x7e, 0x03, 0xa8}, {0xcc, 0x47, 0x78}, {0xf8, 0x95, 0x40}};
        double u = Math.max(0, Math.min(1, t)) * (stops.length - 1);
        int i = Math.min(stops.length - 2, (int) u);
        double f = u - i;
        int[] c = new int[3];
        for (int k = 0; k < 3; k++) c[k] = (int) Math.round(stops[i][k] + f * (stops[i + 1][k] - stops[i][k]));
        return String.format(Locale.ROOT, "#%02x%02x%02x", c[0], c[1], c[2]);
    }

    private static final String[] TAB10 = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
        "#bcbd22", "#17becf"};

    /** Class c's colour: matplotlib's tab10 for up to 10 classes, else hues spread by the golden angle. */
    static String classColor(int c, int classes) {
        if (classes <= TAB10.length) return TAB10[Math.floorMod(c, TAB10.length)];
        double h = (c * 137.508) % 360, sat = 0.65, light = c % 2 == 0 ? 0.45 : 0.6;
        double chroma = (1 - Math.abs(2 * light - 1)) * sat, hp = h / 60, xx = chroma * (1 - Math.abs(hp % 2 - 1)), m = light - chroma / 2;
        double[] rgb = hp < 1 ? new double[] {chroma, xx, 0} : hp < 2 ? new double[] {xx, chroma, 0} : hp < 3 ? new double[] {0, chroma, xx}
                : hp < 4 ? new double[] {0, xx, chroma} : hp < 5 ? new double[] {xx, 0, chroma} : new double[] {chroma, 0, xx};
        return String.format(Locale.ROOT, "#%02x%02x%02x", Math.round(255 * (rgb[0] + m)), Math.round(255 * (rgb[1] + m)), Math.round(255 * (rgb[2] + m)));
    }

    /** Text for HTML and SVG: &amp;, &lt;, &gt; and double quotes escaped. */
    public static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
