package org.jvicreg.vicreg.data;

/**
 * Some images of another dataset, by index, renumbered from 0: a range ({@link #range}: the {@code --limit N}
 * subset, the parts of a {@code --holdout N} split) or any chosen ones (a sample to draw); keeps its class count.
 */
final class Subset implements ImageDataset {
    private final ImageDataset base;
    private final int[] indices;
    private final String what;

    /** {@code indices} into {@code base}, each checked; {@code what} ends the description ("first 100"). */
    Subset(ImageDataset base, int[] indices, String what) {
        for (int i : indices) base.checkIndex(i);
        this.base = base;
        this.indices = indices.clone();
        this.what = what;
    }

    /** Images {@code from .. to - 1} of {@code base}, described as "first N", "last N" or "images A..B". */
    static Subset range(ImageDataset base, int from, int to) {
        if (from < 0 || to < from || to > base.size()) {
            throw new IllegalArgumentException("images " + from + ".." + (to - 1) + " are not a range of the " + base.size()
                    + " images of " + base.description());
        }
        int n = to - from;
        String what = from == 0 ? "first " + n : to == base.size() ? "last " + n : "images " + from + ".." + (to - 1);
        return new Subset(base, java.util.stream.IntStream.range(from, to).toArray(), what);
    }

    @Override public int size() { return indices.length; }
    @Override public int channels() { return base.channels(); }
    @Override public int height() { return base.height(); }
    @Override public int width() { return base.width(); }
    @Override public int numClasses() { return base.numClasses(); }

    @Override
    public int label(int index) {
        checkIndex(index);
        return base.label(indices[index]);
    }

    @Override
    public void image(int index, float[] dst, int offset) {
        checkIndex(index);
        base.image(indices[index], dst, offset);
    }

    @Override
    public String description() {
        return base.description() + ", " + what;
    }
}
