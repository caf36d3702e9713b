package org.jvicreg.engine.cpu;

import java.lang.ref.SoftReference;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Float arrays of CPU tensors, reused. A storage {@linkplain CpuStorage#recycle() recycled} (autograd
 * recycles the gradients it made once it has consumed them) gives its array back here, and the next
 * allocation of the same length takes it instead of a new array. Training allocates the same lengths step
 * after step (an activation and its gradient have one shape), so most of a step's buffers then come back
 * warm from a recent use instead of being new memory that Java zero-fills and the collector later traces
 * and frees (bench/RESULTS.md has what allocation costs a step).
 *
 * <p>An array taken for {@link CpuBackend#allocate} is zero-filled; one taken for
 * {@link CpuBackend#allocateUninitialized} keeps what it held (the caller overwrites every element), or,
 * with {@code -Djvicreg.cpu.poison=true} (the test suite's setting), new or reused, is filled with NaN so
 * that a kernel that reads an output before writing it fails its tests. Waiting arrays are held through
 * soft references, so the collector takes them back before the heap runs out rather than fail an
 * allocation; arrays under {@link #MIN_LENGTH} floats are not kept (the collector handles small arrays
 * cheaply), nor more than {@link #MAX_PER_LENGTH} of one length. {@code -Djvicreg.cpu.reuse=false} turns
 * reuse off.
 */
final class CpuBuffers {
    static final boolean ENABLED = !"false".equals(System.getProperty("jvicreg.cpu.reuse"));
    static final boolean POISON = Boolean.getBoolean("jvicreg.cpu.poison");
    static final int MIN_LENGTH = 1 << 14;
    static final int MAX_PER_LENGTH = 64;

    private static final Map<Integer, ConcurrentLinkedDeque<SoftReference<float[]>>> FREE = new ConcurrentHashMap<>();

    private CpuBuffers() {}

    /** An array of length n: zero-filled when {@code zeroed}, else with undefined contents. */
    static float[] take(int n, boolean zeroed) {
        float[] a = null;
        if (ENABLED && n >= MIN_LENGTH) {
            ConcurrentLinkedDeque<SoftReference<float[]>> free = FREE.get(n);
            if (free != null) {
                for (SoftReference<float[]> r; a == null && (r = free.pollFirst()) != null; ) a = r.get();
            }
        }
        if (a == null) {
            a = new float[n];
            if (!zeroed && POISON) Arrays.fill(a, Float.NaN);
            return a;
        }
        if (zeroed) Arrays.fill(a, 0f);
        else if (POISON) Arrays.fill(a, Float.NaN);
        return a;
    }

    /** Takes back an array that nothing uses any more. */
    static void give(float[] a) {
        if (!ENABLED || a.length < MIN_LENGTH) return;
        ConcurrentLinkedDeque<SoftReference<float[]>> free = FREE.computeIfAbsent(a.length, k -> new ConcurrentLinkedDeque<>());
        if (free.size() < MAX_PER_LENGTH) free.addFirst(new SoftReference<>(a));
    }

    /** Arrays of length n waiting for reuse (some may since have gone to the collector). */
    static int waiting(int n) {
        ConcurrentLinkedDeque<SoftReference<float[]>> free = FREE.get(n);
        return free == null ? 0 : free.size();
    }
}
