package org.jvicreg.engine.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A caching device allocator: freed blocks go to a free list per size class ({@link SizeClasses}) and
 * the next request of that class takes one back without a cuMemAlloc. When the device runs out of
 * memory, every cached block is returned to the driver and the request is tried once more.
 *
 * <p>All device work runs on one stream in issue order, so a block freed here while kernels that use
 * it are still queued is safe to hand out again: the next user's work is queued after them. Methods
 * are synchronized because storages may also be freed by the garbage collector's cleaner thread.
 */
final class DeviceAllocator {
    /** A block of device memory; {@code bytes} is its size class. */
    record Block(long address, long bytes) {}

    /** Bytes handed out, bytes held in free lists, the most ever handed out, cuMemAlloc and cache-hit counts. */
    record Stats(long inUse, long cached, long peakInUse, long mallocs, long cacheHits, int liveBlocks) {
        @Override
        public String toString() {
            return String.format("%.1f MiB in use (peak %.1f MiB), %.1f MiB cached, %d live blocks, %d cuMemAlloc, %d cache hits",
                    inUse / 1048576.0, peakInUse / 1048576.0, cached / 1048576.0, liveBlocks, mallocs, cacheHits);
        }
    }

    private final RawMemory raw;
    private final TreeMap<Long, ArrayDeque<Block>> free = new TreeMap<>();
    private final Map<Long, Block> live = new HashMap<>();
    private long inUse, cached, peakInUse, mallocs, cacheHits;

    DeviceAllocator(RawMemory raw) {
        this.raw = raw;
    }

    /**
     * A block of at least {@code bytes}. When the device is full, buffers that no memory scope released
     * may still be waiting for the garbage collector to find them unreachable: ask it (outside the lock,
     * so that the cleaner thread can give them back) a few times before failing.
     */
    Block allocate(long bytes) {
        Block b = tryAllocate(bytes);
        for (int attempt = 0; b == null && attempt < 3; attempt++) {
            System.gc();
            try {
                Thread.sleep(20L << attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            b = tryAllocate(bytes);
        }
        if (b == null) {
            throw new CudaError("cuda: out of device memory allocating " + bytes + " bytes (" + stats()
                    + "); release per-step tensors with Memory.scope()");
        }
        return b;
    }

    /** A cached block of the size class, or a new one from the driver; null when the device is full. */
    private synchronized Block tryAllocate(long bytes) {
        long size = SizeClasses.round(bytes);
        ArrayDeque<Block> list = free.get(size);
        Block b;
        if (list != null && !list.isEmpty()) {
            b = list.pop();
            cached -= size;
            cacheHits++;
        } else {
            long address = raw.malloc(size);
            if (address == 0) {
                emptyCache();
                address = raw.malloc(size);
            }
            if (address == 0) return null;
            mallocs++;
            b = new Block(address, size);
        }
        live.put(b.address(), b);
        inUse += size;
        peakInUse = Math.max(peakInUse, inUse);
        return b;
    }

    /** Returns a block to its free list. */
    synchronized void free(Block b) {
        if (live.remove(b.address()) != b) {
            throw new IllegalStateException("cuda: block at 0x" + Long.toHexString(b.address()) + " freed twice or never allocated here");
        }
        inUse -= b.bytes();
        cached += b.bytes();
        free.computeIfAbsent(b.bytes(), k -> new ArrayDeque<>()).push(b);
    }

    /** Gives every cached block back to the driver. */
    synchronized void emptyCache() {
        for (ArrayDeque<Block> list : free.values()) {
            for (Block b : list) raw.free(b.address());
        }
        free.clear();
        cached = 0;
    }

    synchronized Stats stats() {
        return new Stats(inUse, cached, peakInUse, mallocs, cacheHits, live.size());
    }
}
