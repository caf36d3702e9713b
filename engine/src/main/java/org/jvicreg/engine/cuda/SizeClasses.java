package org.jvicreg.engine.cuda;

/**
 * The block sizes of the caching allocator. Small requests round up to 512 bytes; from 1 MiB up,
 * each power of two is split into 8 classes, so a block is at most 12.5% larger than asked and
 * tensors of nearby sizes (a batch's last, smaller step) reuse each other's blocks.
 */
final class SizeClasses {
    static final long SMALL_QUANTUM = 512;
    static final long LARGE_FROM = 1L << 20;
    static final int CLASSES_PER_POWER_OF_TWO = 8;

    private SizeClasses() {}

    static long round(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative allocation size " + bytes);
        if (bytes <= SMALL_QUANTUM) return SMALL_QUANTUM;
        if (bytes < LARGE_FROM) return roundUp(bytes, SMALL_QUANTUM);
        int log2 = 63 - Long.numberOfLeadingZeros(bytes);
        long quantum = 1L << (log2 - Integer.numberOfTrailingZeros(CLASSES_PER_POWER_OF_TWO));
        return roundUp(bytes, quantum);
    }

    private static long roundUp(long v, long quantum) {
        return (v + quantum - 1) / quantum * quantum;
    }
}
