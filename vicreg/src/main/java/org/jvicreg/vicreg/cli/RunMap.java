package org.jvicreg.vicreg.cli;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Rng;
import org.jvicreg.nn.StateDicts;
import org.jvicreg.vicreg.data.ImageDataset;
import org.jvicreg.vicreg.data.ImageFolderDataset;
import org.jvicreg.vicreg.data.Split;
import org.jvicreg.vicreg.model.ResNet;
import org.jvicreg.vicreg.probe.Features;
import org.jvicreg.vicreg.train.PretrainConfig;
import org.jvicreg.vicreg.train.Report;
import org.jvicreg.vicreg.train.RunDir;
import org.jvicreg.vicreg.viz.RepresentationMap;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A run's 2-D map of test images (RUN_DIR/map.json and map.npy), as {@code report}, {@code pretrain} and
 * {@code demo} draw it: a sample of the test split drawn from the seed, through the run's backbone in eval
 * mode, then t-SNE or PCA ({@link RepresentationMap}).
 */
final class RunMap {
    static final int DEFAULT_POINTS = 2000, MAX_POINTS = 20_000;
    static final double DEFAULT_PERPLEXITY = 30;

    private RunMap() {}

    /** Draws the map of {@code points} test images through the run's backbone and stores it in the run. */
    static RepresentationMap draw(Path run, PretrainConfig cfg, String method, int points, double perplexity, long seed,
                                  Device device, int batch, PrintStream log) throws IOException {
        if (!Files.isRegularFile(RunDir.backbone(run))) {
            throw new IOException(run + " has no backbone.safetensors yet (the run has not finished an epoch); --map none "
                    + "writes the report without a new map");
        }
        ImageDataset test;
        try {
            test = DataArgs.open(cfg.dataset(), Path.of(cfg.dataDir()), Split.TEST, 0);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException("the map needs the dataset's test split (--map none goes without): " + e.getMessage(), e);
        }
        int[] indices = RepresentationMap.sample(test.size(), points, seed);
        ResNet backbone = new ResNet(new ResNet.Config(cfg.arch(), test.channels(), cfg.width(), cfg.smallStem(), true), new Rng(cfg.seed()));
        StateDicts.load(backbone, RunDir.backbone(run), true); // refuses NaN, infinities, negative variances
        backbone.to(device);
        Features f = Features.extract(backbone, test.select(indices), DataArgs.augment(cfg.dataset(), test).normalization(), device,
                batch, log, "map");
        return store(run, f, indices, method, perplexity, seed, classNames(cfg.dataset(), test), cfg.dataset(), log);
    }

    /** The map of {@code points} of the test features {@code all} already computed (the demo's), stored in the run. */
    static RepresentationMap fromFeatures(Path run, Features all, String dataset, List<String> names, String method, int points,
                                          long seed, PrintStream log) throws IOException {
        int[] indices = RepresentationMap.sample(all.n(), points, seed);
        float[] rows = new float[indices.length * all.dim()];
        int[] labels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(all.values(), indices[i] * all.dim(), rows, i * all.dim(), all.dim());
            labels[i] = all.labels()[indices[i]];
        }
        Features f = new Features(rows, labels, indices.length, all.dim(), all.numClasses());
        return store(run, f, indices, method, DEFAULT_PERPLEXITY, seed, names, dataset, log);
    }

    private static RepresentationMap store(Path run, Features f, int[] indices, String method, double perplexity, long seed,
                                           List<String> names, String dataset, PrintStream log) throws IOException {
        String source = String.format(Locale.ROOT, "%s test images, backbone features (%d-d)", dataset, f.dim());
        RepresentationMap m = RepresentationMap.compute(method, f.values(), f.n(), f.dim(), f.labels(), indices, names, perplexity, seed,
                Map.of("source", source));
        m.write(RunDir.map(run), RunDir.mapCoordinates(run));
        log.printf(Locale.ROOT, "map: %s of %d test images in %.1f s -> %s%n", method.equals("tsne") ? "t-SNE" : "PCA", m.size(),
                ((Number) m.info().get("seconds")).doubleValue(), RunDir.map(run));
        return m;
    }

    /**
     * After pretrain: the map by {@code method} ("none": no map), then the report again. A missing test split
     * or another failure of the map is a warning: the training it follows stands.
     */
    static void afterTraining(Path run, PretrainConfig cfg, String method, long seed, Device device, PrintStream log) throws IOException {
        if (method.equals("none")) return;
        try {
            draw(run, cfg, method, DEFAULT_POINTS, DEFAULT_PERPLEXITY, seed, device, 512, log);
        } catch (IOException | IllegalArgumentException | UncheckedIOException e) {
            log.println("warning: no map of the test set: " + e.getMessage());
            return;
        }
        Report.refresh(run);
    }

    static final List<String> FASHION_MNIST = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
            "Bag", "Ankle boot");
    static final List<String> CIFAR10 = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

    /** The class names of a dataset where they are known (an image folder's are its sub-folders), else "class i". */
    static List<String> classNames(String dataset, ImageDataset d) {
        List<String> known = switch (dataset) {
            case "fashion-mnist" -> FASHION_MNIST;
            case "cifar10" -> CIFAR10;
            case "folder" -> d instanceof ImageFolderDataset f ? f.classNames() : null;
            default -> null;
        };
        if (known != null && known.size() == d.numClasses()) return known;
        List<String> out = new ArrayList<>();
        for (int c = 0; c < d.numClasses(); c++) out.add(dataset.equals("mnist") ? Integer.toString(c) : "class " + c);
        return out;
    }
}
