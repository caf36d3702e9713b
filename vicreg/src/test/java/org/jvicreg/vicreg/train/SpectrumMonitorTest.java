package org.jvicreg.vicreg.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvicreg.engine.Device;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.io.SafeTensors;
import org.jvicreg.vicreg.augment.AugmentConfig;
import org.jvicreg.vicreg.augment.Normalization;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The covariance spectra the trainer stores: their values, that taking them changes nothing, and resume. */
class SpectrumMonitorTest {
    @TempDir
    Path dir;

    static final AugmentConfig AUG = AugmentConfig.fashionMnist().withOutputSize(16, 16)
            .withNormalization(Normalization.of(new float[] {0.2f}, new float[] {0.3f}));

    /** The eigenvalues of the covariance written out, n x d, by the textbook formula. */
    private static double[] direct(float[] x, int n, int d) {
        double[] mean = new double[d], c = new double[d * d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) mean[j] += x[i * d + j] / (double) n;
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < d; a++) for (int b = 0; b < d; b++) c[a * d + b] += (x[i * d + a] - mean[a]) * (x[i * d + b] - mean[b]) / (n - 1);
        }
        return SymmetricEigenvalues.of(c, d);
    }

    @Test
    void eigenvaluesAreTheCovariancesLargestFirstFromEitherSide() {
        Rng rng = new Rng(3);
        for (int[] nd : new int[][] {{40, 12}, {12, 40}}) { // the d x d covariance, then the n x n Gram matrix
            int n = nd[0], d = nd[1];
            float[] x = new float[n * d];
            for (int i = 0; i < x.length; i++) x[i] = (float) (rng.nextGaussian() * (1 + i % d));
            double[] got = SpectrumMonitor.eigenvalues(x, n, d), want = direct(x, n, d);
            assertEquals(Math.min(n, d), got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(Math.max(0, want[d - 1 - i]), got[i], 1e-9 * want[d - 1], "eigenvalue " + i + " of " + n + " x " + d);
                if (i > 0) assertTrue(got[i] <= got[i - 1], "descending");
            }
        }
    }

    private static PretrainConfig config(int epochs) {
        return new PretrainConfig("mnist", "unused", 0, "resnet18", 4, true, "32-32", 16, epochs, 0.3, 0.2, 1e-6,
                "vicreg", 25, 25, 1, 0.0051, 0.2, 7, 2, 1);
    }

    private static Pretrainer trainer(PretrainConfig c, Path run, boolean spectra) {
        Pretrainer t = new Pretrainer(c, new BlobDataset(64, 1), AUG, run, Device.cpu(), new PrintStream(new ByteArrayOutputStream()));
        return spectra ? t.monitorSpectra(new SpectrumMonitor(new BlobDataset(40, 4), AUG.normalization(), 16)) : t;
    }

    /**
     * One snapshot before training and one per epoch, at the epochs' last steps; bitwise the checkpoint of a
     * run without them; a run interrupted after epoch 1 (with a stray line of the epoch it did not finish)
     * and resumed stores what the uninterrupted one does.
     */
    @Test
    void snapshotsEveryEpochChangeNothingAndResume() throws IOException {
        PretrainConfig c = config(3);
        Path plain = dir.resolve("plain"), watched = dir.resolve("watched"), resumed = dir.resolve("resumed");
        trainer(c, plain, false).run(false);
        trainer(c, watched, true).run(false);
        Map<String, org.jvicreg.engine.Tensor> a = SafeTensors.read(Checkpoint.file(plain)), b = SafeTensors.read(Checkpoint.file(watched));
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k).toArray(), b.get(k).toArray(), k);
        assertTrue(Files.notExists(RunDir.spectra(plain)));

        List<Map<String, Object>> rows = RunDir.readSpectra(watched);
        assertEquals(4, rows.size());
        for (int e = 0; e < 4; e++) {
            Map<String, Object> r = rows.get(e);
            assertEquals((long) e, r.get("epochs"));
            assertEquals(4L * e, r.get("step"), "64 images in batches of 16");
            assertEquals(40L, r.get("images"));
            assertEquals(32, ((List<?>) r.get("embedding")).size(), "expander 32-32: min(40 images, 32)");
            assertEquals(32, ((List<?>) r.get("representation")).size(), "8 x width 4");
            assertTrue(((Number) ((List<?>) r.get("embedding")).get(0)).doubleValue() > 0);
        }

        trainer(c, resumed, true).run(false, 1);
        Files.writeString(RunDir.spectra(resumed), "{\"step\":8,\"epochs\":2,\"embedding\":[1.0]}\n", java.nio.file.StandardOpenOption.APPEND);
        trainer(c, resumed, true).run(true);
        assertEquals(Files.readAllLines(RunDir.spectra(watched)).stream().map(SpectrumMonitorTest::withoutSeconds).toList(),
                Files.readAllLines(RunDir.spectra(resumed)).stream().map(SpectrumMonitorTest::withoutSeconds).toList());
        String report = Files.readString(RunDir.report(resumed));
        assertTrue(report.contains("data-plot=\"spectrum_embedding\"") && report.contains("epoch 3"), "the report draws the spectra");
    }

    private static String withoutSeconds(String line) {
        return line.replaceAll(",\"seconds\":[0-9.eE-]+", "");
    }
}
