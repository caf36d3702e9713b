package org.jvicreg.vicreg.bench;

import org.jvicreg.engine.dist.MpiCollective;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The all-reduce bandwidth of jvicreg's MPI binding: in-place float sums over native buffers of each size,
 * as bench/mpi/allreduce_bandwidth.c times MPI's own C path, with the same iteration rule so the two runs
 * match call for call, after {@link #JIT_WARMUP} small ones that let the JIT compile the call path. Every rank
 * must run the same sizes: the iteration counts are fixed by the size, never by a clock. Rank 0 prints one
 * JSON line per size.
 */
public final class AllReduceBandwidth {
    private AllReduceBandwidth() {}

    /** Timed iterations for a buffer of {@code bytes}: about 1 GiB of traffic, 20 to 2000 calls (C side: the same). */
    public static int iterations(long bytes) {
        return (int) Math.max(20, Math.min(2000, (1L << 30) / bytes));
    }

    /** Small all-reduces before any is timed, so that the JIT has compiled the whole call path (C has none to warm). */
    static final int JIT_WARMUP = 20_000;

    public static void run(MpiCollective group, long[] sizes, PrintStream out) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment small = arena.allocate(4096, 64);
            for (int i = 0; i < JIT_WARMUP; i++) group.allReduceSum(small, 1024);
        }
        for (long bytes : sizes) {
            long count = bytes / Float.BYTES;
            int iterations = iterations(bytes), warmup = Math.max(5, iterations / 10);
            try (Arena arena = Arena.ofShared()) {
                MemorySegment buffer = arena.allocate(bytes, 64);
                for (long i = 0; i < count; i++) buffer.setAtIndex(JAVA_FLOAT, i, 1f);
                for (int i = 0; i < warmup; i++) group.allReduceSum(buffer, count);
                group.barrier();
                long t0 = System.nanoTime();
                for (int i = 0; i < iterations; i++) group.allReduceSum(buffer, count);
                double seconds = (System.nanoTime() - t0) / 1e9 / iterations;
                int p = group.size();
                double busBandwidth = 2.0 * (p - 1) / p * bytes / seconds / 1e9;
                if (group.isRoot()) {
                    out.println(String.format(Locale.ROOT,
                            "{\"name\":\"allreduce\",\"impl\":\"jvicreg-ffm\",\"ranks\":%d,\"bytes\":%d,\"iterations\":%d,"
                                    + "\"us_per_op\":%.2f,\"busbw_gbs\":%.3f}", p, bytes, iterations, seconds * 1e6, busBandwidth));
                }
            }
        }
    }
}
