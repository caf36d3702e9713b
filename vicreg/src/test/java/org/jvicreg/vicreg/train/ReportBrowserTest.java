package org.jvicreg.vicreg.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvicreg.engine.Device;
import org.jvicreg.engine.Rng;
import org.jvicreg.nn.StateDicts;
import org.jvicreg.vicreg.augment.AugmentConfig;
import org.jvicreg.vicreg.augment.Normalization;
import org.jvicreg.vicreg.model.ResNet;
import org.jvicreg.vicreg.probe.Features;
import org.jvicreg.vicreg.viz.RepresentationMap;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * report.html as a browser shows it: a tiny run (2 epochs of 64 images, kNN monitor, spectra, a t-SNE map)
 * writes its report, and headless Chromium opens it from disk with every network request refused
 * ({@code --dump-dom} for the rendered DOM, {@code --screenshot} for the pixels). Every plot must hold as
 * many marks as it has data points, and those must be the run's stored data; every plot area in the
 * screenshot must be drawn on; the HTML names no external resource. Skipped where no Chromium or Chrome is
 * installed (Debian: {@code apt-get install chromium}).
 */
public class ReportBrowserTest {
    @TempDir
    Path dir;

    static final String[] BROWSERS = {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"};
    static final int WIDTH = 1400;

    /** The first browser on PATH, or null. */
    public static Path browser() {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String name : BROWSERS) {
            for (String d : path.split(File.pathSeparator)) {
                Path p = Path.of(d.isEmpty() ? "." : d, name);
                if (Files.isExecutable(p)) return p;
            }
        }
        return null;
    }

    /** A run with every panel's data: metrics, kNN, spectra, probes and a t-SNE map of 64 test images. */
    private Path tinyRun() throws IOException {
        Path run = dir.resolve("run");
        PretrainConfig c = new PretrainConfig("mnist", "unused", 0, "resnet18", 4, true, "32-32", 16, 2, 0.3, 0.2, 1e-6,
                "vicreg", 25, 25, 1, 0.0051, 0.2, 7, 1, 1);
        AugmentConfig aug = AugmentConfig.fashionMnist().withOutputSize(16, 16)
                .withNormalization(Normalization.of(new float[] {0.2f}, new float[] {0.3f}));
        Normalization norm = aug.normalization();
        BlobDataset test = new BlobDataset(64, 9);
        new Pretrainer(c, new BlobDataset(64, 1), aug, run, Device.cpu(), new PrintStream(new ByteArrayOutputStream()))
                .monitorKnn(new KnnMonitor(1, new BlobDataset(64, 1), test, norm, 32))
                .monitorSpectra(new SpectrumMonitor(new BlobDataset(48, 5), norm, 16))
                .run(false);
        ResNet backbone = new ResNet(new ResNet.Config("resnet18", 1, 4, true, true), new Rng(0));
        StateDicts.load(backbone, RunDir.backbone(run), true);
        Features f = Features.extract(backbone, test, norm, Device.cpu(), 32, null, "map");
        int[] all = RepresentationMap.sample(f.n(), f.n(), 0);
        RepresentationMap.compute("tsne", f.values(), f.n(), f.dim(), f.labels(), all, List.of("a", "b", "c", "d"), 30, 0,
                Map.of("source", "blobs")).write(RunDir.map(run), RunDir.mapCoordinates(run));
        RunDir.recordProbe(run, "knn_top1", 0.5); // writes the report
        return run;
    }

    @Test
    void chromiumDrawsEveryPlotWithItsDataFromDiskWithoutNetwork() throws Exception {
        Path chromium = browser();
        assumeTrue(chromium != null, "no headless browser on PATH (tried " + String.join(", ", BROWSERS)
                + "): install Debian's chromium (apt-get install chromium) to run this test");
        Path run = tinyRun();
        checkPage(chromium, RunDir.report(run), dir, expectedPoints(run));
    }

