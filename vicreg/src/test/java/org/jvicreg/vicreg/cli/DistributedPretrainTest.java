package org.jvicreg.vicreg.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.dist.MpiRun;
import org.jvicreg.engine.io.SafeTensors;
import org.jvicreg.vicreg.train.Checkpoint;
import org.jvicreg.vicreg.train.RunDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code pretrain --dist mpi} under mpirun: two ranks train as one process does with the same global batch and
 * seed; a rank killed mid-epoch ends the job and {@code --resume} finishes it; a stopped rank (which mpirun does
 * not notice) makes the others give up with the timeout's line.
 */
class DistributedPretrainTest {
    @TempDir
    static Path shared;
    static Path data;

    @TempDir
    Path dir;

    @BeforeAll
    static void data() throws IOException {
        data = PretrainCommandTest.writeIdx(shared.resolve("data"), 256, 16);
    }

    /** A small run: 8 steps per epoch of a global batch of 32; a low learning rate keeps rounding from growing. */
    static List<String> pretrain(Path out, int epochs, String... more) {
        List<String> a = new ArrayList<>(List.of("pretrain", "--dataset", "mnist", "--data", data.toString(), "--out", out.toString(),
                "--width", "4", "--mlp", "32-32", "--batch", "32", "--epochs", Integer.toString(epochs), "--log-every", "1",
                "--workers", "1", "--seed", "5", "--base-lr", "0.01"));
        a.addAll(List.of(more));
        return a;
    }

    private static List<String> main(List<String> argv) {
        List<String> out = new ArrayList<>();
        out.add(Main.class.getName());
        out.addAll(argv);
        return out;
    }

    @Test
    void twoRanksTrainAsOneProcessWithTheSameGlobalBatch() throws Exception {
        MpiRun.assumeAvailable();
        assertSameTraining(3, "vicreg");
    }

    @Test
    void barlowTwinsAndSimclrGatherTheEmbeddingsToo() throws Exception {
        MpiRun.assumeAvailable();
        assertSameTraining(1, "barlow");
        assertSameTraining(1, "simclr");
    }

    /**
     * BYOL: each rank's loss on its own rows, averaged with the gradients; the target's batch norms synchronised
     * and its moving average the same on both ranks, so the checkpoint's "target.*" matches one process's too.
     */
    @Test
    void byolTrainsTheSameOnTwoRanksTargetNetworkIncluded() throws Exception {
        MpiRun.assumeAvailable();
        assertSameTraining(1, "byol");
    }

