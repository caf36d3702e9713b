package org.jvicreg.vicreg.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvicreg.engine.Device;
import org.jvicreg.engine.Tensor;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training loop on a tiny model and dataset: determinism, exact resume, divergence and collapse handling. */
class PretrainerTest {
    @TempDir
    Path dir;

    static final AugmentConfig AUG = AugmentConfig.fashionMnist().withOutputSize(16, 16)
            .withNormalization(Normalization.of(new float[] {0.2f}, new float[] {0.3f}));

    static PretrainConfig config(int epochs, double std, double cov, double lr) {
        return new PretrainConfig("blobs", "unused", 0, "resnet18", 4, true, "32-32", 16, epochs, lr, 0.2, 1e-6,
                "vicreg", 25, std, cov, 0.0051, 0.2, 7, 2, 1);
    }

    private static Pretrainer trainer(PretrainConfig c, BlobDataset data, Path run, PrintStream console) {
        return new Pretrainer(c, data, AUG, run, Device.cpu(), console);
    }

    /** Bitwise the same tensors (model, running statistics, optimizer state) in two runs' checkpoints. */
    private static void assertSameCheckpoint(Path a, Path b) throws IOException {
        Map<String, Tensor> wa = SafeTensors.read(Checkpoint.file(a)), wb = SafeTensors.read(Checkpoint.file(b));
        assertEquals(wa.keySet(), wb.keySet());
        for (String k : wa.keySet()) assertArrayEquals(wa.get(k).toArray(), wb.get(k).toArray(), k);
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }

    @Test
    void resumingAfterAnEpochGivesTheSameRunAsNotStopping() throws IOException {
        assertResumeIsTheUninterruptedRun(config(3, 25, 1, 0.3), "a", "b");
    }

    /**
     * BYOL resumes bitwise too: its checkpoint carries the predictor with the model and the target network under
     * "target."; metrics.jsonl has the loss, tau rising on the cosine and the VICReg terms of the projections.
     */
    @Test
    void byolResumesBitwiseWithItsPredictorAndTargetInTheCheckpoint() throws IOException {
        PretrainConfig c = new PretrainConfig("blobs", "unused", 0, "resnet18", 4, true, "32-32", 16, 3, 0.3, 0.2, 1e-6,
                "byol", 25, 25, 1, 0.0051, 0.2, 24, 0.99, 7, 2, 1, null, 0);
        assertResumeIsTheUninterruptedRun(c, "byol-a", "byol-b");
        Map<String, Tensor> saved = SafeTensors.read(Checkpoint.file(dir.resolve("byol-a")));
        assertArrayEquals(new int[] {24, 32}, saved.get("model.predictor.0.weight").shape());
        assertTrue(saved.containsKey("model.predictor.3.bias"));
        assertTrue(saved.containsKey("target.backbone.conv1.weight") && saved.containsKey("target.projector.1.running_var"));
        assertTrue(saved.keySet().stream().noneMatch(k -> k.startsWith("target.predictor")), "the target has no predictor");
        assertTrue(saved.keySet().stream().noneMatch(k -> k.startsWith("optim.") && k.contains("target")), "nor optimizer state");
        float[] online = saved.get("model.backbone.conv1.weight").toArray(), target = saved.get("target.backbone.conv1.weight").toArray();
        assertTrue(!java.util.Arrays.equals(online, target), "the target trails the online network");

        List<Map<String, Object>> rows = RunDir.readMetrics(dir.resolve("byol-a"));
        double previous = 0;
        for (Map<String, Object> r : rows) {
            double loss = ((Number) r.get("loss")).doubleValue(), tau = ((Number) r.get("tau")).doubleValue();
            long step = ((Number) r.get("step")).longValue();
            assertTrue(loss >= 0 && loss <= 8, "BYOL's loss is in [0, 8]: " + r);
            assertEquals(org.jvicreg.vicreg.model.Byol.targetDecay(0.99, step - 1, 12), tau, 1e-12, "tau of the step's update: " + r);
            assertTrue(tau >= 0.99 && tau >= previous && tau <= 1, "tau " + tau);
            previous = tau;
            for (String k : new String[] {"invariance", "variance", "covariance", "mean_std"}) assertTrue(r.containsKey(k), k + " in " + r);
        }
        assertEquals(6, rows.size(), "12 steps logged every 2");
        assertTrue(Files.readString(RunDir.report(dir.resolve("byol-a"))).contains("BYOL target decay"), "the report draws tau");
    }

    private void assertResumeIsTheUninterruptedRun(PretrainConfig c, String straightDir, String resumedDir) throws IOException {
        Path a = dir.resolve(straightDir), b = dir.resolve(resumedDir);
        Pretrainer.Summary straight = trainer(c, new BlobDataset(64, 1), a, quiet()).run(false);
        trainer(c, new BlobDataset(64, 1), b, quiet()).run(false, 1);
        assertEquals(1, Checkpoint.load(b, Pretrainer.model(c, 1), null).epochsDone());
        Pretrainer.Summary resumed = trainer(c, new BlobDataset(64, 1), b, quiet()).run(true);
        assertEquals(straight.steps(), resumed.steps());
        assertEquals(straight.loss(), resumed.loss(), 0.0, "bitwise the same final loss");
        assertSameCheckpoint(a, b);
        List<Map<String, Object>> ma = RunDir.readMetrics(a), mb = RunDir.readMetrics(b);
        assertEquals(ma.size(), mb.size());
        for (int i = 0; i < ma.size(); i++) {
            assertEquals(ma.get(i).get("step"), mb.get(i).get("step"));
            assertEquals(ma.get(i).get("loss"), mb.get(i).get("loss"), "metrics line " + i);
        }
        assertTrue(Files.readString(RunDir.report(b)).contains("<svg"));
    }

