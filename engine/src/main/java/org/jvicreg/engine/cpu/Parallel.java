package org.jvicreg.engine.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * The CPU backend's one thread pool, sized to the cores (or the system property {@code jvicreg.threads}).
 * Work called from inside the pool runs inline, so nested parallel kernels never oversubscribe.
 */
public final class Parallel {
    private static final int THREADS = Math.max(1, Integer.getInteger("jvicreg.threads",
            Runtime.getRuntime().availableProcessors()));
    private static final ForkJoinPool POOL = new ForkJoinPool(THREADS, pool -> {
        var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        t.setName("jvicreg-cpu-" + t.getPoolIndex());
        t.setDaemon(true);
        return t;
    }, null, false);

    private Parallel() {}

    public static int threads() {
        return THREADS;
    }

    /** A half-open range [lo, hi) of work. */
    @FunctionalInterface
    public interface Range {
        void run(int lo, int hi);
    }

    /**
     * Runs body over [0, n) split into at most {@link #threads()} contiguous chunks of at least
     * {@code grain} items; the calling thread takes the first chunk.
     */
    public static void forRange(int n, int grain, Range body) {
        int chunks = (int) Math.min(THREADS, (n + (long) Math.max(1, grain) - 1) / Math.max(1, grain));
        if (chunks <= 1 || insidePool()) {
            if (n > 0) body.run(0, n);
            return;
        }
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[chunks - 1];
        for (int t = 1; t < chunks; t++) {
            int lo = (int) ((long) n * t / chunks), hi = (int) ((long) n * (t + 1) / chunks);
            tasks[t - 1] = POOL.submit(() -> body.run(lo, hi));
        }
        Throwable failure = null;
        try {
            body.run(0, (int) ((long) n / chunks));
        } catch (Throwable e) {
            failure = e;
        }
        for (ForkJoinTask<?> task : tasks) {
            try {
                task.join();
            } catch (Throwable e) {
                if (failure == null) failure = e;
            }
        }
        if (failure instanceof RuntimeException re) throw re;
        if (failure instanceof Error err) throw err;
        if (failure != null) throw new RuntimeException(failure);
    }

    /** Whether the current thread is one of this pool's workers (nested work then runs inline). */
    public static boolean insidePool() {
        return Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread w && w.getPool() == POOL;
    }

    /** Runs body(t) for t in [0, tasks) with one task per thread at most at a time; for per-thread workspaces. */
    public static void forEachTask(int tasks, java.util.function.IntConsumer body) {
        forRange(tasks, 1, (lo, hi) -> {
            for (int t = lo; t < hi; t++) body.accept(t);
        });
    }
}
