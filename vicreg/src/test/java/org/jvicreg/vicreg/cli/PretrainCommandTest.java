package org.jvicreg.vicreg.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.io.Json;
import org.jvicreg.engine.io.Npy;
import org.jvicreg.vicreg.embed.Encoder;
import org.jvicreg.vicreg.train.Checkpoint;
import org.jvicreg.vicreg.train.Pretrainer;
import org.jvicreg.vicreg.train.RunDir;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pretrain / probe commands end to end on a tiny IDX dataset written here, including the
 * contract's last JSON line, error exits, and a SIGKILL in the middle of an epoch followed by --resume.
 */
class PretrainCommandTest {
    @TempDir
    Path dir;

    /** MNIST-format IDX files of 28x28 squares whose position is the class. */
    static Path writeIdx(Path root, int train, int test) throws IOException {
        Files.createDirectories(root);
        Rng rng = new Rng(3);
        for (String split : new String[] {"train", "t10k"}) {
            int n = split.equals("train") ? train : test;
            ByteBuffer img = ByteBuffer.allocate(16 + n * 784), lab = ByteBuffer.allocate(8 + n);
            img.putInt(0x803).putInt(n).putInt(28).putInt(28);
            lab.putInt(0x801).putInt(n);
            for (int i = 0; i < n; i++) {
                int c = i % 4, y0 = (c / 2) * 14 + rng.nextInt(4), x0 = (c % 2) * 14 + rng.nextInt(4);
                byte[] px = new byte[784];
                for (int p = 0; p < 784; p++) px[p] = (byte) rng.nextInt(30);
                for (int y = y0; y < y0 + 9; y++) for (int x = x0; x < x0 + 9; x++) px[y * 28 + x] = (byte) (200 + rng.nextInt(55));
                img.put(px);
                lab.put((byte) c);
            }
            Files.write(root.resolve(split + "-images-idx3-ubyte"), img.array());
            Files.write(root.resolve(split + "-labels-idx1-ubyte"), lab.array());
        }
        return root;
    }

    record Result(int code, String out, String err) {
        Map<?, ?> lastJson() {
            String[] lines = out.strip().split("\n");
            return (Map<?, ?>) Json.parse(lines[lines.length - 1]);
        }
    }

