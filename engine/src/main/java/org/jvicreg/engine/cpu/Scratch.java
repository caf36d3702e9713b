package org.jvicreg.engine.cpu;

/**
 * Per-thread scratch arrays for the kernels' packing buffers and workspaces: one array per purpose and
 * thread, grown on demand and reused by every later call, so steady-state kernels allocate nothing.
 * Contents are undefined on return; callers overwrite what they read. With {@code -Djvicreg.cpu.poison=true}
 * (the test suite's setting) every array is NaN-filled on return, so a kernel that reads scratch it has not
 * written fails its tests instead of reading a fresh array's zeros or a previous call's values.
 */
final class Scratch {
    /** What an array is for; two live arrays of one thread never share a slot. */
    enum Slot { PACKED_A, PACKED_FILTERS, PACKED_B, TILE, COLUMNS, PADDED_IMAGE, WIDE_OUTPUT, WIDE_GRADIENT, PARTIAL_SUM, SUBSAMPLED, CHANNELS_LAST,
        WINOGRAD_FILTERS, WINOGRAD_INPUT, WINOGRAD_PRODUCTS, WINOGRAD_SUMS }

    private static final ThreadLocal<float[][]> ARRAYS =
            ThreadLocal.withInitial(() -> new float[Slot.values().length][0]);

    private Scratch() {}

    /** This thread's array for {@code slot}, at least {@code size} long. */
    static float[] get(Slot slot, int size) {
        float[][] arrays = ARRAYS.get();
        float[] a = arrays[slot.ordinal()];
        if (a.length < size) {
            a = new float[size];
            arrays[slot.ordinal()] = a;
        }
        if (CpuBuffers.POISON) java.util.Arrays.fill(a, 0, size, Float.NaN);
        return a;
    }
}
