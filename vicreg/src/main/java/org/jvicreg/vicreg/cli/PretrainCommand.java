package org.jvicreg.vicreg.cli;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.dist.Collective;
import org.jvicreg.engine.dist.Collectives;
import org.jvicreg.engine.io.Json;
import org.jvicreg.nn.DataParallel;
import org.jvicreg.vicreg.augment.AugmentConfig;
import org.jvicreg.vicreg.augment.Normalization;
import org.jvicreg.vicreg.data.Datasets;
import org.jvicreg.vicreg.data.ImageDataset;
import org.jvicreg.vicreg.data.LoaderOptions;
import org.jvicreg.vicreg.data.Split;
import org.jvicreg.vicreg.model.Expander;
import org.jvicreg.vicreg.model.ResNet;
import org.jvicreg.vicreg.probe.KnnProbe;
import org.jvicreg.vicreg.train.KnnMonitor;
import org.jvicreg.vicreg.train.PretrainConfig;
import org.jvicreg.vicreg.train.Pretrainer;
import org.jvicreg.vicreg.train.RunDir;
import org.jvicreg.vicreg.train.SpectrumMonitor;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code vicreg pretrain}: VICReg (or Barlow Twins, SimCLR, BYOL) pre-training into a run directory. */
public final class PretrainCommand implements Command {
    @Override
    public String name() {
        return "pretrain";
    }

    @Override
    public String summary() {
        return "pre-train a ResNet with VICReg (or Barlow Twins, SimCLR, BYOL) on unlabelled images";
    }

    @Override
    public Set<String> flags() {
        return Set.of("resume");
    }

    @Override
    public String help() {
        return """
                usage: vicreg pretrain --out RUN_DIR [options]

                Pre-trains backbone + expander with the VICReg loss (LARS, warm-up then cosine, two augmented
                views per image); --loss picks another objective (BYOL adds a predictor and a target network, a
                moving average of the online one, kept in the checkpoint under "target."). Writes
                RUN_DIR/config.json, checkpoint.safetensors (after every epoch, atomically), backbone.safetensors
                (torchvision names), metrics.jsonl, spectra.jsonl (covariance eigenvalues before training and after
                every epoch), map.json / map.npy and report.html.
                Progress goes to stderr; the last line on stdout is a JSON summary:
                {"epochs":...,"steps":...,"loss":...,"invariance":...,"variance":...,"covariance":...,"mean_std":...,"seconds":...}

                options (defaults are recipe R: Fashion-MNIST, ResNet-18 width 16):
                  --out RUN_DIR        run directory (required)
                  --resume             continue RUN_DIR from its last completed epoch (same config)
                  --dataset NAME       fashion-mnist | mnist | cifar10 | cifar100 | folder (default fashion-mnist)
                  --data DIR           dataset folder (default for fashion-mnist: /usr/share/datasets/fashion-mnist)
                  --limit N            use only the first N training images (default: all)
                  --holdout N          set the last N training images aside: never pre-trained on, and the
                                       run's probes (linear-eval, knn, --knn-every) evaluate on them instead of
                                       the test split (default 0)
                  --arch A             resnet18 | resnet34 | resnet50 (default resnet18)
                  --width W            base width: channels W/2W/4W/8W, at most 1024 (default 16; torchvision's is 64)
                  --stem S             small (3x3 stride 1, no max-pool) | imagenet | auto (small below 64 px; default auto)
                  --mlp SPEC           expander sizes (default 512-512-512; the paper's 8192-8192-8192)
                  --batch B            batch size (default 256)
                  --epochs E           epochs (default 5)
                  --base-lr LR         base learning rate, scaled by batch/256 (default 4.8 for VICReg on
                                       fashion-mnist, chosen on a validation split; 0.3 otherwise)
                  --warmup F           warm-up fraction of all steps (default 0.1)
                  --weight-decay WD    LARS weight decay (default 1e-6)
                  --loss L             vicreg | barlow (Barlow Twins) | simclr (NT-Xent) | byol (default vicreg); whatever
                                       the loss, the VICReg terms of the embeddings are logged as diagnostics
                  --sim C --std C --cov C   VICReg coefficients (default 25 25 1; --std 0 is the paper's ablation)
                  --lambd L            Barlow Twins off-diagonal weight (default 0.0051)
                  --temperature T      NT-Xent temperature (default 0.2)
                  --predictor-hidden H BYOL: the predictor's hidden width (Linear D-H, BatchNorm, ReLU, Linear H-D, D the
                                       expander's output; default the first width of --mlp)
                  --byol-momentum M    BYOL: the target network's base decay, rising to 1 on a cosine over the run
                                       (default 0.996); metrics.jsonl logs the current one as "tau"
                  --seed S             seed for init, order and augmentations (default 0)
                  --log-every K        write metrics every K steps (default 10)
                  --knn-every E        before training, every E epochs and after the last: the kNN top-1 accuracy
                                       (k = 20) of test (or held-out) images against training images, in
                                       knn.jsonl and report.html (default 0: off)
                  --knn-bank N         training images that vote (default 10000)
                  --knn-queries N      test (or held-out) images classified (default 2000)
                  --map M              pca | tsne | none: after training, a 2-D map of 2000 test images' features in
                                       map.json and report.html (default pca, a second or two; `vicreg report`
                                       draws t-SNE)
                  --workers N          data loader threads (default 1)
                  --device D           cpu | cuda (default cpu)
                  --dist D             auto | none | mpi | nccl (default auto: mpi when started by mpirun or srun, else
                                       one process). Data-parallel: --batch stays the global batch, split evenly over
                                       the ranks; the result is the same function of --seed whatever the rank count.
                                       Launch: mpirun -np N bin/vicreg pretrain --dist mpi ... (threads per rank default
                                       to the cores divided by the ranks on the machine; -Djvicreg.threads overrides)
                  --dist-timeout S     seconds a rank waits in a collective for the others before it gives up with an
                                       error (default 300; waits for rank 0's checkpoint, report and kNN: 10x that)
                  --cuda-libs DIRS     cuda: directories holding libcublas.so.* / libcudnn.so.*,
                                       searched first (':'-separated; also JVICREG_CUDA_LIBS)

                """ + AugmentArgs.HELP;
    }

