package org.jvicreg.engine.dist;

import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The collectives over MPI_COMM_WORLD of Open MPI, bound through FFM ({@link MpiLibrary}), at
 * MPI_THREAD_SERIALIZED: every call is made under one lock by whichever thread asks.
 * <ul>
 *   <li>Operations the caller waits for at once (all-reduce, all-gather, broadcast, barrier) are MPI's
 *       blocking calls, its tuned algorithms: the same C path a C program takes, nothing added per byte.
 *       A blocking call cannot be interrupted, so a watchdog thread holds its deadline: should another rank
 *       never join (stopped, deadlocked, dead without the launcher noticing), it prints one line saying so
 *       and ends this process with exit code {@link #TIMEOUT_EXIT}, and the launcher ends the others.</li>
 *   <li>{@link #allReduceSumAsync} (data-parallel training's gradient buckets) posts MPI_Iallreduce and
 *       returns; waiting drives MPI_Test on every operation in flight, spinning for a few hundred rounds
 *       and then sleeping 2 to 50 microseconds between rounds, and throws
 *       {@link CollectiveTimeoutException} past the deadline.</li>
 * </ul>
 *
 * <p>Tensors travel through native buffers: a CPU tensor's array is copied in and out (memory bandwidth,
 * small beside the network or the computation), a device tensor through the host. MPI is initialised once
 * per process and cannot be re-initialised after {@link #close()}.
 */
public final class MpiCollective implements Collective {
    /** MPI counts are C ints: larger reductions go in chunks of this many floats. */
    static final int MAX_CHUNK = 1 << 30;
    /** Unsuccessful MPI_Test rounds spent spinning before a waiting thread starts to sleep between rounds. */
    private static final int SPIN_ROUNDS = 200;
    private static final long MIN_PARK_NS = 2_000, MAX_PARK_NS = 50_000;
    private static MpiCollective world;

    private final MpiLibrary mpi;
    private final Watchdog watchdog = new Watchdog();
    /** Held for every MPI call (MPI_THREAD_SERIALIZED); guards {@link #active}. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Posted operations not yet completed, in the order they were posted. */
    private final ArrayDeque<Op> active = new ArrayDeque<>();
    private final int rank, size;
    private final String version;
    private final Duration timeout;
    private volatile boolean broken, closed;

    private MpiCollective(MpiLibrary mpi, Duration timeout) {
        this.mpi = mpi;
        this.timeout = timeout;
        if (!mpi.initialized()) {
            int provided = mpi.initThread(MpiLibrary.THREAD_SERIALIZED);
            if (provided < MpiLibrary.THREAD_SERIALIZED) {
                throw new IllegalStateException("MPI: the library offers thread level " + provided
                        + ", jvicreg needs MPI_THREAD_SERIALIZED (2)");
            }
        }
        rank = mpi.rank();
        size = mpi.size();
        version = mpi.version();
    }

    /**
     * MPI_COMM_WORLD of this process, initialising MPI on first use; {@code timeout} bounds every wait. Throws
     * {@link UnsatisfiedLinkError} (one line) where no Open MPI library is installed.
     */
    public static synchronized MpiCollective world(Duration timeout) {
        if (world != null) {
            if (world.closed) throw new IllegalStateException("MPI: already finalised in this process (MPI cannot start twice)");
            return world;
        }
        world = new MpiCollective(MpiLibrary.open(), timeout);
        return world;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public String describe() {
        return "mpi (" + version + ", " + mpi.path + "), rank " + rank + " of " + size;
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    // ---- operations --------------------------------------------------------------------------------

    @Override
    public Pending allReduceSumAsync(Tensor t) {
        long n = t.numel();
        // freed by the garbage collector: closing a shared arena stops every Java thread for a handshake
        MemorySegment buffer = Arena.ofAuto().allocate(Math.max(1, n) * Float.BYTES, 64);
        HostCopies.copyIn(t, buffer);
        Call what = new Call("all-reduce", n * Float.BYTES);
        List<Op> chunks = new ArrayList<>();
        inChunks(buffer, n, (part, count) -> chunks.add(submit(new Op(what) {
            @Override
            void start() {
                mpi.iallreduceFloatSum(part, count, request);
            }
        })));
        return () -> {
            for (Op op : chunks) await(op, timeout);
            HostCopies.copyOut(buffer, t);
        };
    }

    /**
     * Sums {@code count} floats of the native {@code buffer} (from a shared or global arena) over the ranks in
     * place, blocking: the binding without any copy, for measuring it against MPI's own C path.
     */
    public void allReduceSum(MemorySegment buffer, long count) {
        if (buffer.byteSize() < count * Float.BYTES) throw new IllegalArgumentException("all-reduce: buffer smaller than " + count + " floats");
        // allocates nothing per call: a few hundred bytes per call are a fresh page of the heap every few dozen
        // calls, and its page fault (tens of microseconds in a VM) stalls the other ranks too
        for (long start = 0; start < count; start += MAX_CHUNK) {
            int c = (int) Math.min(MAX_CHUNK, count - start);
            MemorySegment part = c == count ? buffer : buffer.asSlice(start * Float.BYTES, (long) c * Float.BYTES);
            enter("all-reduce", count * Float.BYTES, timeout);
            try {
                mpi.allreduceFloatSum(part, c);
            } finally {
                leave();
            }
        }
    }

    @Override
    public void allReduceSum(Tensor t) {
        long n = t.numel();
        try (Arena arena = Arena.ofConfined()) { // used and freed by this thread alone
            MemorySegment buffer = arena.allocate(Math.max(1, n) * Float.BYTES, 64);
            HostCopies.copyIn(t, buffer);
            allReduceSum(buffer, n);
            HostCopies.copyOut(buffer, t);
        }
    }

    /** What runs on one chunk: {@code count} floats at the start of {@code part}. */
    private interface Chunk {
        void run(MemorySegment part, int count);
    }

    /** Runs {@code chunk} over {@code n} floats of {@code buffer} in pieces of at most {@link #MAX_CHUNK} (MPI counts are C ints). */
    private static void inChunks(MemorySegment buffer, long n, Chunk chunk) {
        for (long start = 0; start < n; start += MAX_CHUNK) {
            int count = (int) Math.min(MAX_CHUNK, n - start);
            chunk.run(buffer.asSlice(start * Float.BYTES, (long) count * Float.BYTES), count);
        }
    }

    @Override
    public int[] allGatherInts(int value) {
        try (Arena arena = Arena.ofConfined()) { // used and freed by this thread alone
            MemorySegment send = arena.allocate(JAVA_INT), recv = arena.allocate(JAVA_INT, size);
            MemorySegment counts = arena.allocate(JAVA_INT, size), displs = arena.allocate(JAVA_INT, size);
            send.set(JAVA_INT, 0, value);
            for (int r = 0; r < size; r++) {
                counts.setAtIndex(JAVA_INT, r, 1);
                displs.setAtIndex(JAVA_INT, r, r);
            }
            blocking("all-gather", (long) size * Integer.BYTES, timeout, () -> mpi.allgatherv(send, 1, mpi.intType, recv, counts, displs));
            return recv.toArray(JAVA_INT);
        }
    }

    @Override
    public Tensor allGather(Tensor local, int[] rowsPerRank) {
        if (rowsPerRank.length != size) {
            throw new IllegalArgumentException("all-gather: " + rowsPerRank.length + " row counts for " + size + " ranks");
        }
        if (local.dim() == 0 || local.size(0) != rowsPerRank[rank]) {
            throw new IllegalArgumentException("all-gather: rank " + rank + " has a tensor of shape " + Shape.str(local.shape())
                    + " but the row counts say " + rowsPerRank[rank] + " rows");
        }
        long perRow = Shape.prod(local.shape(), 1, local.dim());
        long total = 0;
        int[] counts = new int[size], displs = new int[size];
        for (int r = 0; r < size; r++) {
            if (rowsPerRank[r] < 0) throw new IllegalArgumentException("all-gather: negative row count " + rowsPerRank[r] + " for rank " + r);
            long c = rowsPerRank[r] * perRow;
            if (c > Integer.MAX_VALUE || total > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("all-gather: more than 2^31 floats per rank or in all; gather in parts");
            }
            counts[r] = (int) c;
            displs[r] = (int) total;
            total += c;
        }
        if (total > Integer.MAX_VALUE) throw new IllegalArgumentException("all-gather: more than 2^31 floats in all; gather in parts");
        int[] shape = local.shape();
        shape[0] = Arrays.stream(rowsPerRank).sum();
        Tensor out = Tensor.uninitialized(local.backend(), shape);
        try (Arena arena = Arena.ofConfined()) { // used and freed by this thread alone
            MemorySegment send = arena.allocate(Math.max(1, counts[rank]) * (long) Float.BYTES, 64);
            MemorySegment recv = arena.allocate(Math.max(1, total) * Float.BYTES, 64);
            MemorySegment countSeg = arena.allocateFrom(JAVA_INT, counts), displSeg = arena.allocateFrom(JAVA_INT, displs);
            HostCopies.copyIn(local, send);
            long bytes = total * Float.BYTES;
            blocking("all-gather", bytes, timeout,
                    () -> mpi.allgatherv(send, counts[rank], mpi.floatType, recv, countSeg, displSeg));
            HostCopies.copyOut(recv, out);
        }
        return out;
    }

    @Override
    public void broadcast(Tensor t, int root) {
        if (root < 0 || root >= size) throw new IllegalArgumentException("broadcast: root " + root + " outside 0.." + (size - 1));
        long n = t.numel();
        try (Arena arena = Arena.ofConfined()) { // used and freed by this thread alone
            MemorySegment buffer = arena.allocate(Math.max(1, n) * Float.BYTES, 64);
            if (rank == root) HostCopies.copyIn(t, buffer);
            inChunks(buffer, n, (part, c) -> blocking("broadcast", n * Float.BYTES, timeout, () -> mpi.bcastFloats(part, c, root)));
            if (rank != root) HostCopies.copyOut(buffer, t);
        }
    }

    @Override
    public void barrier(Duration limit) {
        blocking("barrier", -1, limit, mpi::barrier);
    }

    /** Finalises MPI (unless an operation timed out: then MPI_Finalize would wait for the missing rank too). */
    @Override
    public void close() {
        synchronized (MpiCollective.class) {
            if (closed) return;
            closed = true;
        }
        if (broken) return;
        lock.lock();
        try {
            mpi.finalizeMpi();
        } finally {
            lock.unlock();
        }
    }

    // ---- blocking calls and their watchdog ---------------------------------------------------------

    /**
     * Makes one blocking MPI call under the lock, watched: should it not return within {@code limit} (another
     * rank stopped or hangs; a blocking call cannot be interrupted), the watchdog prints why on stderr and
     * ends this process with exit code {@link #TIMEOUT_EXIT}, after which the launcher ends the others.
     */
    private void blocking(String operation, long bytes, Duration limit, Runnable call) {
        enter(operation, bytes, limit);
        try {
            call.run();
        } finally {
            leave();
        }
    }

    /**
     * Takes the lock and arms the watchdog for one blocking call ({@code bytes} -1 where it moves none, as a
     * barrier); {@link #leave} after it, in a finally.
     */
    private void enter(String operation, long bytes, Duration limit) {
        checkUsable();
        lock.lock();
        watchdog.arm(operation, bytes, limit);
    }

    private void leave() {
        watchdog.disarm();
        lock.unlock();
    }

    private void checkUsable() {
        if (closed) throw new IllegalStateException("MPI: the group was closed (MPI_Finalize)");
        if (broken) throw new IllegalStateException("MPI: the group is unusable after an earlier collective timed out");
    }

    /** The exit code of a process the watchdog ends. */
    public static final int TIMEOUT_EXIT = 3;

    /** The one blocking call in progress and its deadline, checked by a daemon thread a few times a second. */
    private final class Watchdog implements Runnable {
        // written by the caller holding the lock, operation last; null while no call is in flight
        private volatile String operation;
        private volatile long bytes, deadline, calls;
        private volatile Duration limit;
        private volatile Thread thread;

        /** Allocates nothing (but the thread, once): it runs before every blocking call. */
        void arm(String operation, long bytes, Duration limit) {
            if (thread == null) start();
            calls++; // only the lock holder writes
            this.bytes = bytes;
            this.limit = limit;
            this.deadline = System.nanoTime() + limit.toNanos();
            this.operation = operation;
        }

        private synchronized void start() {
            if (thread != null) return;
            thread = new Thread(this, "mpi-watchdog");
            thread.setDaemon(true);
            thread.start();
        }

        void disarm() {
            operation = null;
        }

        @Override
        public void run() {
            while (true) {
                LockSupport.parkNanos(100_000_000L);
                String op = operation;
                long call = calls, size = bytes;
                Duration over = limit;
                if (op != null && System.nanoTime() - deadline > 0 && call == calls && operation != null) {
                    System.err.println("error: " + timeoutMessage(new Call(op, size), over));
                    System.err.flush();
                    System.out.flush();
                    Runtime.getRuntime().halt(TIMEOUT_EXIT);
                }
            }
        }
    }

    private String timeoutMessage(Call what, Duration limit) {
        return String.format(Locale.ROOT, "%s%s waited %s for the other ranks: one of them has stopped, deadlocked or died without "
                + "the launcher noticing; giving up", where(), what, seconds(limit));
    }

    // ---- posting and waiting -----------------------------------------------------------------------

    /** One posted operation: {@link #start} posts the non-blocking call into {@link #request}. */
    private abstract static class Op {
        final Call what;
        // any thread that holds the lock tests it; an automatic arena, as a shared one's close stops every thread
        final MemorySegment request = Arena.ofAuto().allocate(JAVA_LONG), flag = Arena.ofAuto().allocate(JAVA_INT);
        boolean done;

        Op(Call what) {
            this.what = what;
        }

        abstract void start();
    }

    /** Posts {@code op} now, in program order (every rank posts its collectives in the same order). */
    private Op submit(Op op) {
        checkUsable();
        lock.lock();
        try {
            op.start();
            active.add(op);
        } finally {
            lock.unlock();
        }
        return op;
    }

    /** One MPI_Test on every operation in flight; those completed leave {@link #active}. */
    private void progress() {
        lock.lock();
        try {
            for (Iterator<Op> it = active.iterator(); it.hasNext(); ) {
                Op a = it.next();
                if (mpi.test(a.request, a.flag)) {
                    a.done = true;
                    it.remove();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void await(Op op, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        long park = MIN_PARK_NS;
        int rounds = 0;
        try {
            while (true) {
                progress();
                if (op.done) break;
                if (System.nanoTime() - deadline > 0) {
                    broken = true; // the posted call may still write its buffers: they stay allocated
                    throw new CollectiveTimeoutException(timeoutMessage(op.what, limit));
                }
                if (++rounds < SPIN_ROUNDS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(park);
                    park = Math.min(2 * park, MAX_PARK_NS);
                }
            }
        } catch (CollectiveTimeoutException e) {
            throw e;
        } catch (RuntimeException e) {
            broken = true;
            throw new IllegalStateException(where() + op.what + " failed: " + e.getMessage(), e);
        }
    }

    private String where() {
        return "rank " + rank + " of " + size + ": ";
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    /**
     * What a collective moves, named in timeout and error messages. It is formatted only when a message is
     * printed: a String.format on every call costs about a microsecond, a quarter of a 4 KiB all-reduce between two
     * ranks on one machine.
     */
    private record Call(String operation, long bytes) {
        @Override
        public String toString() {
            return bytes < 0 ? operation : operation + " of " + MpiCollective.bytes(bytes);
        }
    }

    static String bytes(long n) {
        if (n < 1024) return n + " B";
        if (n < 1 << 20) return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        return String.format(Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024));
    }
}
