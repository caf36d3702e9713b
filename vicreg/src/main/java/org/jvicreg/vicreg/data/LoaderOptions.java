package org.jvicreg.vicreg.data;

/**
 * How {@link TwoViewLoader} batches: {@code batchSize} images per batch; {@code workers} threads
 * decoding and augmenting (0: on the consumer's thread, for debugging); at most {@code prefetch}
 * batches made or in the making ahead of the consumer (the bounded queue); a fresh random order each
 * epoch when {@code shuffle}; the last incomplete batch dropped when {@code dropLast}; {@code seed}
 * fixing the order and every view. Batches do not depend on {@code workers} or {@code prefetch}.
 */
public record LoaderOptions(int batchSize, int workers, int prefetch, boolean shuffle, boolean dropLast, long seed) {

    public LoaderOptions {
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        if (workers < 0) throw new IllegalArgumentException("workers must be non-negative, got " + workers);
        if (prefetch <= 0) throw new IllegalArgumentException("prefetch must be positive, got " + prefetch);
    }

    /**
     * Shuffled, last partial batch dropped (as the official training loop), {@code workers} threads and
     * two batches in flight per worker.
     */
    public static LoaderOptions training(int batchSize, int workers, long seed) {
        return new LoaderOptions(batchSize, workers, 2 * Math.max(1, workers), true, true, seed);
    }

    /** A reasonable default worker count: a quarter of the cores, at least one (training needs the rest). */
    public static int defaultWorkers() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 4);
    }

    public LoaderOptions withWorkers(int value) {
        return new LoaderOptions(batchSize, value, prefetch, shuffle, dropLast, seed);
    }

    public LoaderOptions withPrefetch(int value) {
        return new LoaderOptions(batchSize, workers, value, shuffle, dropLast, seed);
    }

    public LoaderOptions withDropLast(boolean value) {
        return new LoaderOptions(batchSize, workers, prefetch, shuffle, value, seed);
    }

    /** Batches in an epoch of n samples: the last incomplete one dropped when {@code dropLast}. */
    public int batchesPerEpoch(int n) {
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }
}
