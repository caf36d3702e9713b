package org.jvicreg.vicreg.data;

/**
 * Images {@code from .. to - 1} of another dataset, renumbered from 0: the {@code --limit N} subset (the
 * first N) and the {@code --holdout N} parts (all but the last N, and the last N). Keeps the class count.
 */
final class Slice implements ImageDataset {
    private final ImageDataset base;
    private final int from, n;

    Slice(ImageDataset base, int from, int to) {
        if (from < 0 || to < from || to > base.size()) {
            throw new IllegalArgumentException("images " + from + ".." + (to - 1) + " are not a range of the " + base.size()
                    + " images of " + base.description());
        }
        this.base = base;
        this.from = from;
        this.n = to - from;
    }

    @Override public int size() { return n; }
    @Override public int channels() { return base.channels(); }
    @Override public int height() { return base.height(); }
    @Override public int width() { return base.width(); }
    @Override public int numClasses() { return base.numClasses(); }

    @Override
    public int label(int index) {
        checkIndex(index);
        return base.label(from + index);
    }

    @Override
    public void image(int index, float[] dst, int offset) {
        checkIndex(index);
        base.image(from + index, dst, offset);
    }

    @Override
    public String description() {
        if (from == 0) return base.description() + ", first " + n;
        return base.description() + (from + n == base.size() ? ", last " + n : ", images " + from + ".." + (from + n - 1));
    }
}
