package org.jvicreg.vicreg.data;

import org.jvicreg.engine.Rng;
import org.jvicreg.vicreg.augment.AugmentConfig;
import org.jvicreg.vicreg.augment.SampleRng;
import org.jvicreg.vicreg.augment.ViewAugmenter;

import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes VICReg's training batches (two augmented, normalised views per image) on worker threads, ahead
 * of the training step. Reproducible: the epoch's order comes from (seed, epoch) and every sample's
 * views from (seed, epoch, dataset index) through {@link SampleRng}, and batches are delivered in
 * order, so the batches are the same whatever the number of workers or their scheduling.
 *
 * <pre>{@code
 * try (var loader = new TwoViewLoader(data, AugmentConfig.fashionMnist(), LoaderOptions.training(256, 1, seed))) {
 *     for (int epoch = 0; epoch < epochs; epoch++) {
 *         try (var batches = loader.epoch(epoch)) {          // loader.epoch(epoch, step) to resume
 *             while (batches.hasNext()) {
 *                 ViewBatch b = batches.next();
 *                 Tensor x = Tensor.of(b.view1(), b.shape()), y = Tensor.of(b.view2(), b.shape());
 *             }
 *         }
 *     }
 * }
 * }</pre>
 * At most {@code prefetch} batches are queued or being made at any time. A worker's exception is
 * rethrown by {@link Epoch#next()} as a {@link DataLoaderException}. {@link #close()} stops the
 * threads (they are daemons, so a forgotten loader never keeps the JVM alive).
 */
public final class TwoViewLoader implements AutoCloseable {
    private static final AtomicInteger LOADERS = new AtomicInteger();

    private final ImageDataset data;
    private final AugmentConfig config;
    private final LoaderOptions options;
    private final ExecutorService pool;
    private final String threadPrefix;
    private final ThreadLocal<Workspace> workspaces;
    /** The pool's threads, joined by close. */
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    public TwoViewLoader(ImageDataset data, AugmentConfig config, LoaderOptions options) {
        if (config.normalization().channels() != data.channels()) {
            throw new IllegalArgumentException("normalization has " + config.normalization().channels() + " channels but "
                    + data.description() + " has " + data.channels());
        }
        if (data.size() == 0) throw new IllegalArgumentException(data.description() + " has no images");
        this.data = data;
        this.config = config;
        this.options = options;
        this.threadPrefix = "vicreg-loader-" + LOADERS.incrementAndGet() + "-worker-";
        this.workspaces = ThreadLocal.withInitial(() -> new Workspace(data.imageSize()));
        if (options.workers() == 0) {
            pool = null;
        } else {
            AtomicInteger n = new AtomicInteger();
            pool = Executors.newFixedThreadPool(options.workers(), r -> {
                Thread t = new Thread(r, threadPrefix + n.getAndIncrement());
                t.setDaemon(true);
                threads.add(t);
                return t;
            });
        }
    }

    public ImageDataset dataset() {
        return data;
    }

    public AugmentConfig config() {
        return config;
    }

    public LoaderOptions options() {
        return options;
    }

    /** The name every worker thread's name starts with. */
    public String threadNamePrefix() {
        return threadPrefix;
    }

    /** Batches per epoch: {@code size / batch} with drop-last, else rounded up. */
    public int batchesPerEpoch() {
        return options.batchesPerEpoch(data.size());
    }

    /** The dataset indices of {@code epoch} in the order they are batched. */
    public int[] order(int epoch) {
        int[] order = new int[data.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        if (options.shuffle()) SampleRng.order(options.seed(), epoch).shuffle(order);
        return order;
    }

    /** All batches of {@code epoch}; work starts at once. */
    public Epoch epoch(int epoch) {
        return epoch(epoch, 0);
    }

    /** The batches of {@code epoch} from batch {@code firstStep} on (resuming mid-epoch). */
    public Epoch epoch(int epoch, int firstStep) {
        if (closed) throw new IllegalStateException("loader is closed");
        if (firstStep < 0 || firstStep > batchesPerEpoch()) {
            throw new IllegalArgumentException("first step " + firstStep + " outside 0.." + batchesPerEpoch());
        }
        return new Epoch(epoch, firstStep);
    }

    /** Batch {@code step} of {@code epoch}, made on the calling thread (what a worker computes). */
    public ViewBatch batch(int epoch, int step) {
        return makeBatch(epoch, step, order(epoch));
    }

    private ViewBatch makeBatch(int epoch, int step, int[] order) {
        int b = options.batchSize();
        int start = step * b + options.shard() * options.shardBatchSize();
        int n = options.shards() > 1 ? options.shardBatchSize() : Math.min(b, order.length - start);
        int c = data.channels(), oh = config.outHeight(), ow = config.outWidth(), per = c * oh * ow;
        float[] v1 = new float[n * per], v2 = new float[n * per];
        int[] labels = new int[n], indices = new int[n];
        Workspace ws = workspaces.get();
        for (int j = 0; j < n; j++) {
            int idx = order[start + j];
            data.image(idx, ws.source, 0);
            Rng rng = SampleRng.of(options.seed(), epoch, idx);
            ws.augmenter.twoViews(ws.source, 0, c, data.height(), data.width(), config, rng, v1, v2, j * per, true);
            labels[j] = data.label(idx);
            indices[j] = idx;
        }
        return new ViewBatch(epoch, step, n, c, oh, ow, v1, v2, labels, indices);
    }

    /** Stops the workers and waits for them to end (each finishes at most its current batch). */
    @Override
    public void close() {
        closed = true;
        if (pool == null) return;
        // batches queued but never started would leave a waiting consumer blocked: cancel them
        for (Runnable queued : pool.shutdownNow()) {
            if (queued instanceof Future<?> f) f.cancel(false);
        }
        // wait for the threads themselves: the pool reports termination before its last thread has exited
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try {
            boolean stopped = true;
            for (Thread t : threads) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left > 0) t.join(left);
                stopped &= !t.isAlive();
            }
            if (!stopped) throw new IllegalStateException("loader workers did not stop within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The batches of one epoch, in order. Keeps up to {@code prefetch} batches submitted to the
     * workers; closing it cancels those not yet taken.
     */
    public final class Epoch implements Iterator<ViewBatch>, AutoCloseable {
        private final int epoch;
        private final int[] order;
        private final int end;
        private final ArrayDeque<Future<ViewBatch>> inFlight = new ArrayDeque<>();
        private int nextToSubmit;
        private int nextToDeliver;

        private Epoch(int epoch, int firstStep) {
            this.epoch = epoch;
            this.order = order(epoch);
            this.end = batchesPerEpoch();
            this.nextToSubmit = firstStep;
            this.nextToDeliver = firstStep;
            fill();
        }

        /** The epoch number. */
        public int epoch() {
            return epoch;
        }

        /** The step of the next batch {@link #next()} returns. */
        public int nextStep() {
            return nextToDeliver;
        }

        @Override
        public boolean hasNext() {
            return nextToDeliver < end;
        }

        @Override
        public ViewBatch next() {
            if (!hasNext()) throw new NoSuchElementException("epoch " + epoch + " has " + end + " batches");
            if (closed) throw new IllegalStateException("loader is closed");
            int step = nextToDeliver;
            ViewBatch batch;
            if (pool == null) {
                batch = made(step);
            } else {
                Future<ViewBatch> f = inFlight.removeFirst();
                try {
                    batch = f.get();
                } catch (ExecutionException e) {
                    close();
                    throw failure(step, e.getCause());
                } catch (CancellationException e) {
                    close();
                    throw failure(step, e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    close();
                    throw failure(step, e);
                }
            }
            nextToDeliver++;
            fill();
            return batch;
        }

        private ViewBatch made(int step) {
            try {
                return makeBatch(epoch, step, order);
            } catch (RuntimeException | Error e) {
                throw failure(step, e);
            }
        }

        private DataLoaderException failure(int step, Throwable cause) {
            // an unreadable file's message names it already; anything else is a bug, named by its type
            String what = cause instanceof UncheckedIOException ? cause.getMessage() : cause.toString();
            return new DataLoaderException("epoch " + epoch + " batch " + step + " of " + data.description() + ": " + what, cause);
        }

        private void fill() {
            if (pool == null) return;
            while (nextToSubmit < end && inFlight.size() < options.prefetch()) {
                int step = nextToSubmit++;
                inFlight.addLast(pool.submit(() -> makeBatch(epoch, step, order)));
            }
        }

        /** Cancels the batches submitted but not taken. */
        @Override
        public void close() {
            for (Future<ViewBatch> f : inFlight) f.cancel(false);
            inFlight.clear();
            nextToSubmit = nextToDeliver = end;
        }
    }

    /** Per-thread buffers: the decoded source image and the augmenter's workspaces. */
    private static final class Workspace {
        final float[] source;
        final ViewAugmenter augmenter = new ViewAugmenter();

        Workspace(int imageSize) {
            this.source = new float[imageSize];
        }
    }
}
