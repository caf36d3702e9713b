package org.jvicreg.engine.cpu;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Run in a JVM of its own with -Djvicreg.threads=1 (ConvKernelsTest#everyRangeRunsOnOneThread): with no worker
 * team, both kinds of range must still run every index once. Exits 1 with a message when not.
 */
public final class OneThreadCheck {
    public static void main(String[] args) {
        if (Parallel.threads() != 1) fail("expected one thread, got " + Parallel.threads());
        for (boolean balanced : new boolean[] {false, true}) {
            AtomicIntegerArray hits = new AtomicIntegerArray(100);
            Parallel.Range body = (lo, hi) -> {
                for (int i = lo; i < hi; i++) hits.incrementAndGet(i);
            };
            if (balanced) Parallel.forRangeBalanced(100, 1, body);
            else Parallel.forRange(100, 1, body);
            for (int i = 0; i < 100; i++) {
                if (hits.get(i) != 1) fail((balanced ? "forRangeBalanced" : "forRange") + ": index " + i + " ran " + hits.get(i) + " times");
            }
        }
    }

    private static void fail(String what) {
        System.err.println("one thread: " + what);
        System.exit(1);
    }
}
