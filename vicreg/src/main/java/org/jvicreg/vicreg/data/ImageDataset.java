package org.jvicreg.vicreg.data;

/**
 * A labelled set of equally sized images, read by index. Images come out as CHW floats in [0, 1]
 * ({@code channels() * height() * width()} values), labels as class indices in
 * {@code 0 .. numClasses() - 1}. Implementations are safe for concurrent reads from loader workers.
 */
public interface ImageDataset {

    int size();

    int channels();

    int height();

    int width();

    int numClasses();

    /** The class of image {@code index}. */
    int label(int index);

    /**
     * Writes image {@code index} as CHW floats in [0, 1] into {@code dst} at {@code offset}. A reader
     * that decodes lazily throws {@link java.io.UncheckedIOException} naming the file when it cannot.
     */
    void image(int index, float[] dst, int offset);

    /** A short description for logs: the source, split, size and shape. */
    String description();

    /** Image {@code index} in a new array. */
    default float[] image(int index) {
        float[] out = new float[imageSize()];
        image(index, out, 0);
        return out;
    }

    /** Values per image: {@code channels() * height() * width()}. */
    default int imageSize() {
        return channels() * height() * width();
    }

    /** The first {@code n} images (all of them when {@code n >= size()}): the {@code --limit N} subset. */
    default ImageDataset limit(int n) {
        if (n < 0) throw new IllegalArgumentException("limit must be non-negative, got " + n);
        return n >= size() ? this : slice(0, n);
    }

    /** Images {@code from .. to - 1}, renumbered from 0 (the parts of a {@code --holdout N} split). */
    default ImageDataset slice(int from, int to) {
        if (from == 0 && to == size()) return this;
        return Subset.range(this, from, to);
    }

    /** The images at {@code indices}, in that order (each index checked). */
    default ImageDataset select(int[] indices) {
        return new Subset(this, indices, indices.length + " chosen");
    }

    /** Throws {@link IndexOutOfBoundsException} unless {@code 0 <= index < size()}. */
    default void checkIndex(int index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException("image " + index + " out of range 0.." + (size() - 1) + " of " + description());
        }
    }
}
