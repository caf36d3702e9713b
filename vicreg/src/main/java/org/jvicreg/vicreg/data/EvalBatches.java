package org.jvicreg.vicreg.data;

import org.jvicreg.vicreg.augment.Normalization;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The plain evaluation pass: every image once, in dataset order, normalised, no augmentation, in
 * batches of {@code batchSize} (the last one smaller). For probes, kNN and embedding export.
 */
public final class EvalBatches implements Iterable<ImageBatch> {
    private final ImageDataset data;
    private final Normalization normalization;
    private final int batchSize;

    public EvalBatches(ImageDataset data, Normalization normalization, int batchSize) {
        if (normalization.channels() != data.channels()) {
            throw new IllegalArgumentException("normalization has " + normalization.channels() + " channels but "
                    + data.description() + " has " + data.channels());
        }
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        this.data = data;
        this.normalization = normalization;
        this.batchSize = batchSize;
    }

    /** Batches in one pass: the size divided by the batch size, rounded up. */
    public int batchCount() {
        return (data.size() + batchSize - 1) / batchSize;
    }

    /** Batch {@code k}: images {@code k * batchSize} onwards. */
    public ImageBatch batch(int k) {
        int start = k * batchSize;
        if (k < 0 || start >= data.size()) throw new IndexOutOfBoundsException("batch " + k + " outside 0.." + (batchCount() - 1));
        int n = Math.min(batchSize, data.size() - start);
        int per = data.imageSize(), pixels = data.height() * data.width();
        float[] images = new float[n * per];
        int[] labels = new int[n];
        for (int j = 0; j < n; j++) {
            data.image(start + j, images, j * per);
            normalization.apply(images, j * per, pixels);
            labels[j] = data.label(start + j);
        }
        return new ImageBatch(n, data.channels(), data.height(), data.width(), images, labels);
    }

    @Override
    public Iterator<ImageBatch> iterator() {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < batchCount();
            }

            @Override
            public ImageBatch next() {
                if (!hasNext()) throw new NoSuchElementException();
                return batch(next++);
            }
        };
    }
}
