package org.jvicreg.vicreg.data;

/**
 * How {@link TwoViewLoader} batches: {@code batchSize} images per batch; {@code workers} threads
 * decoding and augmenting (0: on the consumer's thread, for debugging); at most {@code prefetch}
 * batches made or in the making ahead of the consumer (the bounded queue); a fresh random order each
 * epoch when {@code shuffle}; the last incomplete batch dropped when {@code dropLast}; {@code seed}
 * fixing the order and every view. Batches do not depend on {@code workers} or {@code prefetch}.
 *
 * <p>Data-parallel training shards each batch: with {@code shards} processes, process {@code shard} gets
 * rows {@code [shard * b / shards, (shard + 1) * b / shards)} of the global batch of {@code b = batchSize},
 * the same images with the same views as the one-process batch, so training is the same function of the
 * seed whatever the number of processes.
 */
public record LoaderOptions(int batchSize, int workers, int prefetch, boolean shuffle, boolean dropLast, long seed,
                            int shard, int shards) {

    public LoaderOptions {
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        if (workers < 0) throw new IllegalArgumentException("workers must be non-negative, got " + workers);
        if (prefetch <= 0) throw new IllegalArgumentException("prefetch must be positive, got " + prefetch);
        if (shards < 1 || shard < 0 || shard >= shards) throw new IllegalArgumentException("shard " + shard + " of " + shards + " does not exist");
        if (shards > 1 && batchSize % shards != 0) {
            throw new IllegalArgumentException("the batch of " + batchSize + " does not split evenly over " + shards + " processes");
        }
        if (shards > 1 && !dropLast) throw new IllegalArgumentException("sharded batches need dropLast (every shard a full slice)");
    }

    /** One process's batches. */
    public LoaderOptions(int batchSize, int workers, int prefetch, boolean shuffle, boolean dropLast, long seed) {
        this(batchSize, workers, prefetch, shuffle, dropLast, seed, 0, 1);
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
        return new LoaderOptions(batchSize, value, prefetch, shuffle, dropLast, seed, shard, shards);
    }

    public LoaderOptions withPrefetch(int value) {
        return new LoaderOptions(batchSize, workers, value, shuffle, dropLast, seed, shard, shards);
    }

    public LoaderOptions withDropLast(boolean value) {
        return new LoaderOptions(batchSize, workers, prefetch, shuffle, value, seed, shard, shards);
    }

    /** Process {@code shard} of {@code shards}' slice of every batch. */
    public LoaderOptions withShard(int shard, int shards) {
        return new LoaderOptions(batchSize, workers, prefetch, shuffle, dropLast, seed, shard, shards);
    }

    /** The rows of each batch this process gets. */
    public int shardBatchSize() {
        return batchSize / shards;
    }

    /** Batches in an epoch of n samples: the last incomplete one dropped when {@code dropLast}. */
    public int batchesPerEpoch(int n) {
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }
}