    /**
     * Opens {@code page} from disk in headless Chromium with the network shut and checks what it shows: no
     * external resource in the HTML; the plots on the page are exactly {@code expected}'s (id -> data points),
     * each drawn with as many marks as data points; every plot area in a screenshot drawn on.
     */
    public static void checkPage(Path chromium, Path page, Path dir, Map<String, Integer> expected) throws Exception {
        String html = Files.readString(page);
        // nothing to fetch: no URL of any scheme but the page's own, no external stylesheet, script, image or font
        for (String bad : new String[] {"http:", "https:", "ftp:", "//", "src=", "href=", "url(", "@import", "<script", "<link", "<img"}) {
            assertFalse(html.toLowerCase().contains(bad), page.getFileName() + " contains '" + bad + "'");
        }

        // the rendered DOM, with each plot's place on the page recorded by a script added to a copy
        Path probe = dir.resolve("probe.html");
        Files.writeString(probe, html.replace("</body>", "<script>for (const s of document.querySelectorAll('svg[data-plot]')) {"
                + "const r = s.getBoundingClientRect(); s.setAttribute('data-rect', [r.x + scrollX, r.y + scrollY, r.width, r.height].join(','));}"
                + "document.body.setAttribute('data-height', document.documentElement.scrollHeight);</script></body>"));
        String dom = run(chromium, List.of("--dump-dom", probe.toUri().toString()), WIDTH, 1000);
        Matcher height = Pattern.compile("data-height=\"(\\d+)\"").matcher(dom);
        assertTrue(height.find(), "the added script ran in the browser: " + dom.substring(0, Math.min(300, dom.length())));

        List<Plot> plots = plots(dom);
        assertEquals(expected.keySet(), new java.util.TreeSet<>(plots.stream().map(Plot::id).toList()), "the plots on the page");
        for (Plot p : plots) {
            assertTrue(p.points() > 0, p.id() + " has data");
            assertEquals(p.points(), p.marks(), p.id() + ": marks drawn against data points");
            assertEquals(expected.get(p.id()), p.points(), p.id() + ": data points against the run's files");
        }

        // the pixels: every plot area drawn on
        Path png = dir.resolve("page.png");
        int pageHeight = Integer.parseInt(height.group(1));
        run(chromium, List.of("--screenshot=" + png, page.toUri().toString()), WIDTH, pageHeight);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(WIDTH, img.getWidth());
        for (Plot p : plots) {
            int x0 = (int) Math.round(p.rect()[0] + p.area()[0]) + 2, y0 = (int) Math.round(p.rect()[1] + p.area()[1]) + 2;
            int w = (int) p.area()[2] - 4, h = (int) p.area()[3] - 4;
            assertTrue(x0 >= 0 && y0 >= 0 && x0 + w <= img.getWidth() && y0 + h <= img.getHeight(), p.id() + " inside the screenshot");
            double sum = 0, sq = 0;
            int ink = 0;
            for (int y = y0; y < y0 + h; y++) {
                for (int x = x0; x < x0 + w; x++) {
                    int rgb = img.getRGB(x, y), r = (rgb >> 16) & 255, g = (rgb >> 8) & 255, b = rgb & 255;
                    double lum = 0.299 * r + 0.587 * g + 0.114 * b;
                    sum += lum;
                    sq += lum * lum;
                    if (lum < 190 || Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 60) ink++; // not paper nor grid
                }
            }
            double n = (double) w * h, variance = sq / n - (sum / n) * (sum / n);
            assertTrue(variance > 30, p.id() + ": pixel variance " + variance + " in its plot area");
            assertTrue(ink >= 40, p.id() + ": " + ink + " drawn pixels in its plot area");
        }
    }

    public record Plot(String id, String kind, int points, int marks, double[] area, double[] rect) {}

    public static List<Plot> plots(String dom) {
        List<Plot> out = new ArrayList<>();
        Matcher m = Pattern.compile("<svg ([^>]*)>(.*?)</svg>", Pattern.DOTALL).matcher(dom);
        while (m.find()) {
            String attrs = m.group(1), body = m.group(2);
            String kind = attr(attrs, "data-kind");
            int marks = 0;
            if (kind.equals("scatter")) {
                marks = count(body, "<circle");
            } else {
                Matcher pts = Pattern.compile("points=\"([^\"]*)\"").matcher(body);
                while (pts.find()) marks += pts.group(1).isBlank() ? 0 : pts.group(1).trim().split("\\s+").length;
            }
            out.add(new Plot(attr(attrs, "data-plot"), kind, Integer.parseInt(attr(attrs, "data-points")), marks,
                    numbers(attr(attrs, "data-area")), numbers(attr(attrs, "data-rect"))));
        }
        return out;
    }

    /** For each plot id, the data points the run's files hold for it. */
    static Map<String, Integer> expectedPoints(Path run) throws IOException {
        Map<String, Integer> out = new java.util.TreeMap<>();
        List<Map<String, Object>> rows = new ArrayList<>(RunDir.readMetrics(run));
        rows.addAll(RunDir.readKnn(run));
        for (String id : List.of("knn_top1", "loss", "invariance", "variance", "covariance", "grad_invariance+grad_variance+grad_covariance",
                "mean_std+min_std", "mean_abs_corr", "rankme", "lr", "images_per_s")) {
            int n = 0;
            for (String key : id.split("\\+")) {
                for (Map<String, Object> r : rows) if (r.get(key) instanceof Number v && Double.isFinite(v.doubleValue())) n++;
            }
            out.put(id, n);
        }
        List<Map<String, Object>> spectra = RunDir.readSpectra(run);
        assertEquals(3, spectra.size(), "before training and after each of 2 epochs");
        for (String key : List.of("embedding", "representation")) {
            int n = 0;
            for (Map<String, Object> r : spectra) {
                List<?> values = (List<?>) r.get(key);
                double top = ((Number) values.get(0)).doubleValue();
                for (Object v : values) if (((Number) v).doubleValue() > 0 && ((Number) v).doubleValue() >= ReportPanels.FLOOR * top) n++;
            }
            out.put("spectrum_" + key, n);
        }
        out.put("map", RepresentationMap.read(RunDir.map(run)).size());
        return out;
    }

    /** Runs the browser headless on a fresh profile with the network shut; returns its stdout. */
    public static String run(Path chromium, List<String> what, int width, int height) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("report-browser-test");
        try {
            List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=" + width + "," + height,
                    "--user-data-dir=" + profile, "--no-first-run", "--disable-extensions", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"));
            cmd.addAll(what);
            Path out = profile.resolve("stdout"), err = profile.resolve("stderr");
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("the browser did not finish within 60 s");
            }
            assertEquals(0, p.exitValue(), "browser exit code; stderr: " + Files.readString(err));
            return Files.readString(out);
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static String attr(String attrs, String name) {
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(attrs);
        if (!m.find()) throw new AssertionError("no " + name + " in <svg " + attrs + ">");
        return m.group(1);
    }

    private static double[] numbers(String csv) {
        String[] parts = csv.split(",");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = Double.parseDouble(parts[i]);
        return out;
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }
}
