package org.jvicreg.vicreg.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.Json;
import org.jvicreg.engine.io.Npy;
import org.jvicreg.engine.io.SafeTensors;
import org.jvicreg.vicreg.model.ResNet;
import org.jvicreg.vicreg.train.Checkpoint;
import org.jvicreg.vicreg.train.RunDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Hostile input to the command line, one row per case: each must exit with the expected code, print
 * one line on stderr naming the file or option at fault, and leave its folder exactly as it found it
 * (no output, no temporary file, no half-made run). The runs the rows damage are copies of two tiny
 * one-epoch runs made once, with the same seed.
 */
class ReliabilityTest {
    @TempDir
    static Path shared;
    static Path data, runA, runB;

    @TempDir
    Path dir;

    /** What one row runs: the command line and the fragments its error line must contain. */
    record Call(List<String> argv, List<String> fragments) {
        static Call of(List<String> argv, String... fragments) {
            return new Call(argv, List.of(fragments));
        }
    }

    @FunctionalInterface
    interface Setup {
        /** Makes the row's inputs under {@code dir} and returns what to run. */
        Call in(Path dir) throws Exception;
    }

    /**
     * One case. {@code afterProgress}: the command fails once its work has started, so its progress lines
     * (on stderr, as always) come before the one error line.
     */
    record Row(String name, int code, boolean afterProgress, Setup setup) {
        Row(String name, int code, Setup setup) {
            this(name, code, false, setup);
        }


        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    static void twoRunsWithTheSameSeed() throws IOException {
        data = PretrainCommandTest.writeIdx(shared.resolve("data"), 64, 16);
        runA = shared.resolve("a");
        runB = shared.resolve("b");
        for (Path run : List.of(runA, runB)) {
            CliRun r = CliRun.of(pretrain(run).toArray(new String[0]));
            assertEquals(0, r.code(), r.toString());
        }
    }

    /** A one-epoch run of two steps on the tiny dataset. */
    static List<String> pretrain(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("pretrain", "--dataset", "mnist", "--data", data.toString(), "--out", out.toString(),
                "--width", "4", "--mlp", "16-16", "--batch", "32", "--epochs", "1", "--log-every", "1", "--workers", "1", "--seed", "0"));
        a.addAll(List.of(more));
        return a;
    }

