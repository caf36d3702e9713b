package org.jvicreg.vicreg.train;

import org.jvicreg.engine.Rng;
import org.jvicreg.vicreg.data.ImageDataset;

/**
 * A tiny learnable dataset for trainer tests: 1 x 16 x 16 images of a bright square whose position is
 * the class (4 classes), plus noise. Deterministic from the seed; optionally poisoned with NaN pixels
 * after a number of reads (to test divergence handling).
 */
final class BlobDataset implements ImageDataset {
    static final int SIZE = 16;
    private final float[][] images;
    private final int[] labels;
    private final java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
    private final int nanAfterReads;

    BlobDataset(int n, long seed, int nanAfterReads) {
        this.nanAfterReads = nanAfterReads;
        images = new float[n][SIZE * SIZE];
        labels = new int[n];
        Rng rng = new Rng(seed);
        for (int i = 0; i < n; i++) {
            int c = i % 4;
            labels[i] = c;
            int y0 = (c / 2) * 8 + rng.nextInt(3), x0 = (c % 2) * 8 + rng.nextInt(3);
            for (int p = 0; p < SIZE * SIZE; p++) images[i][p] = 0.1f * rng.nextFloat();
            for (int y = y0; y < y0 + 5; y++) for (int x = x0; x < x0 + 5; x++) images[i][y * SIZE + x] = 0.8f + 0.2f * rng.nextFloat();
        }
    }

    BlobDataset(int n, long seed) {
        this(n, seed, Integer.MAX_VALUE);
    }

    @Override
    public int size() {
        return images.length;
    }

    @Override
    public int channels() {
        return 1;
    }

    @Override
    public int height() {
        return SIZE;
    }

    @Override
    public int width() {
        return SIZE;
    }

    @Override
    public int numClasses() {
        return 4;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public void image(int index, float[] dst, int offset) {
        System.arraycopy(images[index], 0, dst, offset, SIZE * SIZE);
        if (reads.incrementAndGet() > nanAfterReads) dst[offset] = Float.NaN;
    }

    @Override
    public String description() {
        return "blobs (" + images.length + " images, 1x16x16)";
    }
}
