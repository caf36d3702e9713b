package org.jvicreg.vicreg.cli;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.io.AtomicFile;
import org.jvicreg.nn.Module;
import org.jvicreg.nn.StateDicts;
import org.jvicreg.vicreg.augment.Normalization;
import org.jvicreg.vicreg.data.Datasets;
import org.jvicreg.vicreg.data.ImageDataset;
import org.jvicreg.vicreg.data.Split;
import org.jvicreg.vicreg.model.ResNet;
import org.jvicreg.vicreg.probe.Features;
import org.jvicreg.vicreg.train.PretrainConfig;
import org.jvicreg.vicreg.train.RunDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the probe commands (linear-eval, knn, embed) share: the backbone of a run (or a randomly
 * initialised one with --random-init), the data the run used (or --data/--dataset) and the frozen
 * features of its train and test splits.
 */
final class ProbeInputs {
    static final String HELP = """
              --run RUN_DIR        a pre-training run (its config picks the data and the architecture)
              --random-init        probe an untrained backbone instead (with --arch/--width, or the run's)
              --arch A --width W   architecture for --random-init without a run (default resnet18, 16)
              --stem S             small | imagenet | auto, for --random-init without a run (default auto)
              --dataset NAME --data DIR   data to probe on (default: the run's)
              --limit N            use only the first N training images for the probe (default: all)
              --seed S             seed for the random init and the probe (default 0)
              --device D           cpu | cuda (default cpu)
              --cuda-libs DIRS     cuda: directories holding libcublas.so.* / libcudnn.so.*,
                                   searched first (':'-separated; also JVICREG_CUDA_LIBS)
              --batch B            batch size of the feature pass (default 512)
            """;
    /** The option of the probes that can evaluate on held-out training images (linear-eval, knn). */
    static final String HOLDOUT_HELP = """
              --holdout N          train the probe on all but the last N training images and evaluate it on
                                   those instead of the test split (default: the run's --holdout, else 0)
            """;

    final Path run;
    final boolean randomInit;
    final Module backbone;
    final ImageDataset train, test;
    final Normalization norm;
    final Device device;
    final int batch;
    final long seed;
    /** The last training images the probe evaluates on instead of the test split (0: none). */
    final int holdout;

    private ProbeInputs(Path run, boolean randomInit, Module backbone, ImageDataset train, ImageDataset test,
                        Normalization norm, Device device, int batch, long seed, int holdout) {
        this.run = run;
        this.randomInit = randomInit;
        this.backbone = backbone;
        this.train = train;
        this.test = test;
        this.norm = norm;
        this.device = device;
        this.batch = batch;
        this.seed = seed;
        this.holdout = holdout;
    }

    /**
     * Reads the shared options, then (every option read, the caller's own first) rejects unknown ones
     * through {@link Args#finish()} before it opens the run, the data and the backbone. The splits are
     * the dataset's own (train and test).
     */
    static ProbeInputs from(Args a) throws IOException {
        return from(a, false);
    }

