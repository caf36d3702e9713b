package org.jvicreg.vicreg.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvicreg.engine.Device;
import org.jvicreg.engine.io.Json;
import org.jvicreg.vicreg.augment.AugmentConfig;
import org.jvicreg.vicreg.data.ImageDataset;
import org.jvicreg.vicreg.data.Split;
import org.jvicreg.vicreg.embed.Encoder;
import org.jvicreg.vicreg.train.Checkpoint;
import org.jvicreg.vicreg.train.PretrainConfig;
import org.jvicreg.vicreg.train.Pretrainer;
import org.jvicreg.vicreg.train.RunDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run's recipe through the command line: the augmentation it records is the one --resume trains with
 * (and a run made before it was recorded resumes with its dataset's preset of that time), and --holdout's images are
 * never pre-trained or probe-trained on, only evaluated on.
 */
class RunRecipeTest {
    @TempDir
    Path dir;

    private static List<String> pretrain(Path data, Path run, String... more) {
        List<String> a = new ArrayList<>(List.of("pretrain", "--dataset", "mnist", "--data", data.toString(), "--out", run.toString(),
                "--width", "4", "--mlp", "16-16", "--batch", "32", "--epochs", "2", "--log-every", "2", "--workers", "1"));
        a.addAll(List.of(more));
        return a;
    }

    private static CliRun ok(List<String> argv) {
        CliRun r = CliRun.of(argv.toArray(new String[0]));
        assertEquals(0, r.code(), r.toString());
        return r;
    }

    /** The first of a run's two epochs, as the command line would configure it, then stopped (as a kill after the epoch would). */
    private static void firstEpochOnly(List<String> argv) throws IOException {
        Args a = Args.parse(argv.subList(1, argv.size()).toArray(new String[0]), Set.of("resume"));
        PretrainConfig config = PretrainCommand.configFrom(a);
        AugmentArgs options = AugmentArgs.read(a);
        ImageDataset data = DataArgs.open(config.dataset(), Path.of(config.dataDir()), Split.TRAIN, 0);
        AugmentConfig augment = options.applyTo(DataArgs.augment(config.dataset(), data));
        new Pretrainer(config, data, augment, a.requirePath("out"), Device.cpu(), new PrintStream(new ByteArrayOutputStream()))
                .run(false, 1);
    }

    private static byte[] backbone(Path run) throws IOException {
        return Files.readAllBytes(RunDir.backbone(run));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> config(Path run) throws IOException {
        return (Map<String, Object>) Json.parse(Files.readString(RunDir.config(run)));
    }

    @Test
    void resumeTrainsWithTheRecordedAugmentationNotTheDefaults() throws IOException {
        Path data = PretrainCommandTest.writeIdx(dir.resolve("data"), 96, 8);
        String[] recipe = {"--blur-p", "1/0.5", "--blur-kernel", "5/full", "--blur-sigma", "0.5,1.5", "--solarize-p", "0.3"};
        Path straight = dir.resolve("straight"), resumed = dir.resolve("resumed"), preset = dir.resolve("preset");
        ok(pretrain(data, straight, recipe));
        firstEpochOnly(pretrain(data, resumed, recipe));
        assertEquals(1, Checkpoint.load(resumed, Pretrainer.model(RunDir.readConfig(resumed), 1), null).epochsDone());
        ok(pretrain(data, resumed, "--resume")); // no augmentation options: the run's own
        assertArrayEquals(backbone(straight), backbone(resumed), "bitwise the uninterrupted run");
        assertEquals(config(straight).get("augment"), config(resumed).get("augment"));
        AugmentConfig recorded = RunDir.readConfig(resumed).augment();
        assertEquals(5, recorded.view1().blurKernel());
        assertEquals(0.5, recorded.view2().blurP());
        // the options matter: the preset trains other weights
        ok(pretrain(data, preset));
        assertFalse(Arrays.equals(backbone(straight), backbone(preset)));
        assertEquals(AugmentConfig.mnist(), RunDir.readConfig(preset).augment(), "the preset recorded");
        // given again on --resume, the same values are no clash; other ones are
        ok(pretrain(data, resumed, "--resume", "--blur-kernel", "5/full", "--solarize-p", "0.3/0.3"));
        CliRun clash = CliRun.of(pretrain(data, resumed, "--resume", "--blur-kernel", "3").toArray(new String[0]));
        clash.assertFails("--blur-kernel (run: 5/full, given: 3)");
        assertEquals(2, clash.code());
    }

    @Test
    void aRunMadeBeforeTheRecipeWasRecordedResumesWithItsPreset() throws IOException {
        Path data = PretrainCommandTest.writeIdx(dir.resolve("data"), 96, 8);
        Path straight = dir.resolve("straight"), old = dir.resolve("old");
        // runs made before config.json recorded the augmentation trained MNIST's preset without blur
        AugmentConfig then = AugmentConfig.unrecorded("mnist", AugmentConfig.mnist());
        assertEquals(0.0, then.view1().blurP());
        assertEquals(AugmentConfig.mnist().mapViews(v -> v.toBuilder().blur(0.0, v.blurSigmaMin(), v.blurSigmaMax()).build()), then);
        assertFalse(then.equals(AugmentConfig.mnist()), "today's preset blurs");
        ok(pretrain(data, straight, "--blur-p", "0"));
        firstEpochOnly(pretrain(data, old, "--blur-p", "0"));
        Map<String, Object> m = new LinkedHashMap<>(config(old));
        assertTrue(m.remove("augment") != null && m.remove("holdout") != null);
        Files.writeString(RunDir.config(old), Json.write(m) + "\n");
        PretrainConfig before = RunDir.readConfig(old);
        assertNull(before.augment());
        assertEquals(0, before.holdout());
        ok(pretrain(data, old, "--resume"));
        assertArrayEquals(backbone(straight), backbone(old), "the preset of that time, as the run was made with");
        assertFalse(config(old).containsKey("augment"), "the old run's config.json is left as it was");
        // its probes and embedding use the preset's normalisation and the test split, as before
        assertEquals(last(ok(List.of("knn", "--run", straight.toString()))), last(ok(List.of("knn", "--run", old.toString()))));
        try (Encoder a = Encoder.load(old); Encoder b = Encoder.load(straight)) {
            assertArrayEquals(a.preprocessing().normalization().mean(), b.preprocessing().normalization().mean());
        }
    }

    /** The first {@code n} images of an IDX pair, or the last ones (skip = the count before them). */
    private static void idx(Path from, String fromSplit, Path to, String toSplit, int skip, int n) throws IOException {
        byte[] img = Files.readAllBytes(from.resolve(fromSplit + "-images-idx3-ubyte"));
        byte[] lab = Files.readAllBytes(from.resolve(fromSplit + "-labels-idx1-ubyte"));
        ByteBuffer i = ByteBuffer.allocate(16 + n * 784).putInt(0x803).putInt(n).putInt(28).putInt(28).put(img, 16 + skip * 784, n * 784);
        ByteBuffer l = ByteBuffer.allocate(8 + n).putInt(0x801).putInt(n).put(lab, 8 + skip, n);
        Files.createDirectories(to);
        Files.write(to.resolve(toSplit + "-images-idx3-ubyte"), i.array());
        Files.write(to.resolve(toSplit + "-labels-idx1-ubyte"), l.array());
    }

    private static Map<?, ?> last(CliRun r) {
        List<String> lines = r.out().strip().lines().toList();
        return (Map<?, ?>) Json.parse(lines.getLast());
    }

    /**
     * A run with --holdout 32 on 128 training images is bitwise the run on a copy of the data that holds only
     * the first 96, and its probes give exactly what probes on that copy give with the 32 held-out images as
     * its test split: neither pre-training nor probe training sees them, the probes evaluate on them.
     */
    @Test
    void heldOutImagesAreNeverTrainedOnOnlyEvaluatedOn() throws IOException {
        Path full = PretrainCommandTest.writeIdx(dir.resolve("full"), 128, 16), cut = dir.resolve("cut");
        idx(full, "train", cut, "train", 0, 96);
        idx(full, "train", cut, "t10k", 96, 32);
        Path held = dir.resolve("held"), plain = dir.resolve("plain");
        ok(pretrain(full, held, "--holdout", "32", "--knn-every", "2", "--knn-bank", "1000", "--knn-queries", "1000"));
        ok(pretrain(cut, plain));
        assertArrayEquals(backbone(plain), backbone(held), "pre-training never read a held-out image");
        assertEquals(32, RunDir.readConfig(held).holdout());
        for (String probe : List.of("knn", "linear-eval")) {
            List<String> extra = probe.equals("knn") ? List.of() : List.of("--epochs", "3");
            List<String> a = new ArrayList<>(List.of(probe, "--run", held.toString()));
            a.addAll(extra);
            List<String> b = new ArrayList<>(List.of(probe, "--run", plain.toString()));
            b.addAll(extra);
            Map<?, ?> heldOut = last(ok(a)), test = last(ok(b));
            String key = probe.equals("knn") ? "knn_top1" : "linear_top1";
            assertEquals(test.get(key), heldOut.get(key), probe + ": trained on the first 96, evaluated on the last 32");
            assertEquals(32L, heldOut.get("holdout"));
            assertFalse(test.containsKey("holdout"));
            assertTrue(RunDir.readProbes(held).containsKey(key + "_holdout"), RunDir.readProbes(held).toString());
        }
        // the kNN monitor: the bank is the 96 training images, the queries the 32 held-out ones
        Map<String, Object> monitored = RunDir.readKnn(held).getLast();
        assertEquals(96L, monitored.get("bank"));
        assertEquals(32L, monitored.get("queries"));
        assertEquals(RunDir.readProbes(held).get("knn_top1_holdout"), monitored.get("knn_top1"));
        // the probe's own --holdout: 0 evaluates the held-out run on the test split, and a larger one than the run's is refused
        Map<?, ?> onTest = last(ok(List.of("knn", "--run", held.toString(), "--holdout", "0")));
        assertFalse(onTest.containsKey("holdout"));
        CliRun seen = CliRun.of("knn", "--run", held.toString(), "--holdout", "40");
        seen.assertFails("--holdout 40 would evaluate on images the run pre-trained on (its first 96 training images; the run's --holdout is 32)");
        assertEquals(2, seen.code());
        // embed keeps the dataset's own splits
        Map<?, ?> emb = last(ok(List.of("embed", "--run", held.toString(), "--split", "train", "--out", dir.resolve("f.npy").toString())));
        assertEquals(128L, emb.get("n"));
    }

    /** --holdout and --limit: the held-out images are the split's last, whatever --limit keeps of the others. */
    @Test
    void holdoutAndLimitSplitTheTrainingImages() {
        ImageDataset split = new Numbered(100);
        assertEquals(List.of(0, 89), ends(DataArgs.training(split, 10, 0)));
        assertEquals(List.of(0, 49), ends(DataArgs.training(split, 10, 50)));
        assertEquals(List.of(0, 39), ends(DataArgs.training(split, 60, 50)));
        assertEquals(List.of(90, 99), ends(DataArgs.heldOut(split, 10)));
        assertEquals(List.of(0, 99), ends(DataArgs.training(split, 0, 0)));
        assertTrue(DataArgs.heldOut(split, 10).description().endsWith(", last 10"));
        UsageException e = org.junit.jupiter.api.Assertions.assertThrows(UsageException.class, () -> DataArgs.training(split, 100, 0));
        assertEquals("--holdout 100 leaves no training images: 100 numbered images has 100", e.getMessage());
    }

    private static List<Integer> ends(ImageDataset d) {
        return List.of((int) d.image(0)[0], (int) d.image(d.size() - 1)[0]);
    }

    /** Images whose one pixel is their index. */
    private record Numbered(int size) implements ImageDataset {
        @Override public int channels() { return 1; }
        @Override public int height() { return 1; }
        @Override public int width() { return 1; }
        @Override public int numClasses() { return 1; }
        @Override public int label(int index) { return 0; }
        @Override public void image(int index, float[] dst, int offset) { dst[offset] = index; }
        @Override public String description() { return size + " numbered images"; }
    }
}
