package org.jvicreg.vicreg.cli;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.io.Json;
import org.jvicreg.nn.Module;
import org.jvicreg.vicreg.augment.AugmentConfig;
import org.jvicreg.vicreg.data.Datasets;
import org.jvicreg.vicreg.data.ImageDataset;
import org.jvicreg.vicreg.data.Split;
import org.jvicreg.vicreg.model.ResNet;
import org.jvicreg.vicreg.probe.Features;
import org.jvicreg.vicreg.probe.KnnProbe;
import org.jvicreg.vicreg.probe.LinearProbe;
import org.jvicreg.vicreg.train.PretrainConfig;
import org.jvicreg.vicreg.train.Pretrainer;
import org.jvicreg.vicreg.train.KnnMonitor;
import org.jvicreg.vicreg.train.RunDir;
import org.jvicreg.vicreg.train.SpectrumMonitor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code vicreg demo}: the whole story in a few minutes: pre-train on Fashion-MNIST, then compare a
 * randomly initialised backbone with the VICReg one under the linear and kNN probes.
 */
public final class DemoCommand implements Command {
    /** The kNN monitor's training images that vote and test images classified while the demo trains. */
    static final int KNN_BANK = 10_000, KNN_QUERIES = 2_000;

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "pre-train on Fashion-MNIST and compare random-init vs VICReg under linear and kNN probes";
    }

    @Override
    public Set<String> flags() {
        return Set.of();
    }

    @Override
    public String help() {
        return """
                usage: vicreg demo [options]

                Pre-trains ResNet-18 (width 16, small stem, expander 512-512-512, LARS, batch 256) with VICReg on
                Fashion-MNIST (Debian's dataset-fashion-mnist, which it installs with apt-get when it is missing and
                it runs as root or with password-less sudo), then measures the linear and kNN (k=20, T=0.07)
                top-1 accuracy on the 10,000 test images for a randomly initialised backbone and the pre-trained
                one, and prints a table. While it trains it watches the kNN accuracy of 2,000 test images against
                10,000 training images (before training and after every epoch) and the covariance spectra; at the end
                it draws a t-SNE map of 2,000 test images from the features it probed. The run directory keeps the
                report (report.html, every panel filled), the checkpoint, the spectra and the map.
                Recipe R (bench/RESULTS.md) is the same with --limit 0 --epochs 5.

                options:
                  --out RUN_DIR        where the run goes (default runs/demo; replaced if it holds a finished demo)
                  --limit N            pre-train and probe on the first N training images (default 20000; 0 = all)
                  --epochs E           pre-training epochs (default 2)
                  --probe-epochs P     linear probe epochs (default 100)
                  --seed S             seed (default 0)
                  --device D           cpu | cuda (default cpu)
                  --cuda-libs DIRS     cuda: directories holding libcublas.so.* / libcudnn.so.*,
                                       searched first (':'-separated; also JVICREG_CUDA_LIBS)
                """;
    }

    @Override
    public int run(Args a) throws Exception {
        Path out = a.path("out", Path.of("runs", "demo"));
        int limit = a.integer("limit", 20000);
        int epochs = a.positiveInteger("epochs", 2);
        int probeEpochs = a.positiveInteger("probe-epochs", 100);
        long seed = a.longValue("seed", 0);
        Device device = Device.of(a.device());
        a.finish();
        if (!Datasets.fashionMnistInstalled()) FashionMnistInstaller.forThisMachine(System.err).install();
        if (!Datasets.fashionMnistInstalled()) {
            throw new IOException("the demo trains on Fashion-MNIST, which is not installed at " + Datasets.DEBIAN_FASHION_MNIST
                    + "; install it with: " + DataArgs.INSTALL_FASHION_MNIST);
        }
        PrintStream log = System.err;
        long t0 = System.nanoTime();
        ImageDataset train = DataArgs.open("fashion-mnist", Datasets.DEBIAN_FASHION_MNIST, Split.TRAIN, limit);
        ImageDataset test = DataArgs.open("fashion-mnist", Datasets.DEBIAN_FASHION_MNIST, Split.TEST, 0);
        AugmentConfig aug = AugmentConfig.fashionMnist();
        // recipe R as `pretrain` defaults it, shortened: the demo follows every default of the command line
        PretrainConfig cfg = PretrainCommand.configFrom(Args.parse(new String[] {"--limit", Integer.toString(limit),
                "--epochs", Integer.toString(epochs), "--seed", Long.toString(seed)}, Set.of()));
        if (Files.isRegularFile(RunDir.config(out))) clear(out);
        Pretrainer.Summary s = new Pretrainer(cfg, train, aug, out, device, log)
                .monitorKnn(new KnnMonitor(1, train.limit(KNN_BANK), test.limit(KNN_QUERIES), aug.normalization(), 512))
                .monitorSpectra(SpectrumMonitor.firstImages(train, aug.normalization()))
                .run(false);
        double pretrainSeconds = (System.nanoTime() - t0) / 1e9;

        Map<String, double[]> rows = new LinkedHashMap<>();
        ResNet random = new ResNet(new ResNet.Config("resnet18", train.channels(), 16, true, true), new Rng(seed));
        random.to(device);
        rows.put("random init", probe(random, train, test, aug, device, probeEpochs, seed, log, "random init", f -> { }));
        ResNet trained = new ResNet(random.config(), new Rng(seed));
        org.jvicreg.nn.StateDicts.load(trained, RunDir.backbone(out), true);
        trained.to(device);
        Features[] testFeatures = new Features[1];
        rows.put("VICReg", probe(trained, train, test, aug, device, probeEpochs, seed, log, "VICReg", f -> testFeatures[0] = f));
        RunMap.fromFeatures(out, testFeatures[0], "fashion-mnist", RunMap.FASHION_MNIST, "tsne", RunMap.DEFAULT_POINTS, seed, log);
        RunDir.recordProbe(out, "linear_top1", rows.get("VICReg")[0]);
        RunDir.recordProbe(out, "knn_top1", rows.get("VICReg")[1]);
        RunDir.recordProbe(out, "linear_top1_random_init", rows.get("random init")[0]);
        RunDir.recordProbe(out, "knn_top1_random_init", rows.get("random init")[1]);
        double total = (System.nanoTime() - t0) / 1e9;

        System.out.println();
        System.out.printf(Locale.ROOT, "Fashion-MNIST, ResNet-18 (width 16), %s training images, %d epochs of VICReg (%.0f s)%n",
                limit > 0 ? Integer.toString(train.size()) : "all " + train.size(), epochs, pretrainSeconds);
        System.out.println();
        System.out.println("| backbone    | linear top-1 | kNN top-1 (k=20) |");
        System.out.println("|-------------|--------------|------------------|");
        rows.forEach((k, v) -> System.out.printf(Locale.ROOT, "| %-11s | %11.2f%% | %15.2f%% |%n", k, 100 * v[0], 100 * v[1]));
        System.out.println();
        System.out.printf(Locale.ROOT, "total time %.0f s; report: %s%n", total, RunDir.report(out).toAbsolutePath());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("linear_top1_random", rows.get("random init")[0]);
        r.put("knn_top1_random", rows.get("random init")[1]);
        r.put("linear_top1", rows.get("VICReg")[0]);
        r.put("knn_top1", rows.get("VICReg")[1]);
        r.put("final_loss", s.loss());
        r.put("seconds", total);
        System.out.println(Json.write(r));
        return 0;
    }

    private static double[] probe(Module backbone, ImageDataset train, ImageDataset test, AugmentConfig aug, Device device,
                                  int probeEpochs, long seed, PrintStream log, String what, Consumer<Features> testFeatures) {
        Features ftr = Features.extract(backbone, train, aug.normalization(), device, 512, log, what + " train");
        Features fte = Features.extract(backbone, test, aug.normalization(), device, 512, log, what + " test");
        testFeatures.accept(fte);
        double knn = KnnProbe.evaluate(ftr, fte, KnnProbe.K, KnnProbe.TEMPERATURE);
        double linear = LinearProbe.evaluate(ftr, fte, probeEpochs, seed, log);
        log.printf(Locale.ROOT, "%s: linear %.4f, kNN %.4f%n", what, linear, knn);
        return new double[] {linear, knn};
    }

    /** Removes a previous demo's files (only the ones a run writes). */
    private static void clear(Path run) throws IOException {
        for (Path p : new Path[] {RunDir.config(run), RunDir.metrics(run), RunDir.knn(run), RunDir.spectra(run), RunDir.map(run),
            RunDir.mapCoordinates(run), RunDir.backbone(run), RunDir.report(run), RunDir.probes(run),
            org.jvicreg.vicreg.train.Checkpoint.file(run)}) {
            Files.deleteIfExists(p);
        }
    }
}