    /**
     * As {@link #from(Args)}, with {@code --holdout N} when {@code validation} is set: the probe trains on all
     * but the last N training images and evaluates on those; a run's probe defaults to the run's N.
     */
    static ProbeInputs from(Args a, boolean validation) throws IOException {
        Path run = a.path("run", null);
        boolean random = a.flag("random-init");
        long seed = a.longValue("seed", 0);
        String deviceName = a.device();
        int batch = a.positiveInteger("batch", 512);
        int limit = a.nonNegativeInteger("limit", 0);
        String datasetOption = a.choice("dataset", null, Datasets.NAMES);
        String dataArg = a.string("data", null);
        String archOption = a.choice("arch", null, ResNet.ARCHITECTURES);
        Integer widthOption = a.has("width") ? PretrainCommand.backboneWidth(a) : null;
        String stem = a.choice("stem", "auto", "auto", "small", "imagenet");
        boolean stemGiven = a.has("stem");
        Integer holdoutOption = validation && a.has("holdout") ? a.nonNegativeInteger("holdout", 0) : null;
        if (run == null && !random) throw new UsageException("give --run RUN_DIR, or --random-init to probe an untrained backbone");
        if (!random && (archOption != null || widthOption != null || stemGiven)) {
            throw new UsageException("--arch, --width and --stem go with --random-init (a run's backbone is what it was trained as)");
        }
        a.finish();

        Device device = Device.of(deviceName);
        PretrainConfig cfg = run == null ? null : RunDir.readConfig(run);
        if (run != null) AtomicFile.removeStale(run); // probes.json and report.html are written there
        if (run != null && !random && !Files.isRegularFile(RunDir.backbone(run))) {
            throw new IOException(run + " has no backbone.safetensors yet (the run has not finished an epoch)");
        }
        String dataset = datasetOption != null ? datasetOption : cfg != null ? cfg.dataset() : "fashion-mnist";
        Path dir = dataArg != null ? Args.toPath("data", dataArg)
                : cfg != null && dataset.equals(cfg.dataset()) ? Path.of(cfg.dataDir()) : DataArgs.dataDir(dataset, null);
        String arch = archOption != null ? archOption : cfg != null ? cfg.arch() : "resnet18";
        int width = widthOption != null ? widthOption : cfg != null ? cfg.width() : 16;
        boolean runData = cfg != null && dataset.equals(cfg.dataset()) && dir.equals(Path.of(cfg.dataDir()));
        int holdout = holdoutOption != null ? holdoutOption : validation && runData ? cfg.holdout() : 0;
        ImageDataset split = DataArgs.open(dataset, dir, Split.TRAIN, 0);
        ImageDataset train = DataArgs.training(split, holdout, limit);
        if (holdout > 0 && runData && !random) checkUnseen(cfg, split, holdout);
        ImageDataset test = holdout > 0 ? DataArgs.heldOut(split, holdout) : DataArgs.open(dataset, dir, Split.TEST, 0);
        boolean small = cfg != null && !stemGiven ? cfg.smallStem() : switch (stem) {
            case "small" -> true;
            case "imagenet" -> false;
            default -> !dataset.equals("folder");
        };
        ResNet backbone = new ResNet(new ResNet.Config(arch, train.channels(), width, small, true), new Rng(seed));
        if (!random) StateDicts.load(backbone, RunDir.backbone(run), true); // refuses NaN, infinities, negative variances
        backbone.to(device);
        // a run's probes see its images as it trained on them (its recorded normalisation)
        Normalization norm = (runData ? DataArgs.augment(run, cfg, train) : DataArgs.augment(dataset, train)).normalization();
        return new ProbeInputs(run, random, backbone, train, test, norm, device, batch, seed, holdout);
    }

    /** Refuses held-out images the run pre-trained on (a --holdout larger than the run's, where --limit did not spare them). */
    private static void checkUnseen(PretrainConfig cfg, ImageDataset split, int holdout) {
        int pretrained = split.size() - cfg.holdout();
        if (cfg.limit() > 0) pretrained = Math.min(pretrained, cfg.limit());
        if (split.size() - holdout < pretrained) {
            throw new UsageException("--holdout " + holdout + " would evaluate on images the run pre-trained on (its first "
                    + pretrained + " training images; the run's --holdout is " + cfg.holdout() + ")");
        }
    }

    Features features(Split split) {
        ImageDataset d = split == Split.TRAIN ? train : test;
        return Features.extract(backbone, d, norm, device, batch, System.err, split == Split.TEST && holdout > 0 ? "held-out" : split.toString());
    }

    /**
     * Stores a result in the run's probes.json (and report) when it probed the run's own backbone (a
     * held-out evaluation under KEY_holdout), and returns the command's JSON result: the key, and with
     * held-out images their number.
     */
    Map<String, Object> record(String key, double value) throws IOException {
        String stored = key + (randomInit ? "_random_init" : "") + (holdout > 0 ? "_holdout" : "");
        if (run != null) RunDir.recordProbe(run, stored, value);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put(key, value);
        if (holdout > 0) result.put("holdout", (long) holdout);
        return result;
    }
}