    static synchronized Result cli(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            int code = Main.run(args);
            return new Result(code, out.toString(), err.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private List<String> pretrainArgs(Path data, Path run, int epochs) {
        return new ArrayList<>(List.of("pretrain", "--dataset", "mnist", "--data", data.toString(), "--out", run.toString(),
                "--width", "4", "--mlp", "32-32", "--batch", "32", "--epochs", Integer.toString(epochs), "--log-every", "2",
                "--workers", "1"));
    }

    @Test
    void pretrainThenProbesFollowTheContract() throws IOException {
        Path data = writeIdx(dir.resolve("data"), 256, 64), run = dir.resolve("run");
        List<String> args = pretrainArgs(data, run, 2);
        args.addAll(List.of("--knn-every", "1", "--knn-bank", "256", "--knn-queries", "64")); // the whole splits
        Result r = cli(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.err());
        Map<?, ?> s = r.lastJson();
        for (String k : List.of("epochs", "steps", "loss", "invariance", "variance", "covariance", "mean_std", "seconds")) {
            assertTrue(s.containsKey(k), "summary has " + k + ": " + s);
        }
        assertEquals(2L, s.get("epochs"));
        assertEquals(16L, s.get("steps"));
        for (Path f : List.of(RunDir.config(run), Checkpoint.file(run), RunDir.backbone(run), RunDir.metrics(run), RunDir.report(run))) {
            assertTrue(Files.isRegularFile(f), f + " written");
        }
        for (String line : Files.readAllLines(RunDir.metrics(run))) {
            Map<?, ?> m = (Map<?, ?>) Json.parse(line);
            for (String k : List.of("grad_invariance", "grad_variance", "grad_covariance", "rankme", "mean_abs_corr")) {
                assertTrue(m.get(k) instanceof Number v && Double.isFinite(v.doubleValue()) && v.doubleValue() >= 0,
                        "metrics line has a finite, non-negative " + k + ": " + line);
            }
        }
        assertTrue(Files.readString(RunDir.report(run)).contains("Gradient per term"), "the report charts the term gradients");
        Result lin = cli("linear-eval", "--run", run.toString(), "--epochs", "5");
        assertEquals(0, lin.code(), lin.err());
        double top1 = ((Number) lin.lastJson().get("linear_top1")).doubleValue();
        assertTrue(top1 >= 0 && top1 <= 1, "fraction: " + top1);
        Result knn = cli("knn", "--run", run.toString());
        assertEquals(0, knn.code(), knn.err());
        assertTrue(((Number) knn.lastJson().get("knn_top1")).doubleValue() > 0.25, "better than chance on 4 classes");
        // the monitor's last evaluation saw the same weights, bank and queries as the knn command
        List<Map<String, Object>> monitored = RunDir.readKnn(run);
        assertEquals(3, monitored.size(), "one line before training and one per epoch: " + monitored);
        assertEquals(knn.lastJson().get("knn_top1"), monitored.get(2).get("knn_top1"));
        assertEquals(16L, monitored.get(2).get("step"));
        Result random = cli("knn", "--random-init", "--arch", "resnet18", "--width", "4", "--dataset", "mnist", "--data", data.toString());
        assertEquals(0, random.code(), random.err());
        assertTrue(random.lastJson().containsKey("knn_top1"));
        assertTrue(Files.readString(RunDir.probes(run)).contains("knn_top1"));
        Result emb = cli("embed", "--run", run.toString(), "--out", dir.resolve("f.npy").toString());
        assertEquals(0, emb.code(), emb.err());
        assertEquals(64L, emb.lastJson().get("n"));
        assertEquals(32L, emb.lastJson().get("dim"), "8 x width 4");
        // the embedding API on the run directory gives the probes' features: the run's own decoding (28 x 28 gray,
        // MNIST's normalisation) of the same test images
        byte[] idx = Files.readAllBytes(data.resolve("t10k-images-idx3-ubyte"));
        float[] want = Npy.read(dir.resolve("f.npy")).toArray();
        try (Encoder enc = Encoder.load(run)) {
            for (int i : new int[] {0, 1, 63}) {
                BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
                for (int p = 0; p < 784; p++) img.getRaster().setSample(p % 28, p / 28, 0, idx[16 + i * 784 + p] & 0xff);
                float[] got = enc.embed(List.of(img))[0];
                for (int j = 0; j < 32; j++) assertEquals(want[i * 32 + j], got[j], 1e-5f * (1 + Math.abs(want[i * 32 + j])), "image " + i);
            }
        }
    }

    /**
     * --loss byol: the options in --help and in config.json, refused without BYOL, tau in metrics.jsonl, the
     * predictor and the target in the checkpoint, a --resume that names another decay refused, and the probes on
     * its (online) backbone.
     */
    @Test
    void byolFromTheCommandLine() throws IOException {
        Result help = cli("pretrain", "--help");
        for (String o : List.of("byol", "--predictor-hidden H", "--byol-momentum M")) assertTrue(help.out().contains(o), o + " in --help");
        Path data = writeIdx(dir.resolve("data"), 64, 16), run = dir.resolve("byol");
        List<String> args = pretrainArgs(data, run, 1);
        Result notByol = cli(List.of(args, List.of("--predictor-hidden", "8")).stream().flatMap(List::stream).toArray(String[]::new));
        assertEquals(2, notByol.code());
        assertTrue(notByol.err().contains("--predictor-hidden and --byol-momentum go with --loss byol"), notByol.err());
        args.addAll(List.of("--loss", "byol", "--predictor-hidden", "8", "--byol-momentum", "0.99"));
        Result r = cli(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.lastJson().get("loss") instanceof Number l && l.doubleValue() >= 0 && l.doubleValue() <= 8, r.out());
        Map<?, ?> config = (Map<?, ?>) Json.parse(Files.readString(RunDir.config(run)));
        assertEquals("byol", config.get("loss"));
        assertEquals(8L, config.get("predictor_hidden"));
        assertEquals(0.99, config.get("byol_momentum"));
        for (String line : Files.readAllLines(RunDir.metrics(run))) {
            Map<?, ?> m = (Map<?, ?>) Json.parse(line);
            assertTrue(m.get("tau") instanceof Number t && t.doubleValue() >= 0.99 && t.doubleValue() <= 1, line);
            assertTrue(m.containsKey("invariance") && m.containsKey("rankme"), line);
        }
        Map<String, ?> saved = org.jvicreg.engine.io.SafeTensors.read(Checkpoint.file(run));
        assertTrue(saved.containsKey("model.predictor.0.weight") && saved.containsKey("target.projector.0.weight"), saved.keySet().toString());
        List<String> clash = new ArrayList<>(args);
        clash.set(clash.indexOf("--byol-momentum") + 1, "0.9");
        clash.add("--resume");
        Result c = cli(clash.toArray(new String[0]));
        assertEquals(2, c.code());
        assertTrue(c.err().contains("--byol-momentum (run: 0.99, given: 0.9)"), c.err());
        Result knn = cli("knn", "--run", run.toString());
        assertEquals(0, knn.code(), knn.err());
    }

    @Test
    void errorsAreOneLineAndNonZero() throws IOException {
        Path data = writeIdx(dir.resolve("data"), 64, 16);
        Result help = cli("pretrain", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--resume"));
        Result unknown = cli("pretrain", "--out", dir.resolve("x").toString(), "--batchsize", "3");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown option --batchsize"), unknown.err());
        Result missing = cli("pretrain", "--dataset", "mnist", "--data", dir.resolve("nowhere").toString(), "--out", dir.resolve("y").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().strip().lines().count() <= 2 && missing.err().contains("does not exist"), missing.err());
        Result knnAlone = cli("pretrain", "--out", dir.resolve("z").toString(), "--knn-bank", "100");
        assertEquals(2, knnAlone.code());
        assertTrue(knnAlone.err().contains("--knn-bank and --knn-queries go with --knn-every E"), knnAlone.err());
        Result smallBank = cli("pretrain", "--out", dir.resolve("z").toString(), "--knn-every", "1", "--knn-bank", "5");
        assertEquals(2, smallBank.code());
        assertTrue(smallBank.err().contains("--knn-bank must be at least k = 20, got 5"), smallBank.err());
        assertTrue(Files.notExists(dir.resolve("z")), "nothing written on a usage error");
        Result noRun = cli("linear-eval", "--run", dir.resolve("nothing").toString());
        assertEquals(1, noRun.code());
        assertTrue(noRun.err().contains("not a run directory"), noRun.err());
        // a mistyped option is named before the probe opens the run or the data
        Result typo = cli("knn", "--run", dir.resolve("nothing").toString(), "--kk", "5");
        assertEquals(2, typo.code());
        assertTrue(typo.err().contains("unknown option --kk (did you mean --k?)"), typo.err());
        // fewer images than one batch: refused before the run directory exists, so the next try is not blocked
        List<String> tooFew = pretrainArgs(data, dir.resolve("small"), 1);
        tooFew.set(tooFew.indexOf("--batch") + 1, "128");
        Result few = cli(tooFew.toArray(new String[0]));
        assertEquals(1, few.code());
        assertTrue(few.err().contains("the dataset has 64 images, fewer than one batch of 128"), few.err());
        assertTrue(Files.notExists(dir.resolve("small")), "nothing written when the run cannot start");
        Path run = dir.resolve("run");
        assertEquals(0, cli(pretrainArgs(data, run, 1).toArray(new String[0])).code());
        Result again = cli(pretrainArgs(data, run, 1).toArray(new String[0]));
        assertEquals(2, again.code());
        assertTrue(again.err().contains("--resume"), again.err());
        List<String> clash = pretrainArgs(data, run, 1);
        clash.addAll(List.of("--resume", "--base-lr", "0.5"));
        Result c = cli(clash.toArray(new String[0]));
        assertEquals(2, c.code());
        assertTrue(c.err().contains("--base-lr (run: 0.3, given: 0.5)"), c.err());
    }

    @Test
    void theBaseLearningRateDefaultsToTheMeasuredChoiceOnlyWhereItWasMeasured() {
        assertEquals(4.8, baseLr(), "VICReg on Fashion-MNIST");
        assertEquals(0.3, baseLr("--loss", "barlow"));
        assertEquals(0.3, baseLr("--dataset", "mnist", "--data", dir.toString()));
        assertEquals(1.5, baseLr("--base-lr", "1.5"));
    }

    private static double baseLr(String... options) {
        List<String> argv = new ArrayList<>(List.of("--out", "unused"));
        argv.addAll(List.of(options));
        return PretrainCommand.configFrom(Args.parse(argv.toArray(new String[0]), new PretrainCommand().flags())).baseLr();
    }

    @Test
    void sigkillMidEpochThenResumeFinishesAValidRun() throws Exception {
        Path data = writeIdx(dir.resolve("data"), 512, 32), run = dir.resolve("run");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        List<String> args = pretrainArgs(data, run, 3);
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            // wait until the first epoch's checkpoint exists and the second epoch has logged a step
            while (System.nanoTime() < deadline && !(Files.exists(Checkpoint.file(run)) && lastStep(run) > 16)) Thread.sleep(50);
            assertTrue(p.isAlive(), "the child should still be in epoch 2: " + Files.readString(dir.resolve("child.log")));
        } finally {
            p.destroyForcibly();   // SIGKILL
            p.waitFor(30, TimeUnit.SECONDS);
        }
        assertTrue(lastStep(run) > 16 && lastStep(run) < 48, "killed mid-run at step " + lastStep(run));
        List<String> resume = new ArrayList<>(args);
        resume.add("--resume");
        Result r = cli(resume.toArray(new String[0]));
        assertEquals(0, r.code(), r.err());
        assertEquals(3L, r.lastJson().get("epochs"));
        assertEquals(48L, r.lastJson().get("steps"));
        Checkpoint cp = Checkpoint.load(run, Pretrainer.model(RunDir.readConfig(run), 1), null);
        assertEquals(3, cp.epochsDone());
        long prev = 0;
        for (Map<String, Object> row : RunDir.readMetrics(run)) {
            long s = ((Number) row.get("step")).longValue();
            assertTrue(s > prev, "metrics steps increase: " + prev + " then " + s);
            prev = s;
        }
        try (var files = Files.list(run)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary files left");
        }
    }

    private static long lastStep(Path run) throws IOException {
        List<Map<String, Object>> rows = RunDir.readMetrics(run);
        return rows.isEmpty() ? 0 : ((Number) rows.get(rows.size() - 1).get("step")).longValue();
    }
}
