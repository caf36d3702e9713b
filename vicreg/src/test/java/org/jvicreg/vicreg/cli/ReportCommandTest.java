package org.jvicreg.vicreg.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.Json;
import org.jvicreg.engine.io.Npy;
import org.jvicreg.vicreg.train.RunDir;
import org.jvicreg.vicreg.viz.RepresentationMap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vicreg report} end to end, and the spectra and map that {@code pretrain} leaves in a run. */
class ReportCommandTest {
    @TempDir
    Path dir;

    private static Map<?, ?> lastJson(CliRun r) {
        String[] lines = r.out().strip().split("\n");
        return (Map<?, ?>) Json.parse(lines[lines.length - 1]);
    }

    @Test
    void pretrainStoresSpectraAndAPcaMapAndReportDrawsTsne() throws IOException {
        Path data = PretrainCommandTest.writeIdx(dir.resolve("data"), 128, 64), run = dir.resolve("run");
        CliRun pre = CliRun.of("pretrain", "--dataset", "mnist", "--data", data.toString(), "--out", run.toString(), "--width", "4",
                "--mlp", "32-32", "--batch", "32", "--epochs", "2", "--log-every", "2", "--workers", "1");
        assertEquals(0, pre.code(), pre.err());
        assertEquals(3, RunDir.readSpectra(run).size(), "before training and after each epoch");
        RepresentationMap pca = RepresentationMap.read(RunDir.map(run));
        assertEquals("pca", pca.method());
        assertEquals(64, pca.size(), "the whole test split: fewer than 2000 images");
        String html = Files.readString(RunDir.report(run));
        assertTrue(html.contains("data-plot=\"map\"") && html.contains("data-plot=\"spectrum_embedding\""), "pretrain's report has both");

        CliRun r = CliRun.of("report", "--run", run.toString(), "--map-points", "40", "--seed", "3");
        assertEquals(0, r.code(), r.err());
        Map<?, ?> out = lastJson(r);
        assertEquals("tsne", out.get("map"));
        assertEquals(40L, out.get("map_points"));
        assertEquals(3L, out.get("spectra"));
        assertEquals(RunDir.report(run).toString(), out.get("report"));
        RepresentationMap m = RepresentationMap.read(RunDir.map(run));
        assertEquals("tsne", m.method());
        assertEquals(40, m.size());
        for (int i = 0; i < m.size(); i++) assertEquals(m.indices()[i] % 4, m.labels()[i], "the label of test image " + m.indices()[i]);
        assertEquals(java.util.List.of("0", "1", "2", "3"), m.classNames(), "MNIST names its classes by digit (this data has 4)");
        Tensor npy = Npy.read(RunDir.mapCoordinates(run));
        assertArrayEquals(new int[] {40, 2}, npy.shape());
        assertArrayEquals(m.coords(), npy.toArray());
        // the same seed, the same map
        assertEquals(0, CliRun.of("report", "--run", run.toString(), "--map-points", "40", "--seed", "3").code());
        assertArrayEquals(m.coords(), RepresentationMap.read(RunDir.map(run)).coords());

        // a run from before spectra and maps: the report says so for those panels
        Files.delete(RunDir.spectra(run));
        Files.delete(RunDir.map(run));
        CliRun old = CliRun.of("report", "--run", run.toString(), "--map", "none");
        assertEquals(0, old.code(), old.err());
        assertEquals(0L, lastJson(old).get("spectra"));
        html = Files.readString(RunDir.report(run));
        assertTrue(html.contains("No spectra stored") && html.contains("No map stored"), "the empty panels say why");
        assertTrue(html.contains("data-plot=\"loss\""), "the other panels are drawn");
    }

    @Test
    void errorsAreOneLineBeforeAnythingIsWritten() throws IOException {
        CliRun help = CliRun.of("report", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--map-points") && help.out().contains("tsne | pca | none"), help.out());
        CliRun.of("report").assertFails("--run");
        CliRun.of("report", "--run", dir.resolve("nowhere").toString()).assertFails("not a run directory", "nowhere");
        Path corrupt = Files.createDirectories(dir.resolve("corrupt"));
        Files.writeString(RunDir.config(corrupt), "{\"dataset\": ");
        CliRun.of("report", "--run", corrupt.toString()).assertFails(RunDir.config(corrupt).toString());
        try (var files = Files.list(corrupt)) {
            assertEquals(1, files.count(), "nothing written beside the corrupt config");
        }
        for (String[] bad : new String[][] {{"--map-points", "0"}, {"--map-points", "20001"}, {"--map", "umap"},
            {"--map", "none", "--map-points", "10"}, {"--map", "pca", "--perplexity", "5"}, {"--perplexity", "-1"}, {"--mapp", "pca"}}) {
            String[] args = new String[bad.length + 3];
            args[0] = "report";
            args[1] = "--run";
            args[2] = corrupt.toString();
            System.arraycopy(bad, 0, args, 3, bad.length);
            CliRun r = CliRun.of(args);
            assertEquals(2, r.code(), "a usage error: " + String.join(" ", bad) + ": " + r);
        }
        // a run that has not finished an epoch has no backbone to map with
        Path young = Files.createDirectories(dir.resolve("young"));
        Files.writeString(RunDir.config(young), Files.readString(configOf()));
        CliRun.of("report", "--run", young.toString(), "--map", "pca").assertFails("has no backbone.safetensors yet", "--map none");
    }

    /** A valid config.json, from a run that the config alone describes. */
    private Path configOf() throws IOException {
        Path run = Files.createDirectories(dir.resolve("cfg"));
        org.jvicreg.vicreg.train.PretrainConfig c = new org.jvicreg.vicreg.train.PretrainConfig("mnist", dir.toString(), 0, "resnet18", 4,
                true, "32-32", 16, 1, 0.3, 0.2, 1e-6, "vicreg", 25, 25, 1, 0.0051, 0.2, 7, 2, 1);
        RunDir.writeConfig(run, c, null);
        return RunDir.config(run);
    }
}
