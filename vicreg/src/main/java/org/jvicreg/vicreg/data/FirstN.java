package org.jvicreg.vicreg.data;

/** The first {@code n} images of another dataset (the {@code --limit N} subset); keeps its class count. */
final class FirstN implements ImageDataset {
    private final ImageDataset base;
    private final int n;

    FirstN(ImageDataset base, int n) {
        this.base = base;
        this.n = n;
    }

    @Override public int size() { return n; }
    @Override public int channels() { return base.channels(); }
    @Override public int height() { return base.height(); }
    @Override public int width() { return base.width(); }
    @Override public int numClasses() { return base.numClasses(); }

    @Override
    public int label(int index) {
        checkIndex(index);
        return base.label(index);
    }

    @Override
    public void image(int index, float[] dst, int offset) {
        checkIndex(index);
        base.image(index, dst, offset);
    }

    @Override
    public String description() {
        return base.description() + ", first " + n;
    }
}