    /** A pretrain command line, checked: everything {@link #run} needs before it touches a file. */
    record Options(Path out, boolean resume, String deviceName, String dist, int distTimeout, PretrainConfig given,
                   AugmentArgs augmentArgs, int knnEvery, int knnBank, int knnQueries, String map) {}

    /** Reads and checks every option (unknown ones included); a bad one is a {@link UsageException}. */
    static Options options(Args a) {
        Path out = a.requirePath("out");
        boolean resume = a.flag("resume");
        String deviceName = a.device();
        String dist = a.choice("dist", "auto", Collectives.KINDS);
        int distTimeout = a.positiveInteger("dist-timeout", 300);
        PretrainConfig given = configFrom(a);
        AugmentArgs augmentArgs = AugmentArgs.read(a);
        int knnEvery = a.nonNegativeInteger("knn-every", 0);
        int knnBank = a.positiveInteger("knn-bank", 10_000), knnQueries = a.positiveInteger("knn-queries", 2_000);
        if (knnBank < KnnProbe.K) throw new UsageException("--knn-bank must be at least k = " + KnnProbe.K + ", got " + knnBank);
        String map = a.choice("map", "pca", "pca", "tsne", "none");
        if (knnEvery == 0 && (a.has("knn-bank") || a.has("knn-queries"))) {
            throw new UsageException("--knn-bank and --knn-queries go with --knn-every E");
        }
        a.finish();
        if (dist.equals("nccl") && !deviceName.equals("cuda")) throw new UsageException("--dist nccl needs --device cuda");
        return new Options(out, resume, deviceName, dist, distTimeout, given, augmentArgs, knnEvery, knnBank, knnQueries, map);
    }

    @Override
    public int run(Args a) throws Exception {
        Options o = options(a);
        OutputFiles.checkFolder("out", o.out(), o.out());
        shareCoresWithLocalRanks(o.dist());
        oneGpuPerLocalRank(o.dist(), o.deviceName());
        try (Collective group = Collectives.open(o.dist(), Duration.ofSeconds(o.distTimeout()))) {
            return run(a, o.out(), o.resume(), o.deviceName(), o.given(), o.augmentArgs(), o.knnEvery(), o.knnBank(),
                    o.knnQueries(), o.map(), group);
        }
    }

    /**
     * Where a launcher started several ranks on this machine and no thread count was given, each rank's CPU
     * kernels get its share of the cores (before the CPU backend starts).
     */
    private static void shareCoresWithLocalRanks(String dist) {
        if (dist.equals("none") || System.getProperty("jvicreg.threads") != null || !Collectives.launchedByMpi()) return;
        int share = Math.max(1, Runtime.getRuntime().availableProcessors() / Collectives.localRanks());
        System.setProperty("jvicreg.threads", Integer.toString(share));
    }