    static Stream<Row> rows() {
        return Stream.of(
                // errors thrown as Errors, and input that overflows the parser's stack
                new Row("config.json nested too deeply", 1, d -> {
                    Path run = copyRun(runA, d);
                    Files.writeString(RunDir.config(run), "[".repeat(200_000));
                    return Call.of(List.of("knn", "--run", run.toString()), RunDir.config(run).toString());
                }),
                new Row("safetensors header nested too deeply", 1, d -> {
                    byte[] header = "[".repeat(200_000).getBytes(StandardCharsets.US_ASCII);
                    ByteBuffer b = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).put(header);
                    Path w = Files.write(d.resolve("deep.safetensors"), b.array());
                    return Call.of(forward(d, w), "--weights " + w);
                }),
                // a run directory's config.json, checked field by field
                new Row("config.json without a dataset", 1, d -> {
                    Path run = editConfig(copyRun(runA, d), m -> {
                        m.remove("dataset");
                        return m;
                    });
                    return Call.of(List.of("knn", "--run", run.toString()), RunDir.config(run) + ": field 'dataset' is missing");
                }),
                new Row("config.json is an array", 1, d -> {
                    Path run = copyRun(runA, d);
                    Files.writeString(RunDir.config(run), "[1, 2, 3]\n");
                    return Call.of(List.of("linear-eval", "--run", run.toString()), RunDir.config(run) + ": expected a JSON object");
                }),
                new Row("config.json with a word for the batch size", 1, d -> {
                    Path run = editConfig(copyRun(runA, d), m -> {
                        m.put("batch", "big");
                        return m;
                    });
                    return Call.of(List.of("embed", "--run", run.toString(), "--out", d.resolve("f.npy").toString()),
                            RunDir.config(run) + ": field 'batch' must be a whole number");
                }),
                new Row("config.json with a blur probability of 2", 1, d -> {
                    Path run = editConfig(copyRun(runA, d), m -> {
                        view(m, "view2").put("blur_p", 2.0);
                        return m;
                    });
                    return Call.of(List.of("knn", "--run", run.toString()),
                            RunDir.config(run) + ": field 'augment.view2': blur probability must be in [0, 1], got 2.0");
                }),
                new Row("config.json normalising 3 channels of gray images", 1, d -> {
                    Path run = editConfig(copyRun(runA, d), m -> {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> n = (Map<String, Object>) ((Map<String, Object>) m.get("augment")).get("normalization");
                        n.put("mean", List.of(0.5, 0.5, 0.5));
                        n.put("std", List.of(0.2, 0.2, 0.2));
                        return m;
                    });
                    return Call.of(pretrain(run, "--resume"), RunDir.config(run) + ": field 'augment' makes 3-channel views of 28x28");
                }),
                // checkpoints checked against their run
                new Row("checkpoint claims 99 epochs of 1", 1, d -> {
                    Path run = editCheckpoint(copyRun(runA, d), m -> m.put("epochs_done", "99"));
                    return Call.of(pretrain(run, "--resume"), Checkpoint.file(run) + ": metadata 'epochs_done' is 99 but the run has 1 epochs");
                }),
                new Row("checkpoint steps inconsistent with its epochs", 1, d -> {
                    Path run = editCheckpoint(copyRun(runA, d), m -> m.put("steps", "7"));
                    return Call.of(pretrain(run, "--resume"), Checkpoint.file(run) + ": metadata 'steps' is 7 but 1 epochs of 2 steps make 2");
                }),
                new Row("checkpoint with a tensor of the wrong shape", 1, d -> {
                    Path run = copyRun(runA, d), f = Checkpoint.file(run);
                    Map<String, String> meta = SafeTensors.metadata(f);
                    Map<String, Tensor> state = new LinkedHashMap<>(SafeTensors.read(f));
                    String name = state.keySet().stream().filter(k -> k.startsWith("model.") && state.get(k).dim() == 4).findFirst().orElseThrow();
                    state.put(name, Tensor.of(state.get(name).toArray(), state.get(name).numel()));
                    SafeTensors.write(f, state, meta);
                    return Call.of(pretrain(run, "--resume"), f + ": ", name.substring("model.".length()));
                }),
                new Row("checkpoint copied from another run", 1, d -> {
                    Path run = copyRun(runA, d);
                    Files.copy(Checkpoint.file(runB), Checkpoint.file(run), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    return Call.of(pretrain(run, "--resume"), Checkpoint.file(run) + ": belongs to another run");
                }),
                new Row("checkpoint without the run id its config has", 1, d -> {
                    Path run = editCheckpoint(copyRun(runA, d), m -> m.remove(RunDir.RUN_ID));
                    return Call.of(pretrain(run, "--resume"), "belongs to another run (its run id is missing");
                }),
                // numbers that are finite in the file and not in float32 arithmetic
                new Row("loss of +-3e38 embeddings", 1, d -> {
                    float[] v = {3e38f, -3e38f, -3e38f, 3e38f, 3e38f, 3e38f};
                    float[] w = v.clone();
                    for (int i = 0; i < w.length; i++) w[i] = -w[i];
                    Path a = d.resolve("a.npy"), b = d.resolve("b.npy");
                    Npy.write(a, Tensor.of(v, 3, 2));
                    Npy.write(b, Tensor.of(w, 3, 2));
                    return Call.of(List.of("loss", "--a", a.toString(), "--b", b.toString(), "--grad-dir", d.resolve("grads").toString()),
                            "is not finite", "--a " + a);
                }),
                // weights a network cannot compute with, refused at load with the tensor's name
                new Row("forward with a NaN weight", 1, d -> {
                    Path w = torchvisionWeights(d, "conv1.weight", Float.NaN);
                    return Call.of(forward(d, w), "--weights " + w + ": tensor 'conv1.weight' holds a non-finite value (NaN)");
                }),
                new Row("forward with a negative running_var", 1, d -> {
                    Path w = torchvisionWeights(d, "bn1.running_var", -1f);
                    return Call.of(forward(d, w), "--weights " + w + ": tensor 'bn1.running_var' holds a negative variance");
                }),
                new Row("knn through a run's infinite backbone", 1, d -> {
                    Path run = copyRun(runA, d);
                    Map<String, Tensor> state = new LinkedHashMap<>(SafeTensors.read(RunDir.backbone(run)));
                    float[] v = state.get("layer1.0.conv1.weight").toArray();
                    v[3] = Float.POSITIVE_INFINITY;
                    state.put("layer1.0.conv1.weight", Tensor.of(v, state.get("layer1.0.conv1.weight").shape()));
                    SafeTensors.write(RunDir.backbone(run), state, SafeTensors.metadata(RunDir.backbone(runA)));
                    return Call.of(List.of("knn", "--run", run.toString()),
                            RunDir.backbone(run) + ": tensor 'layer1.0.conv1.weight' holds a non-finite value (Infinity)");
                }),
                // command-line mistakes: exit 2 before any work and before anything is created
                new Row("embed --labels-out an existing folder", 2, d -> {
                    Path run = copyRun(runA, d);
                    Files.createDirectory(d.resolve("labels"));
                    return Call.of(List.of("embed", "--run", run.toString(), "--out", d.resolve("f.npy").toString(),
                            "--labels-out", d.resolve("labels").toString()), "--labels-out " + d.resolve("labels") + " is a directory");
                }),
                new Row("pretrain --mlp abc", 2, d -> Call.of(pretrainWith(d, "--mlp", "abc"), "--mlp: bad expander spec 'abc'")),
                new Row("pretrain --workers -1", 2, d -> Call.of(pretrainWith(d, "--workers", "-1"), "--workers must be 0 or more")),
                new Row("pretrain --limit -1", 2, d -> Call.of(pretrainWith(d, "--limit", "-1"), "--limit must be 0 or more")),
                new Row("pretrain --out an existing file", 2, d -> {
                    Path f = Files.writeString(d.resolve("notes.txt"), "mine\n");
                    return Call.of(pretrain(f), "--out " + f + ": " + f + " is not a directory");
                }),
                // /proc/1 is a folder no process can create files in, root included
                new Row("loss --grad-dir in a folder that cannot be written", 2, d -> {
                    Path a = d.resolve("a.npy");
                    Npy.write(a, Tensor.of(new float[] {1, 2, 3, 5}, 2, 2));
                    return Call.of(List.of("loss", "--a", a.toString(), "--b", a.toString(), "--grad-dir", "/proc/1/grads"),
                            "--grad-dir /proc/1/grads", "cannot write in /proc/1");
                }),
                new Row("pretrain --out in a folder that cannot be written", 2,
                        d -> Call.of(pretrain(Path.of("/proc/1/run")), "--out /proc/1/run: cannot write in /proc/1")),
                new Row("knn --k more than the training images", 2, d -> {
                    Path run = copyRun(runA, d);
                    return Call.of(List.of("knn", "--run", run.toString(), "--k", "100000"), "--k 100000 is more than the 64 training images");
                }),
                new Row("pretrain --blur-kernel 4", 2,
                        d -> Call.of(pretrainWith(d, "--blur-kernel", "4"), "option --blur-kernel expects full or an odd size >= 3")),
                new Row("pretrain --blur-kernel larger than the images", 2,
                        d -> Call.of(pretrainWith(d, "--blur-kernel", "3/61"), "option --blur-kernel 3/61: a blur kernel of 61 reflects")),
                new Row("pretrain --solarize-p with three views", 2,
                        d -> Call.of(pretrainWith(d, "--solarize-p", "0/0.2/0.3"), "option --solarize-p expects a probability in [0, 1]")),
                new Row("pretrain --resume with another augmentation", 2, d -> {
                    Path run = copyRun(runA, d);
                    return Call.of(pretrain(run, "--resume", "--blur-p", "0.5", "--blur-kernel", "full"), "--blur-p (run: 1.0/0.1, given: 0.5)");
                }),
                new Row("pretrain --holdout of every image", 2,
                        d -> Call.of(pretrainWith(d, "--holdout", "64"), "--holdout 64 leaves no training images")),
                new Row("knn --holdout of images the run trained on", 2, d -> {
                    Path run = copyRun(runA, d);
                    return Call.of(List.of("knn", "--run", run.toString(), "--holdout", "8"),
                            "--holdout 8 would evaluate on images the run pre-trained on (its first 64 training images");
                }),
                new Row("knn --limit -1", 2, d -> {
                    Path run = copyRun(runA, d);
                    return Call.of(List.of("knn", "--run", run.toString(), "--limit", "-1"), "--limit must be 0 or more");
                }),
                // a failure before the first checkpoint leaves no run behind, so the same command can run again
                new Row("pretrain on a folder whose image is corrupt", 1, true, d -> {
                    Path root = d.resolve("images");
                    for (String split : List.of("train", "test")) {
                        for (String cls : List.of("a", "b")) {
                            Files.createDirectories(root.resolve(split).resolve(cls));
                            for (int i = 0; i < 2; i++) Files.writeString(root.resolve(split).resolve(cls).resolve(i + ".png"), "not a PNG");
                        }
                    }
                    return Call.of(List.of("pretrain", "--dataset", "folder", "--data", root.toString(), "--out", d.resolve("run").toString(),
                            "--width", "4", "--mlp", "16-16", "--batch", "2", "--epochs", "1", "--workers", "0"), root.toString());
                })
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void failsWithOneLineAndLeavesNothingBehind(Row row) throws Exception {
        Call call = row.setup().in(dir);
        Map<String, String> before = tree(dir);
        CliRun r = CliRun.of(call.argv().toArray(new String[0]));
        errorLine(r, row.afterProgress(), call.fragments());
        assertEquals(row.code(), r.code(), r.toString());
        assertEquals(before, tree(dir), "the row's folder is as it was: " + r.err());
    }

    /** Fails unless r failed with one error line (last, after any progress lines) holding every fragment. */
    static void errorLine(CliRun r, boolean afterProgress, List<String> fragments) {
        if (!afterProgress) {
            r.assertFails(fragments.toArray(new String[0]));
            return;
        }
        List<String> lines = r.err().lines().toList();
        new CliRun(r.code(), r.out(), lines.isEmpty() ? r.err() : lines.getLast() + "\n").assertFails(fragments.toArray(new String[0]));
        for (String l : lines.subList(0, lines.size() - 1)) {
            assertTrue(!l.startsWith("vicreg ") && !l.startsWith("\tat ") && !l.contains("Exception"), "a progress line: " + l);
        }
    }

    @Test
    void runsOfTheSameSeedHaveIdenticalBackbonesAndTheirOwnIds() throws IOException {
        assertArrayEquals(Files.readAllBytes(RunDir.backbone(runA)), Files.readAllBytes(RunDir.backbone(runB)));
        String a = RunDir.runId(runA), b = RunDir.runId(runB);
        assertTrue(a != null && a.matches("[0-9a-f]{32}"), a);
        assertNotEquals(a, b);
        assertEquals(a, SafeTensors.metadata(Checkpoint.file(runA)).get(RunDir.RUN_ID));
        assertFalse(SafeTensors.metadata(RunDir.backbone(runA)).containsKey(RunDir.RUN_ID));
    }

    @Test
    void aRunMadeBeforeRunIdsStillResumes() throws Exception {
        Path run = editConfig(editCheckpoint(copyRun(runA, dir), m -> m.remove(RunDir.RUN_ID)), m -> {
            m.remove(RunDir.RUN_ID);
            return m;
        });
        CliRun r = CliRun.of(pretrain(run, "--resume").toArray(new String[0]));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("resuming " + run + " after epoch 1 (step 2)"), r.err());
    }

    @Test
    void aPretrainThatFailedOnABadImageCanBeRunAgainWithoutResume() throws Exception {
        Path root = dir.resolve("images");
        Path bad = null;
        for (String cls : List.of("a", "b")) {
            Path folder = Files.createDirectories(root.resolve("train").resolve(cls));
            for (int i = 0; i < 2; i++) {
                var img = new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
                img.getRaster().setSample(i + 2, cls.equals("a") ? 1 : 5, 0, 200);
                javax.imageio.ImageIO.write(img, "png", folder.resolve(i + ".png").toFile());
            }
            bad = folder.resolve("1.png");
        }
        byte[] good = Files.readAllBytes(bad);
        Files.writeString(bad, "not a PNG");
        List<String> argv = List.of("pretrain", "--dataset", "folder", "--data", root.toString(), "--out", dir.resolve("run").toString(),
                "--width", "4", "--mlp", "16-16", "--batch", "2", "--epochs", "1", "--workers", "0");
        errorLine(CliRun.of(argv.toArray(new String[0])), true, List.of(bad.toString()));
        assertFalse(Files.exists(dir.resolve("run")), "nothing left of the failed run");
        Files.write(bad, good);
        CliRun r = CliRun.of(argv.toArray(new String[0]));
        assertEquals(0, r.code(), r.toString());
    }

    @Test
    void staleTemporaryFilesOfKilledWritesAreRemovedAndOutputsGetTheUmasksPermissions() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path out = Files.createDirectories(dir.resolve("grads"));
        Instant old = Instant.now().minusSeconds(24 * 3600);
        Path staleAtomic = touch(out.resolve(".grad_a.npy8125532.tmp"), old);
        Path staleStaged = touch(out.resolve(".grad_b.npy.partial-" + gone.pid() + "-1"), old);
        Path mine = touch(out.resolve("notes.tmp"), old);
        Path current = touch(out.resolve(".grad_a.npy.partial-" + ProcessHandle.current().pid() + "-7"), old);
        Path a = dir.resolve("a.npy");
        Npy.write(a, Tensor.of(new float[] {1, 2, 3, 5}, 2, 2));
        CliRun.of("loss", "--a", a.toString(), "--b", a.toString(), "--grad-dir", out.toString()).assertOk();
        assertFalse(Files.exists(staleAtomic) || Files.exists(staleStaged), "the killed writes' files are gone");
        assertTrue(Files.exists(mine) && Files.exists(current), "a file not of our pattern, and one of a live process, stay");
        assertTrue(Files.exists(out.resolve("grad_a.npy")) && Files.exists(out.resolve("grad_b.npy")));
        Path plain = Files.createFile(dir.resolve("plain")); // 0666 less the umask
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(out.resolve("grad_a.npy")),
                "outputs get the permissions of any new file, not a temporary file's 0600");
    }

    @Test
    void aReadOnlyOutputFolderIsRefusedBeforeTheWork() throws Exception {
        assumeFalse("root".equals(System.getProperty("user.name")), "root writes in read-only folders");
        Path ro = Files.createDirectories(dir.resolve("ro"));
        Path a = dir.resolve("a.npy");
        Npy.write(a, Tensor.of(new float[] {1, 2, 3, 5}, 2, 2));
        Files.setPosixFilePermissions(ro, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            CliRun r = CliRun.of("loss", "--a", a.toString(), "--b", a.toString(), "--grad-dir", ro.resolve("g").toString());
            r.assertFails("--grad-dir", "cannot write in " + ro);
            assertEquals(2, r.code());
            r = CliRun.of(pretrain(ro.resolve("run")).toArray(new String[0]));
            r.assertFails("--out", "cannot write in " + ro);
        } finally {
            Files.setPosixFilePermissions(ro, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static List<String> pretrainWith(Path d, String option, String value) {
        List<String> a = pretrain(d.resolve("run"));
        int at = a.indexOf(option);
        if (at >= 0) a.set(at + 1, value);
        else a.addAll(List.of(option, value));
        return a;
    }

    private static List<String> forward(Path d, Path weights) throws IOException {
        Path x = d.resolve("x.npy");
        Npy.write(x, Tensor.zeros(1, 3, 32, 32));
        return List.of("forward", "--arch", "resnet18", "--weights", weights.toString(), "--input", x.toString(),
                "--output", d.resolve("y.npy").toString());
    }

    /** torchvision ResNet-18 weights with the first value of {@code name} replaced. */
    private static Path torchvisionWeights(Path d, String name, float value) throws IOException {
        Map<String, Tensor> state = new LinkedHashMap<>(new ResNet(ResNet.Config.torchvision("resnet18"), new Rng(0)).stateDict());
        float[] v = state.get(name).toArray();
        v[0] = value;
        state.put(name, Tensor.of(v, state.get(name).shape()));
        return write(d.resolve("w.safetensors"), state);
    }

    private static Path write(Path file, Map<String, Tensor> state) throws IOException {
        SafeTensors.write(file, state, Map.of("format", "pt"));
        return file;
    }

    private static Path copyRun(Path run, Path d) throws IOException {
        Path copy = Files.createDirectories(d.resolve("run-copy"));
        try (var files = Files.list(run)) {
            for (Path f : files.toList()) Files.copy(f, copy.resolve(f.getFileName()));
        }
        return copy;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> view(Map<String, Object> config, String view) {
        return (Map<String, Object>) ((Map<String, Object>) config.get("augment")).get(view);
    }

    private static Path editConfig(Path run, UnaryOperator<Map<String, Object>> edit) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = new LinkedHashMap<>((Map<String, Object>) Json.parse(Files.readString(RunDir.config(run))));
        Files.writeString(RunDir.config(run), Json.write(edit.apply(m)) + "\n");
        return run;
    }

    private static Path editCheckpoint(Path run, java.util.function.Consumer<Map<String, String>> edit) throws IOException {
        Path f = Checkpoint.file(run);
        Map<String, String> meta = new LinkedHashMap<>(SafeTensors.metadata(f));
        edit.accept(meta);
        SafeTensors.write(f, SafeTensors.read(f), meta);
        return run;
    }

    private static Path touch(Path f, Instant modified) throws IOException {
        Files.write(f, new byte[] {0});
        Files.setLastModifiedTime(f, FileTime.from(modified));
        return f;
    }

    /** Every file under {@code root}: relative name to a digest of its bytes (folders as "dir"). */
    private static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (var all = Files.walk(root)) {
            for (Path p : all.toList()) {
                out.put(root.relativize(p).toString(), Files.isDirectory(p) ? "dir"
                        : Integer.toHexString(Arrays.hashCode(Files.readAllBytes(p))) + "/" + Files.size(p));
            }
        }
        return out;
    }
}
