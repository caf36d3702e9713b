package org.jvicreg.vicreg.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvicreg.vicreg.viz.SvgPlot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** report.html's epoch marks and the panels of a run that stored no spectra or map. */
class ReportTest {
    @TempDir
    Path dir;

    private static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void epochMarksComeFromTheMonitorsOrTheMetrics() {
        // exact from a kNN (or spectrum) row: 3 epochs of 78 steps
        SvgPlot.Axis a = ReportPanels.epochAxis(3, List.of(row("step", 20L, "epoch", 0L), row("step", 156L, "epochs", 2L)), List.of());
        assertArrayEquals(new double[] {0, 78, 156, 234}, a.ticks());
        assertArrayEquals(new String[] {"0", "1", "2", "3"}, a.labels());
        assertEquals(234, a.max());
        assertTrue(a.caption().contains("78 steps"), a.caption());
        // metrics alone (log every 10, 78 steps an epoch): the last step logged in epoch 0 is 70, in epoch 1 150
        SvgPlot.Axis m = ReportPanels.epochAxis(2, List.of(row("step", 70L, "epoch", 0L), row("step", 150L, "epoch", 1L),
                row("step", 156L, "epoch", 1L)), List.of());
        assertEquals(78, m.ticks()[1]);
        // many epochs: every epoch ticked, about ten labelled; very many: only the labelled ones ticked
        SvgPlot.Axis many = ReportPanels.epochAxis(40, List.of(), List.of(row("step", 5L, "epochs", 1L)));
        assertEquals(41, many.ticks().length);
        assertEquals("4", many.labels()[4]);
        assertNull(many.labels()[5]);
        SvgPlot.Axis lots = ReportPanels.epochAxis(100, List.of(), List.of(row("step", 5L, "epochs", 1L)));
        assertEquals(11, lots.ticks().length);
        assertEquals("10", lots.labels()[1]);
        assertNull(ReportPanels.epochAxis(3, List.of(), List.of()), "no rows, no axis");
    }

    @Test
    void aRunWithoutSpectraOrMapSaysSoAndACorruptMapIsNamed() throws IOException {
        PretrainConfig c = new PretrainConfig("mnist", "unused", 0, "resnet18", 4, true, "32-32", 16, 2, 0.3, 0.2, 1e-6,
                "vicreg", 25, 25, 1, 0.0051, 0.2, 7, 2, 1);
        Files.createDirectories(dir);
        RunDir.writeConfig(dir, c, null);
        List<Map<String, Object>> metrics = List.of(row("step", 2L, "epoch", 0L, "loss", 3.0), row("step", 8L, "epoch", 1L, "loss", 2.0));
        Report.write(dir, c, metrics, List.of(), Map.of());
        String html = Files.readString(RunDir.report(dir));
        assertTrue(html.contains("No spectra stored"), "spectra panel of an older run");
        assertTrue(html.contains("No map stored") && html.contains("vicreg report --run DIR"), "map panel of an older run");
        assertTrue(html.contains("not monitored (pretrain --knn-every E)"));
        assertTrue(html.contains("epoch (4 steps each)"), "the step charts mark the epochs");
        Files.writeString(RunDir.map(dir), "{\"method\":\"tsne\",\"x\":[1.0]");
        Report.refresh(dir);
        html = Files.readString(RunDir.report(dir));
        assertTrue(html.contains("The stored map could not be read: " + RunDir.map(dir)), "names the file");
    }

    @Test
    void theRecordedAugmentationShowsAsJson() throws IOException {
        PretrainConfig c = new PretrainConfig("mnist", "unused", 0, "resnet18", 4, true, "32-32", 16, 2, 0.3, 0.2, 1e-6,
                "vicreg", 25, 25, 1, 0.0051, 0.2, 7, 2, 1).withAugment(org.jvicreg.vicreg.augment.AugmentConfig.mnist());
        Files.createDirectories(dir);
        Report.write(dir, c, List.of(row("step", 2L, "epoch", 0L, "loss", 3.0)), List.of(), Map.of());
        String html = Files.readString(RunDir.report(dir));
        assertTrue(html.contains("{&quot;view1&quot;:{") || html.contains("{\"view1\":{"), "augment as JSON");
        assertTrue(!html.contains("view1={"), "not Java's map syntax");
    }
}