    private static KnnMonitor monitor(int every) {
        return new KnnMonitor(every, new BlobDataset(64, 1), new BlobDataset(32, 9), AUG.normalization(), 32);
    }

    /**
     * The kNN monitor logs after each due epoch and changes nothing about training (bitwise the same
     * checkpoint as without it); a run interrupted after its first epoch and resumed logs what the
     * uninterrupted one does.
     */
    @Test
    void knnMonitorLogsDueEpochsLeavesTrainingUnchangedAndResumes() throws IOException {
        PretrainConfig c = config(3, 25, 1, 0.3);
        Path plain = dir.resolve("plain"), watched = dir.resolve("watched"), resumed = dir.resolve("resumed");
        trainer(c, new BlobDataset(64, 1), plain, quiet()).run(false);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        trainer(c, new BlobDataset(64, 1), watched, new PrintStream(console)).monitorKnn(monitor(2)).run(false);
        assertSameCheckpoint(plain, watched);
        assertTrue(Files.notExists(RunDir.knn(plain)), "no knn.jsonl without the monitor");

        List<Map<String, Object>> rows = RunDir.readKnn(watched);
        assertEquals(3, rows.size(), "before training, then due after epochs 2 and 3 (the last) of 3: " + rows);
        long[] epochs = {0, 2, 3}, steps = {0, 8, 12}; // 64 images in batches of 16
        for (int i = 0; i < 3; i++) {
            assertEquals(epochs[i], ((Number) rows.get(i).get("epochs")).longValue());
            assertEquals(steps[i], ((Number) rows.get(i).get("step")).longValue());
            double top1 = ((Number) rows.get(i).get("knn_top1")).doubleValue();
            assertTrue(top1 >= 0 && top1 <= 1, "accuracy " + top1);
            assertEquals(64L, rows.get(i).get("bank"));
            assertEquals(32L, rows.get(i).get("queries"));
        }
        assertTrue(console.toString().contains("before training: kNN top-1"), console.toString());
        assertTrue(console.toString().contains("after epoch 2: kNN top-1"), console.toString());
        assertTrue(Files.readString(RunDir.report(watched)).contains("kNN top-1 during training"));

        trainer(c, new BlobDataset(64, 1), resumed, quiet()).monitorKnn(monitor(2)).run(false, 2);
        // a crash after the monitor's line of epoch 3 but before that epoch's checkpoint
        Files.writeString(RunDir.knn(resumed), "{\"step\":12,\"epochs\":3,\"knn_top1\":0.5}\n", java.nio.file.StandardOpenOption.APPEND);
        trainer(c, new BlobDataset(64, 1), resumed, quiet()).monitorKnn(monitor(2)).run(true);
        List<Map<String, Object>> again = RunDir.readKnn(resumed);
        assertEquals(rows.size(), again.size());
        for (int i = 0; i < rows.size(); i++) assertEquals(rows.get(i).get("knn_top1"), again.get(i).get("knn_top1"), "row " + i);
    }

    @Test
    void resumeCutsMetricsOfTheInterruptedEpoch() throws IOException {
        PretrainConfig c = config(2, 25, 1, 0.3);
        Path run = dir.resolve("r");
        trainer(c, new BlobDataset(64, 1), run, quiet()).run(false, 1);
        // a crash mid-epoch leaves extra and half-written lines after the checkpoint's step
        Files.writeString(RunDir.metrics(run), "{\"step\":999,\"loss\":1.0}\n{\"step\":1000,\"lo", java.nio.file.StandardOpenOption.APPEND);
        trainer(c, new BlobDataset(64, 1), run, quiet()).run(true);
        List<Map<String, Object>> rows = RunDir.readMetrics(run);
        long previous = 0;
        for (Map<String, Object> r : rows) {
            long s = ((Number) r.get("step")).longValue();
            assertTrue(s > previous && s <= 8, "steps strictly increase within the run: " + s);
            previous = s;
        }
        assertEquals(8, previous);
    }

    @Test
    void nonFiniteLossStopsNamingStepAndTermAndKeepsTheCheckpoint() throws IOException {
        PretrainConfig c = config(2, 25, 1, 0.3);
        Path run = dir.resolve("nan");
        BlobDataset poisoned = new BlobDataset(64, 1, 64); // every read after the first epoch's 64 gets a NaN pixel
        var e = assertThrows(Pretrainer.DivergedException.class, () -> trainer(c, poisoned, run, quiet()).run(false));
        assertTrue(e.getMessage().contains("step 5") && e.getMessage().contains("invariance term"), e.getMessage());
        Checkpoint cp = Checkpoint.load(run, Pretrainer.model(c, 1), null);
        assertEquals(1, cp.epochsDone());
        assertEquals(4, cp.steps());
    }

    @Test
    void withoutTheVarianceTermTheEmbeddingsCollapseAndWeSayWhy() throws IOException {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PretrainConfig c = config(12, 0, 0, 1.0);
        Pretrainer.Summary s = trainer(c, new BlobDataset(64, 2), dir.resolve("collapse"), new PrintStream(console)).run(false);
        assertTrue(s.meanStd() < 0.05, "mean std " + s.meanStd());
        assertTrue(console.toString().contains("warning: the embeddings look collapsed"), console.toString());
        Pretrainer.Summary healthy = trainer(config(12, 25, 1, 1.0), new BlobDataset(64, 2), dir.resolve("ok"), quiet()).run(false);
        assertTrue(healthy.meanStd() > 0.2 && healthy.meanStd() > 5 * s.meanStd(), "mean std with the variance term " + healthy.meanStd());
    }
}