    /**
     * One process and two ranks train {@code epochs} with the same global batch and seed: every logged loss
     * within 1e-4 relative, every weight tensor within 2e-3 (max abs difference / max abs value).
     */
    private void assertSameTraining(int epochs, String loss) throws Exception {
        Path single = dir.resolve(loss + "-single"), two = dir.resolve(loss + "-two");
        CliRun one = CliRun.of(pretrain(single, epochs, "--dist", "none", "--loss", loss).toArray(new String[0]));
        assertEquals(0, one.code(), one.toString());
        MpiRun.Result r = MpiRun.run(2, Duration.ofSeconds(240), dir, List.of("-Djvicreg.threads=1"),
                main(pretrain(two, epochs, "--dist", "mpi", "--loss", loss)), Map.of());
        assertEquals(0, r.exit(), r.both());
        assertTrue(r.stderr().contains("data-parallel: mpi ("), r.both());
        assertEquals(1, r.stdout().lines().filter(l -> l.startsWith("{\"epochs\"")).count(), "rank 0 alone prints the summary: " + r.both());

        List<Map<String, Object>> a = RunDir.readRows(RunDir.metrics(single)), b = RunDir.readRows(RunDir.metrics(two));
        assertEquals(8 * epochs, a.size());
        assertEquals(a.size(), b.size(), "logged steps");
        for (int i = 0; i < a.size(); i++) {
            double la = ((Number) a.get(i).get("loss")).doubleValue(), lb = ((Number) b.get(i).get("loss")).doubleValue();
            assertTrue(Math.abs(la - lb) <= 1e-4 * Math.abs(la), loss + " step " + a.get(i).get("step") + ": loss " + la + " vs " + lb);
        }
        Map<String, Tensor> wa = SafeTensors.read(Checkpoint.file(single)), wb = SafeTensors.read(Checkpoint.file(two));
        assertEquals(wa.keySet(), wb.keySet());
        for (String k : wa.keySet()) {
            if (k.endsWith("num_batches_tracked") || k.startsWith("optim.")) continue; // the weights, not the optimizer's state
            float[] x = wa.get(k).toArray(), y = wb.get(k).toArray();
            double maxAbs = 0, maxDiff = 0;
            for (int i = 0; i < x.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(x[i]));
                maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
            }
            assertTrue(maxDiff <= 2e-3 * maxAbs || maxDiff < 1e-7, loss + " " + k + ": max abs difference " + maxDiff + " of max " + maxAbs);
        }
    }

    @Test
    void aKilledRankEndsTheJobAndResumeFinishesIt() throws Exception {
        MpiRun.assumeAvailable();
        Path run = dir.resolve("run");
        Path out = dir.resolve("out.txt"), err = dir.resolve("err.txt");
        Process p = MpiRun.start(MpiRun.command(2, List.of("-Djvicreg.threads=1"), main(pretrain(run, 4, "--dist", "mpi"))), out, err, Map.of());
        try {
            // once the first epoch's checkpoint is there and the second epoch is under way
            waitFor(() -> Checkpoint.exists(run) && rows(run) > 10, p, Duration.ofSeconds(120));
            ProcessHandle victim = rank(p, 1).orElseThrow(() -> new AssertionError("no rank 1 process under mpirun"));
            victim.destroyForcibly(); // SIGKILL
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the job did not end within 60 s of rank 1's death");
            assertNotEquals(0, p.exitValue(), Files.readString(err));
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        assertTrue(Checkpoint.exists(run));
        SafeTensors.read(Checkpoint.file(run)); // whole: written atomically
        MpiRun.Result resumed = MpiRun.run(2, Duration.ofSeconds(240), dir, List.of("-Djvicreg.threads=1"),
                main(pretrain(run, 4, "--dist", "mpi", "--resume")), Map.of());
        assertEquals(0, resumed.exit(), resumed.both());
        assertTrue(resumed.stderr().contains("resuming " + run), resumed.both());
        assertTrue(resumed.stdout().contains("\"epochs\":4,\"steps\":32"), resumed.both());
    }

    @Test
    void aStoppedRankMakesTheOthersGiveUpWithTheTimeoutLine() throws Exception {
        MpiRun.assumeAvailable();
        Path run = dir.resolve("run");
        Path out = dir.resolve("out.txt"), err = dir.resolve("err.txt");
        Process p = MpiRun.start(MpiRun.command(2, List.of("-Djvicreg.threads=1"),
                main(pretrain(run, 4, "--dist", "mpi", "--dist-timeout", "5"))), out, err, Map.of());
        ProcessHandle victim = null;
        try {
            waitFor(() -> rows(run) > 2, p, Duration.ofSeconds(120));
            victim = rank(p, 1).orElseThrow(() -> new AssertionError("no rank 1 process under mpirun"));
            new ProcessBuilder("kill", "-STOP", Long.toString(victim.pid())).start().waitFor();
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the job did not end within 90 s of rank 1's stop");
            assertNotEquals(0, p.exitValue());
            String stderr = Files.readString(err);
            assertTrue(stderr.contains("rank 0 of 2: ") && stderr.contains("waited 5 s for the other ranks: one of them has stopped"),
                    stderr);
        } finally {
            if (victim != null) victim.destroyForcibly();
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private static long rows(Path run) {
        try {
            return Files.exists(RunDir.metrics(run)) ? RunDir.readRows(RunDir.metrics(run)).size() : 0;
        } catch (IOException | RuntimeException e) {
            return 0; // being written
        }
    }

    /** The JVM under mpirun whose MPI rank is {@code rank} (from its environment). */
    private static Optional<ProcessHandle> rank(Process mpirun, int rank) {
        return mpirun.descendants().filter(h -> {
            try {
                String env = Files.readString(Path.of("/proc", Long.toString(h.pid()), "environ"));
                return env.contains("OMPI_COMM_WORLD_RANK=" + rank + "\0") && h.info().command().orElse("").endsWith("java");
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }).findFirst();
    }

    private interface Condition {
        boolean holds() throws IOException;
    }

    private static void waitFor(Condition c, Process p, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!c.holds()) {
            if (!p.isAlive()) fail("mpirun ended (exit " + p.exitValue() + ") before the test could act");
            if (System.nanoTime() > deadline) fail("timed out waiting for the run to get going");
            Thread.sleep(100);
        }
    }
}