    /**
     * Where a launcher started several ranks on this machine and no GPU was named ({@code -Djvicreg.cuda.device},
     * {@code JVICREG_CUDA_DEVICE}), rank i of the machine takes GPU i, as NCCL needs one GPU per rank.
     */
    private static void oneGpuPerLocalRank(String dist, String deviceName) {
        if (!deviceName.equals("cuda") || dist.equals("none") || !Collectives.launchedByMpi()) return;
        if (System.getProperty("jvicreg.cuda.device") != null || System.getenv("JVICREG_CUDA_DEVICE") != null) return;
        System.setProperty("jvicreg.cuda.device", Integer.toString(Collectives.localRank()));
    }

    private int run(Args a, Path out, boolean resume, String deviceName, PretrainConfig given, AugmentArgs augmentArgs,
                    int knnEvery, int knnBank, int knnQueries, String map, Collective group) throws Exception {
        Device device = Device.of(deviceName);
        PretrainConfig config = given;
        boolean continuing = resume && Files.isRegularFile(RunDir.config(out));
        if (continuing) {
            config = RunDir.readConfig(out);
            List<String> clashes = clashes(a, config, given);
            if (!clashes.isEmpty()) {
                throw new UsageException("--resume continues the run as configured in " + RunDir.config(out)
                        + "; these options differ from it: " + String.join(", ", clashes));
            }
            config = withWorkers(config, given.workers());
        } else if (!resume && Files.isRegularFile(RunDir.config(out))) {
            throw new UsageException(out + " already holds a run; pass --resume to continue it or choose another --out");
        }
        ImageDataset split = DataArgs.open(config.dataset(), Path.of(config.dataDir()), Split.TRAIN, 0);
        ImageDataset data = DataArgs.training(split, config.holdout(), config.limit());
        AugmentConfig augment;
        if (continuing) { // the recorded augmentation, whatever the options' defaults are now
            augment = DataArgs.augment(out, config, data);
            List<String> clashes = augmentArgs.clashes(augment);
            if (!clashes.isEmpty()) {
                throw new UsageException("--resume continues the run as configured in " + RunDir.config(out)
                        + "; these options differ from it: " + String.join(", ", clashes));
            }
        } else {
            augment = augmentArgs.applyTo(DataArgs.augment(config.dataset(), data));
        }
        PrintStream console = group.isRoot() ? System.err : new PrintStream(OutputStream.nullOutputStream());
        if (group.size() > 1) {
            console.println("data-parallel: " + group.describe() + ", " + Device.cpuThreads() + " CPU threads per rank");
            // every rank has checked the run directory before rank 0 writes into it
            group.barrier(group.timeout().multipliedBy(Pretrainer.SOLO_TIMEOUT_FACTOR));
        }
        Pretrainer trainer = new Pretrainer(config, data, augment, out, device, console)
                .distributed(group, DataParallel.DEFAULT_BUCKET_BYTES);
        if (knnEvery > 0) trainer.monitorKnn(knnMonitor(config, split, knnEvery, knnBank, knnQueries, augment.normalization()));
        trainer.monitorSpectra(SpectrumMonitor.firstImages(data, augment.normalization()));
        Pretrainer.Summary s = trainer.run(resume);
        if (group.isRoot()) {
            RunMap.afterTraining(out, config, map, config.seed(), device, System.err);
            System.out.println(Json.write(s.toMap()));
        }
        return 0;
    }

    /**
     * The first {@code bank} training images (whatever --limit says, never held-out ones) and the first
     * {@code queries} test images of the run's dataset, or of its held-out images with --holdout.
     */
    private static KnnMonitor knnMonitor(PretrainConfig config, ImageDataset trainSplit, int every, int bank, int queries,
                                         Normalization norm) throws IOException {
        ImageDataset test;
        if (config.holdout() > 0) {
            test = DataArgs.heldOut(trainSplit, config.holdout()).limit(queries);
        } else {
            try {
                test = DataArgs.open(config.dataset(), Path.of(config.dataDir()), Split.TEST, queries);
            } catch (IOException | IllegalArgumentException e) {
                throw new IOException("--knn-every needs the dataset's test split: " + e.getMessage(), e);
            }
        }
        return new KnnMonitor(every, DataArgs.training(trainSplit, config.holdout(), bank), test, norm, 512);
    }

