package org.jvicreg.vicreg.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvicreg.vicreg.train.ReportBrowserTest;
import org.jvicreg.vicreg.train.RunDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * ablation.html as a browser shows it: a two-cell ablation of a tiny run with the kNN monitor on, opened from
 * disk in headless Chromium with the network shut; every cell's three plots drawn with the cell's data
 * ({@link ReportBrowserTest#checkPage}). Skipped where no Chromium or Chrome is installed.
 */
class AblationPageBrowserTest {
    @TempDir
    Path dir;

    @Test
    void chromiumDrawsEveryCellsCurvesFromDisk() throws Exception {
        Path chromium = ReportBrowserTest.browser();
        assumeTrue(chromium != null, "no headless browser on PATH: install Debian's chromium (apt-get install chromium) to run this test");
        Path data = PretrainCommandTest.writeIdx(dir.resolve("data"), 64, 32);
        Path out = dir.resolve("abl");
        CliRun r = CliRun.of("ablate", "--out", out.toString(), "--dataset", "mnist", "--data", data.toString(), "--width", "4",
                "--mlp", "16-16", "--batch", "32", "--epochs", "2", "--log-every", "1", "--workers", "1", "--map", "none",
                "--knn-every", "1", "--knn-bank", "32", "--knn-queries", "32", "--grid", "std=0|25");
        assertEquals(0, r.code(), r.toString());
        Map<String, Integer> expected = new TreeMap<>();
        for (String cell : List.of("std=0", "std=25")) {
            Path run = out.resolve(cell);
            expected.put(cell + "-loss", count(RunDir.readMetrics(run), "loss"));
            expected.put(cell + "-std", count(RunDir.readMetrics(run), "mean_std"));
            expected.put(cell + "-knn", count(RunDir.readKnn(run), "knn_top1"));
        }
        ReportBrowserTest.checkPage(chromium, out.resolve("ablation.html"), dir, expected);
    }

    private static int count(List<Map<String, Object>> rows, String key) {
        return (int) rows.stream().filter(m -> m.get(key) instanceof Number).count();
    }
}
