package org.jvicreg.vicreg.cli;

import org.jvicreg.vicreg.augment.AugmentConfig;
import org.jvicreg.vicreg.augment.Normalization;
import org.jvicreg.vicreg.data.Datasets;
import org.jvicreg.vicreg.data.ImageDataset;
import org.jvicreg.vicreg.data.Split;

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

    /** The augmentation preset for a dataset (folders: the official pipeline at their size). */
    static AugmentConfig augment(String dataset, ImageDataset d) {
        if (dataset.equals("folder")) {
            Normalization n = d.channels() == 3 ? Normalization.IMAGENET : Normalization.identity(d.channels());
            return AugmentConfig.official(d.height()).withOutputSize(d.height(), d.width()).withNormalization(n);
        }
        return AugmentConfig.forDataset(dataset);
    }
}
