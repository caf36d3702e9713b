package org.jvicreg.engine.cpu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The worker team: chunks as documented, failures passed on, nesting and many callers at once. */
class ParallelTest {
    /** Runs forRange and returns the chunks it ran, sorted by start, checking that every index ran once. */
    private static List<int[]> chunks(int n, int grain) {
        return chunks(n, grain, false);
    }

    /** As {@link #chunks(int, int)}, through forRangeBalanced where {@code balanced}. */
    private static List<int[]> chunks(int n, int grain, boolean balanced) {
        List<int[]> ran = Collections.synchronizedList(new ArrayList<>());
        AtomicIntegerArray hits = new AtomicIntegerArray(n);
        Parallel.Range body = (lo, hi) -> {
            ran.add(new int[] {lo, hi});
            for (int i = lo; i < hi; i++) hits.incrementAndGet(i);
        };
        if (balanced) Parallel.forRangeBalanced(n, grain, body);
        else Parallel.forRange(n, grain, body);
        for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "index " + i + " of " + n);
        List<int[]> sorted = new ArrayList<>(ran);
        sorted.sort((a, b) -> Integer.compare(a[0], b[0]));
        return sorted;
    }

    @Test
    void chunksDependOnlyOnTheSizeAndGrain() {
        assertChunks(false, 1);
    }

    @Test
    void balancedRangesHaveFourPiecesPerThreadFixedByTheSizeAndGrain() {
        assertChunks(true, Parallel.PIECES_PER_THREAD);
    }

    /** Every range's chunks: perThread per thread at most, at least grain items each, at chunkStart's bounds. */
    private static void assertChunks(boolean balanced, int perThread) {
        for (int n : new int[] {1, 2, 3, 7, 64, 1001}) {
            for (int grain : new int[] {1, 3, 100}) {
                List<int[]> got = chunks(n, grain, balanced);
                int expected = (int) Math.min(Parallel.threads() * perThread, (n + grain - 1) / grain);
                assertEquals(Math.max(1, expected), got.size(), n + " items, grain " + grain);
                for (int t = 0; t < got.size(); t++) {
                    assertEquals(Parallel.chunkStart(n, t, got.size()), got.get(t)[0]);
                    assertEquals(Parallel.chunkStart(n, t + 1, got.size()), got.get(t)[1]);
                }
            }
        }
    }

    @Test
    void aThreadHeldUpLeavesItsShareToTheOthers() {
        // the first piece taken stalls; with more than one thread the others take every other piece meanwhile
        int pieces = Parallel.threads() * Parallel.PIECES_PER_THREAD;
        AtomicIntegerArray hits = new AtomicIntegerArray(pieces);
        java.util.concurrent.atomic.AtomicReference<Thread> stalled = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.Map<Thread, Integer> taken = new java.util.concurrent.ConcurrentHashMap<>();
        Parallel.forRangeBalanced(pieces, 1, (lo, hi) -> {
            if (stalled.compareAndSet(null, Thread.currentThread())) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            taken.merge(Thread.currentThread(), hi - lo, Integer::sum);
            for (int i = lo; i < hi; i++) hits.incrementAndGet(i);
        });
        for (int i = 0; i < pieces; i++) assertEquals(1, hits.get(i), "piece " + i);
        if (Parallel.threads() > 1) assertEquals(1, taken.get(stalled.get()), "pieces the stalled thread ran");
    }

    @Test
    void aFailingChunkFailsTheCallAndLeavesTheTeamUsable() {
        int last = Parallel.threads() - 1; // a worker's chunk where there are workers, else the caller's
        for (int failing : new int[] {0, last}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(
                    Parallel.threads(), 1, (lo, hi) -> {
                        if (lo == failing) throw new IllegalStateException("chunk " + lo);
                    }));
            assertEquals("chunk " + failing, e.getMessage());
            assertEquals(Parallel.threads(), chunks(Parallel.threads(), 1).size(), "the team after a failure");
        }
    }

    @Test
    void nestedRangesRunInline() {
        AtomicIntegerArray hits = new AtomicIntegerArray(40 * 50);
        Parallel.forRange(40, 1, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                int row = i;
                Parallel.forRange(50, 1, (a, b) -> {
                    for (int j = a; j < b; j++) hits.incrementAndGet(row * 50 + j);
                });
            }
        });
        for (int i = 0; i < hits.length(); i++) assertEquals(1, hits.get(i), "cell " + i);
    }

    @Test
    void manyCallersAtOnceEachGetEveryIndexOnce() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                int n = 100 + 37 * c;
                done.add(callers.submit(() -> {
                    for (int rep = 0; rep < 300; rep++) assertTrue(chunks(n, 1).size() >= 1);
                }));
            }
            for (Future<?> f : done) f.get();
        } finally {
            callers.shutdownNow();
        }
    }
}
