package org.jvicreg.vicreg.bench;

import org.jvicreg.engine.dist.MpiCollective;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The all-reduce bandwidth of jvicreg's MPI binding: in-place float sums over native buffers of each size,
 * as bench/mpi/allreduce_bandwidth.c times MPI's own C path, with the same iteration rule so the two runs
 * match call for call, after {@link #JIT_WARMUP} small ones that let the JIT compile the call path and
 * unreported sweeps over the sizes. Every rank must run the same sizes: the iteration
 * counts are fixed by the size, never by a clock. Rank 0 prints one JSON line per size: the mean time per call
 * over the timed loop (from which the bandwidth) and the median call.
 */
public final class AllReduceBandwidth {
    private AllReduceBandwidth() {}

    /** Timed iterations for a buffer of {@code bytes}: about 1 GiB of traffic, 20 to 2000 calls (C side: the same). */
    public static int iterations(long bytes) {
        return (int) Math.max(20, Math.min(2000, (1L << 30) / bytes));
    }

    /** Small all-reduces before any is timed, so that the JIT has compiled the call path (C has none to warm). */
    static final int JIT_WARMUP = 20_000;
    /**
     * Unreported sweeps over all sizes, each timed as the reported one is, go on for at least
     * {@link #WARM_SWEEPS} sweeps and until rank 0 has seen {@link #WARM_NANOS} pass: the JIT compiles and
     * recompiles the timing loop while they run, and a compiler thread taking one of the cores stalls the other
     * rank for milliseconds. C runs {@link #WARM_SWEEPS} sweeps: it has no JIT.
     */
    static final int WARM_SWEEPS = 2;
    static final long WARM_NANOS = 3_000_000_000L;

    public static void run(MpiCollective group, long[] sizes, PrintStream out) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment small = arena.allocate(4096, 64);
            for (int i = 0; i < JIT_WARMUP; i++) group.allReduceSum(small, 1024);
        }
        long warmStart = System.nanoTime();
        for (int sweep = 1; ; sweep++) {
            for (long bytes : sizes) time(group, bytes);
            if (rootSaysDone(group, sweep >= WARM_SWEEPS && System.nanoTime() - warmStart >= WARM_NANOS)) break;
        }
        for (long bytes : sizes) {
            Timing t = time(group, bytes);
            int p = group.size();
            double busBandwidth = 2.0 * (p - 1) / p * bytes / t.meanSeconds() / 1e9;
            if (group.isRoot()) {
                out.println(String.format(Locale.ROOT,
                        "{\"name\":\"allreduce\",\"impl\":\"jvicreg-ffm\",\"ranks\":%d,\"bytes\":%d,\"iterations\":%d,"
                                + "\"us_per_op\":%.2f,\"p50_us\":%.2f,\"busbw_gbs\":%.3f}",
                        p, bytes, iterations(bytes), t.meanSeconds() * 1e6, t.medianSeconds() * 1e6, busBandwidth));
            }
        }
    }

    /** Rank 0's {@code done}, agreed by every rank through an all-reduce, so that all stop after the same sweep. */
    private static boolean rootSaysDone(MpiCollective group, boolean done) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flag = arena.allocate(JAVA_FLOAT);
            flag.set(JAVA_FLOAT, 0, group.isRoot() && done ? 1f : 0f);
            group.allReduceSum(flag, 1);
            return flag.get(JAVA_FLOAT, 0) > 0;
        }
    }

    /** Seconds per call: the mean over the timed loop and the median call. */
    private record Timing(double meanSeconds, double medianSeconds) {}

    /** Times {@link #iterations} all-reduces of {@code bytes}, after a tenth as many (at least 5) untimed. */
    private static Timing time(MpiCollective group, long bytes) {
        long count = bytes / Float.BYTES;
        int iterations = iterations(bytes), warmup = Math.max(5, iterations / 10);
        long[] calls = new long[iterations];
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(bytes, 64);
            for (long i = 0; i < count; i++) buffer.setAtIndex(JAVA_FLOAT, i, 1f);
            for (int i = 0; i < warmup; i++) group.allReduceSum(buffer, count);
            group.barrier();
            long t0 = System.nanoTime(), previous = t0;
            for (int i = 0; i < iterations; i++) {
                group.allReduceSum(buffer, count);
                long now = System.nanoTime();
                calls[i] = now - previous;
                previous = now;
            }
            double mean = (previous - t0) / 1e9 / iterations;
            Arrays.sort(calls);
            return new Timing(mean, calls[iterations / 2] / 1e9);
        }
    }
}