    /** The most --width a backbone may have: 16 times torchvision's 64 (its last stage then has 8192 channels). */
    static final int MAX_WIDTH = 1024;

    /** --width, the backbone's base width: positive and at most {@link #MAX_WIDTH}, so channel counts cannot overflow. */
    static int backboneWidth(Args a) {
        int width = a.positiveInteger("width", 16);
        if (width > MAX_WIDTH) throw new UsageException("option --width must be at most " + MAX_WIDTH + ", got " + width);
        return width;
    }

    static PretrainConfig configFrom(Args a) {
        String dataset = a.choice("dataset", "fashion-mnist", Datasets.NAMES);
        Path dir = DataArgs.dataDir(dataset, a.string("data", null));
        String stem = a.choice("stem", "auto", "auto", "small", "imagenet");
        boolean small = switch (stem) {
            case "small" -> true;
            case "imagenet" -> false;
            default -> !dataset.equals("folder");
        };
        try {
            String mlp = a.string("mlp", "512-512-512");
            try {
                Expander.parse(mlp);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--mlp: " + e.getMessage());
            }
            String loss = a.choice("loss", "vicreg", PretrainConfig.LOSSES);
            if (!loss.equals("byol") && (a.has("predictor-hidden") || a.has("byol-momentum"))) {
                throw new UsageException("--predictor-hidden and --byol-momentum go with --loss byol");
            }
            return new PretrainConfig(dataset, dir.toString(), a.nonNegativeInteger("limit", 0),
                    a.choice("arch", "resnet18", ResNet.ARCHITECTURES), backboneWidth(a), small,
                    mlp, a.positiveInteger("batch", 256), a.positiveInteger("epochs", 5),
                    a.number("base-lr", PretrainConfig.defaultBaseLr(dataset, loss)), a.number("warmup", 0.1),
                    a.number("weight-decay", 1e-6),
                    loss, a.number("sim", 25), a.number("std", 25), a.number("cov", 1),
                    a.number("lambd", 0.0051), a.number("temperature", 0.2),
                    a.positiveInteger("predictor-hidden", PretrainConfig.defaultPredictorHidden(mlp)),
                    a.number("byol-momentum", PretrainConfig.BYOL_MOMENTUM),
                    a.longValue("seed", 0), a.positiveInteger("log-every", 10),
                    a.nonNegativeInteger("workers", LoaderOptions.defaultWorkers()), null, a.nonNegativeInteger("holdout", 0));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** Options given on a --resume command line whose values differ from the stored config. */
    private static List<String> clashes(Args a, PretrainConfig stored, PretrainConfig given) {
        Map<String, Object> s = stored.toMap(), g = given.toMap();
        String[][] keys = {{"dataset", "dataset"}, {"data", "data_dir"}, {"limit", "limit"}, {"holdout", "holdout"}, {"arch", "arch"}, {"width", "width"},
            {"stem", "small_stem"}, {"mlp", "mlp"}, {"batch", "batch"}, {"epochs", "epochs"}, {"base-lr", "base_lr"},
            {"warmup", "warmup_fraction"}, {"weight-decay", "weight_decay"}, {"loss", "loss"}, {"sim", "sim"}, {"std", "std"}, {"cov", "cov"},
            {"lambd", "lambd"}, {"temperature", "temperature"}, {"predictor-hidden", "predictor_hidden"}, {"byol-momentum", "byol_momentum"},
            {"seed", "seed"}, {"log-every", "log_every"}};
        List<String> out = new ArrayList<>();
        for (String[] k : keys) {
            if (a.has(k[0]) && !String.valueOf(s.get(k[1])).equals(String.valueOf(g.get(k[1])))) {
                out.add("--" + k[0] + " (run: " + s.get(k[1]) + ", given: " + g.get(k[1]) + ")");
            }
        }
        return out;
    }

    private static PretrainConfig withWorkers(PretrainConfig c, int workers) {
        return new PretrainConfig(c.dataset(), c.dataDir(), c.limit(), c.arch(), c.width(), c.smallStem(), c.mlp(), c.batch(),
                c.epochs(), c.baseLr(), c.warmupFraction(), c.weightDecay(), c.loss(), c.sim(), c.std(), c.cov(), c.lambd(),
                c.temperature(), c.predictorHidden(), c.byolMomentum(), c.seed(), c.logEvery(), workers, c.augment(), c.holdout());
    }
}
