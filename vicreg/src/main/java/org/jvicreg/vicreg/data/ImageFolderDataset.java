package org.jvicreg.vicreg.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Images in class folders, read lazily (decoded on the loader's workers, so a large folder costs no
 * memory up front). Layout, as torchvision's ImageFolder under a split folder:
 * <pre>
 * ROOT/train/&lt;class&gt;/&lt;image&gt;.png|jpg|jpeg|bmp|gif
 * ROOT/test/&lt;class&gt;/...        (or ROOT/val/)
 * </pre>
 * Classes are the sub-folder names of {@code train/} in sorted order (so both splits share indices; a
 * test class unknown to {@code train/} is an error); files are taken in sorted name order; other
 * files are ignored. Each image is resized (shorter side, then centre crop) and converted to the
 * configured size and channel count, see {@link ImageDecoding}.
 */
public final class ImageFolderDataset extends AbstractImageDataset {
    private final Path[] files;
    private final List<String> classNames;

    private ImageFolderDataset(Path[] files, int[] labels, List<String> classNames, int channels, int height, int width,
                               String description) {
        super(labels, channels, height, width, classNames.size(), description);
        this.files = files;
        this.classNames = classNames;
    }

    /**
     * Lists {@code root}'s split folder; images come out as {@code channels} (1 or 3) x height x width.
     * Throws naming what was expected when the layout is wrong or a class folder has no images.
     */
    public static ImageFolderDataset open(Path root, Split split, int channels, int height, int width) throws IOException {
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("image folder: channels must be 1 or 3, got " + channels);
        if (height <= 0 || width <= 0) throw new IllegalArgumentException("image folder: size must be positive, got " + height + "x" + width);
        String layout = "expected " + root + "/train/<class>/<image> and " + root + "/test/<class>/<image>, images being "
                + String.join(", ", ImageDecoding.EXTENSIONS) + " files";
        if (!Files.isDirectory(root)) throw new IOException(root + ": no such directory (" + layout + ")");
        Path trainDir = root.resolve("train");
        Path splitDir = split == Split.TRAIN ? trainDir
                : Files.isDirectory(root.resolve("test")) ? root.resolve("test") : root.resolve("val");
        if (!Files.isDirectory(splitDir)) {
            throw new IOException(root + ": no " + (split == Split.TRAIN ? "train/" : "test/ or val/") + " folder (" + layout + ")");
        }
        List<String> classes = classFolders(Files.isDirectory(trainDir) ? trainDir : splitDir, layout);
        List<String> present = classFolders(splitDir, layout);
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (String name : present) {
            int label = classes.indexOf(name);
            if (label < 0) {
                throw new IOException(splitDir.resolve(name) + ": class folder not present in " + trainDir
                        + " (both splits must use the training classes " + classes + ")");
            }
            List<Path> images = imagesIn(splitDir.resolve(name));
            if (images.isEmpty()) {
                throw new IOException(splitDir.resolve(name) + ": no images (expected " + String.join(", ", ImageDecoding.EXTENSIONS) + " files)");
            }
            for (Path p : images) {
                files.add(p);
                labels.add(label);
            }
        }
        int[] l = labels.stream().mapToInt(Integer::intValue).toArray();
        String description = "image folder " + splitDir + " (" + l.length + " images, " + classes.size() + " classes, "
                + channels + "x" + height + "x" + width + ")";
        return new ImageFolderDataset(files.toArray(Path[]::new), l, List.copyOf(classes), channels, height, width, description);
    }

    private static List<String> classFolders(Path dir, String layout) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (Files.isDirectory(p) && !name.startsWith(".")) names.add(name);
            }
        }
        if (names.isEmpty()) throw new IOException(dir + ": no class folders (" + layout + ")");
        names.sort(null);
        return names;
    }

    private static List<Path> imagesIn(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) if (ImageDecoding.isImageFile(p)) out.add(p);
        }
        out.sort(null);
        return out;
    }

    /** The class names, index = label. */
    public List<String> classNames() {
        return classNames;
    }

    /** The file behind image {@code index}. */
    public Path file(int index) {
        return files[index];
    }

    /** Decodes the file; an unreadable one throws {@link UncheckedIOException} naming it and the image index. */
    @Override
    public void image(int index, float[] dst, int offset) {
        checkIndex(index);
        try {
            ImageDecoding.decode(files[index], channels(), height(), width(), dst, offset);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage() + " (image " + index + " of " + description() + ")", e);
        }
    }
}
