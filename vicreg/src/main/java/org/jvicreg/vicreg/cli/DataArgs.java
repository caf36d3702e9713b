package org.jvicreg.vicreg.cli;

import org.jvicreg.vicreg.augment.AugmentConfig;
import org.jvicreg.vicreg.augment.Normalization;
import org.jvicreg.vicreg.data.Datasets;
import org.jvicreg.vicreg.data.ImageDataset;
import org.jvicreg.vicreg.data.Split;
import org.jvicreg.vicreg.train.PretrainConfig;
import org.jvicreg.vicreg.train.RunDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opening the dataset a command names, with the errors a user needs when it is not there. */
final class DataArgs {
    static final String INSTALL_FASHION_MNIST = "sudo apt-get install " + FashionMnistInstaller.PACKAGE;

    private DataArgs() {}

    /** The folder to read: --data, or Debian's Fashion-MNIST folder for fashion-mnist. */
    static Path dataDir(String dataset, String data) {
        if (data != null) return Args.toPath("data", data);
        if (dataset.equals("fashion-mnist")) return Datasets.DEBIAN_FASHION_MNIST;
        throw new UsageException("--data DIR is required for dataset " + dataset);
    }

    static ImageDataset open(String dataset, Path dir, Split split, int limit) throws IOException {
        if (!Datasets.NAMES.contains(dataset)) {
            throw new UsageException("unknown dataset '" + dataset + "' (expected one of " + String.join(", ", Datasets.NAMES) + ")");
        }
        if (!Files.isDirectory(dir)) {
            String hint = dataset.equals("fashion-mnist") && dir.equals(Datasets.DEBIAN_FASHION_MNIST)
                    ? " (install Fashion-MNIST with: " + INSTALL_FASHION_MNIST + ")" : "";
            throw new IOException("data folder " + dir + " does not exist" + hint);
        }
        ImageDataset d = Datasets.open(dataset, dir, split);
        return limit > 0 ? d.limit(limit) : d;
    }

    /**
     * The images a run learns from with {@code --holdout} and {@code --limit}: the training split without
     * its last {@code holdout} images, then the first {@code limit} of those (0: all).
     */
    static ImageDataset training(ImageDataset split, int holdout, int limit) {
        checkHoldout(split, holdout);
        ImageDataset d = split.slice(0, split.size() - holdout);
        return limit > 0 ? d.limit(limit) : d;
    }

    /** The last {@code holdout} images of the training split: what probes evaluate on instead of the test split. */
    static ImageDataset heldOut(ImageDataset split, int holdout) {
        checkHoldout(split, holdout);
        return split.slice(split.size() - holdout, split.size());
    }

    private static void checkHoldout(ImageDataset split, int holdout) {
        if (holdout >= split.size()) {
            throw new UsageException("--holdout " + holdout + " leaves no training images: " + split.description() + " has "
                    + split.size());
        }
    }

    /**
     * The augmentation a run trains with: the one its config.json records, or for a run made before it was
     * recorded the dataset's preset of that time ({@link AugmentConfig#unrecorded}). A recorded one
     * must fit the data (its channels and the preset's size).
     */
    static AugmentConfig augment(Path runDir, PretrainConfig run, ImageDataset d) throws IOException {
        AugmentConfig preset = augment(run.dataset(), d), recorded = run.augment();
        if (recorded == null) return AugmentConfig.unrecorded(run.dataset(), preset);
        if (recorded.normalization().channels() != d.channels() || recorded.outHeight() != preset.outHeight()
                || recorded.outWidth() != preset.outWidth()) {
            throw new IOException(RunDir.config(runDir) + ": field 'augment' makes " + recorded.normalization().channels()
                    + "-channel views of " + recorded.outHeight() + "x" + recorded.outWidth() + ", but " + d.description()
                    + " gives " + d.channels() + "-channel images and views of " + preset.outHeight() + "x" + preset.outWidth());
        }
        return recorded;
    }

    /** The augmentation preset for a dataset (folders: the official pipeline at their size). */
    static AugmentConfig augment(String dataset, ImageDataset d) {
        if (dataset.equals("folder")) {
            Normalization n = d.channels() == 3 ? Normalization.IMAGENET : Normalization.identity(d.channels());
            return AugmentConfig.official(d.height()).withOutputSize(d.height(), d.width()).withNormalization(n);
        }
        return AugmentConfig.forDataset(dataset);
    }
}
