package org.jvicreg.vicreg.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Opens a dataset by the name the command line uses: {@code fashion-mnist}, {@code mnist} (IDX files),
 * {@code cifar10}, {@code cifar100} (binary batches) or {@code folder} (class folders; its size and
 * channels come from {@link FolderOptions}). Also knows where Debian's {@code dataset-fashion-mnist}
 * package puts Fashion-MNIST.
 */
public final class Datasets {
    /** Where Debian's {@code dataset-fashion-mnist} installs the four IDX files. */
    public static final Path DEBIAN_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
    /** The names {@link #open} accepts. */
    public static final List<String> NAMES = List.of("fashion-mnist", "mnist", "cifar10", "cifar100", "folder");

    /** Output size and channels of a {@code folder} dataset. */
    public record FolderOptions(int channels, int height, int width) {
        /** RGB at 224x224, as the official ImageNet pipeline. */
        public static final FolderOptions DEFAULT = new FolderOptions(3, 224, 224);
    }

    private Datasets() {}

    /** {@link #open(String, Path, Split, FolderOptions)} with {@link FolderOptions#DEFAULT} for folders. */
    public static ImageDataset open(String name, Path dir, Split split) throws IOException {
        return open(name, dir, split, FolderOptions.DEFAULT);
    }

    public static ImageDataset open(String name, Path dir, Split split, FolderOptions folder) throws IOException {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "fashion-mnist", "fashion_mnist", "fashionmnist", "mnist" -> IdxReader.read(dir, split);
            case "cifar10", "cifar-10" -> CifarReader.read(dir, split, CifarReader.Variant.CIFAR10);
            case "cifar100", "cifar-100" -> CifarReader.read(dir, split, CifarReader.Variant.CIFAR100);
            case "folder" -> ImageFolderDataset.open(dir, split, folder.channels(), folder.height(), folder.width());
            default -> throw new IllegalArgumentException("unknown dataset '" + name + "' (expected one of " + String.join(", ", NAMES) + ")");
        };
    }

    /** The installed Debian Fashion-MNIST folder, when it holds the training images. */
    public static boolean fashionMnistInstalled() {
        return Files.isRegularFile(DEBIAN_FASHION_MNIST.resolve("train-images-idx3-ubyte.gz"));
    }
}
