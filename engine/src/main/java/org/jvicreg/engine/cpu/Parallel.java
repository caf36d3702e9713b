package org.jvicreg.engine.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The CPU backend's threads: the calling thread and a team of {@code threads() - 1} workers, sized to the cores
 * (or the system property {@code jvicreg.threads}). Work called from inside the team runs inline, so nested
 * parallel kernels never oversubscribe.
 *
 * <p>A network's forward pass is a few hundred short parallel ranges (a batch-1 ResNet-50 layer takes 0.1-2 ms),
 * and waking a parked thread costs tens of microseconds or more in a VM. So a worker that has finished its
 * chunk spins for {@link #SPIN_NANOS} (property {@code jvicreg.spin.us}, microseconds; 200 unless there are
 * more threads than cores) watching for the next range before it parks, as OpenMP runtimes do, and the
 * caller spins as long while it waits for the workers' chunks.
 * One range runs on the team at a time: a thread that finds it busy runs its own range's chunks itself, the
 * same chunks in order. Chunks are fixed by the range's size and the thread count alone, so the sums come
 * out the same whoever runs them.
 */
public final class Parallel {
    private static final int THREADS = Math.max(1, Integer.getInteger("jvicreg.threads",
            Runtime.getRuntime().availableProcessors()));
    /** More threads than cores: a spinning worker would only take a core from one with work, so none spins. */
    static final long SPIN_NANOS = 1000L * Math.max(0, Integer.getInteger("jvicreg.spin.us",
            THREADS <= Runtime.getRuntime().availableProcessors() ? 200 : 0));
    private static final Team TEAM = THREADS > 1 ? new Team(THREADS - 1) : null;

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
     * {@code grain} items.
     */
    public static void forRange(int n, int grain, Range body) {
        run(n, (int) Math.min(THREADS, (n + (long) Math.max(1, grain) - 1) / Math.max(1, grain)), body);
    }

    /**
     * Runs body over [0, n) split into up to {@link #PIECES_PER_THREAD} contiguous pieces per thread of at
     * least {@code grain} items, which the threads take in turn: for memory-bound passes, whose pieces cost
     * nothing extra, so a thread that starts late (a worker woken from sleep, a VM's core taken away for a
     * moment) leaves its share to the others. A product whose every piece streams the same operand (the
     * filters of one image's convolution) uses {@link #forRange}.
     */
    public static void forRangeBalanced(int n, int grain, Range body) {
        run(n, (int) Math.min((long) THREADS * PIECES_PER_THREAD, (n + (long) Math.max(1, grain) - 1) / Math.max(1, grain)), body);
    }

    static final int PIECES_PER_THREAD = 4;

    private static void run(int n, int chunks, Range body) {
        if (chunks <= 1 || insidePool()) {
            if (n > 0) body.run(0, n);
            return;
        }
        if (TEAM == null || !TEAM.tryRun(n, chunks, body)) {
            for (int t = 0; t < chunks; t++) body.run(chunkStart(n, t, chunks), chunkStart(n, t + 1, chunks));
        }
    }

    /** Where chunk t of n items split into {@code chunks} starts. */
    static int chunkStart(int n, int t, int chunks) {
        return (int) ((long) n * t / chunks);
    }

    /** Whether the current thread is one of the team's workers (nested work then runs inline). */
    public static boolean insidePool() {
        return Thread.currentThread() instanceof Worker;
    }

    /** Runs body(t) for t in [0, tasks) with one task per thread at most at a time; for per-thread workspaces. */
    public static void forEachTask(int tasks, java.util.function.IntConsumer body) {
        forRange(tasks, 1, (lo, hi) -> {
            for (int t = lo; t < hi; t++) body.accept(t);
        });
    }

    /** Spins until {@code done} or the spin time is up; returns whether it is done. */
    private static boolean spinUntil(java.util.function.BooleanSupplier done) {
        long start = System.nanoTime();
        for (int i = 1; ; i++) {
            if (done.getAsBoolean()) return true;
            Thread.onSpinWait();
            if ((i & 63) == 0 && System.nanoTime() - start > SPIN_NANOS) return false;
        }
    }

    /** The workers and the one range they run at a time. */
    private static final class Team {
        private final Worker[] workers;
        private final AtomicBoolean busy = new AtomicBoolean();
        private final AtomicInteger remaining = new AtomicInteger(), next = new AtomicInteger();
        // the current range, written before the workers' go signal and read after it
        private Range body;
        private int n, chunks;
        private volatile Throwable failure;
        private volatile Thread caller;
        private volatile boolean callerParked;

        Team(int size) {
            workers = new Worker[size];
            for (int w = 0; w < size; w++) {
                workers[w] = new Worker(this, w + 1);
                workers[w].start();
            }
        }

        /**
         * Runs the range's chunks on the caller and the workers, each thread taking the next chunk not yet
         * taken until none is left (a worker that wakes late finds its share done); false, doing nothing,
         * when busy.
         */
        boolean tryRun(int n, int chunks, Range body) {
            if (!busy.compareAndSet(false, true)) return false;
            try {
                this.body = body;
                this.n = n;
                this.chunks = chunks;
                failure = null;
                caller = Thread.currentThread();
                int helpers = Math.min(workers.length, chunks - 1);
                next.set(0);
                remaining.set(helpers);
                for (int w = 0; w < helpers; w++) workers[w].signal();
                Throwable first = null;
                try {
                    takeChunks();
                } catch (Throwable e) {
                    first = e;
                }
                awaitWorkers();
                if (first == null) first = failure;
                this.body = null;
                if (first instanceof RuntimeException re) throw re;
                if (first instanceof Error err) throw err;
                if (first != null) throw new RuntimeException(first);
                return true;
            } finally {
                busy.set(false);
            }
        }

        private void awaitWorkers() {
            if (spinUntil(() -> remaining.get() == 0)) return;
            callerParked = true;
            while (remaining.get() > 0) LockSupport.park(this);
            callerParked = false;
        }

        /** Runs the current range's chunks not yet taken, one at a time; on a failure leaves none for the others. */
        private void takeChunks() {
            try {
                for (int t; (t = next.getAndIncrement()) < chunks; ) body.run(chunkStart(n, t, chunks), chunkStart(n, t + 1, chunks));
            } catch (Throwable e) {
                next.set(chunks);
                throw e;
            }
        }

        /** A worker's share of the current range. */
        void runChunks() {
            try {
                takeChunks();
            } catch (Throwable e) {
                if (failure == null) failure = e;
            } finally {
                if (remaining.decrementAndGet() == 0 && callerParked) LockSupport.unpark(caller);
            }
        }
    }

    /** One worker: takes chunks of each range it is signalled for. */
    private static final class Worker extends Thread {
        private final Team team;
        private volatile long go;
        private volatile boolean parked;

        Worker(Team team, int index) {
            super("jvicreg-cpu-" + index);
            this.team = team;
            setDaemon(true);
        }

        void signal() {
            go++; // only the team's one caller at a time writes it
            if (parked) LockSupport.unpark(this);
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long target = seen;
                if (!spinUntil(() -> go != target)) {
                    parked = true;
                    while (go == seen) LockSupport.park(this);
                    parked = false;
                }
                seen = go;
                team.runChunks();
            }
        }
    }
}
