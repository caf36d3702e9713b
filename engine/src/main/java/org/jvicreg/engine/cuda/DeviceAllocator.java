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
 * it are still queued is safe to hand out again: the next user's work is queued after them. A block whose
 * storage the garbage collector found unreachable is different: the cleaner thread may free it while a
 * backend call that read its address has yet to queue the work that reads it (the caller's last reference
 * was the argument). Such blocks ({@link #freeCollected}) wait until the next tensor storage is allocated
 * ({@link #allocateStorage}), which happens only between backend calls; scratch memory taken inside a
 * call ({@link #allocate}) never gets them. Methods are synchronized for the cleaner thread.
 */
final class DeviceAllocator {
    /** A block of device memory; {@code bytes} is its size class. */
    record Block(long address, long bytes) {}

    /**
     * Bytes handed out, bytes held in free lists, the most ever handed out, cuMemAlloc and cache-hit counts,
     * live blocks, and of those the blocks the cleaner thread freed that wait for the next storage allocation.
     */
    record Stats(long inUse, long cached, long peakInUse, long mallocs, long cacheHits, int liveBlocks, int collected) {
        @Override
        public String toString() {
            return String.format("%.1f MiB in use (peak %.1f MiB), %.1f MiB cached, %d live blocks (%d freed by the collector, "
                    + "not yet reused), %d cuMemAlloc, %d cache hits",
                    inUse / 1048576.0, peakInUse / 1048576.0, cached / 1048576.0, liveBlocks, collected, mallocs, cacheHits);
        }
    }

    private final RawMemory raw;
    private final TreeMap<Long, ArrayDeque<Block>> free = new TreeMap<>();
    /** Blocks the cleaner thread freed, not yet in the free lists. */
    private final ArrayDeque<Block> collected = new ArrayDeque<>();
    private final Map<Long, Block> live = new HashMap<>();
    private long inUse, cached, peakInUse, mallocs, cacheHits;

    DeviceAllocator(RawMemory raw) {
        this.raw = raw;
    }

    /**
     * A block of at least {@code bytes} for scratch memory inside a backend call: never one of the blocks
     * the cleaner thread freed ({@link #freeCollected}), so when the device is full (after the cache has
     * gone back to the driver) it fails rather than wait for the collector.
     */
    Block allocate(long bytes) {
        Block b = tryAllocate(bytes, false);
        if (b == null) throw outOfMemory(bytes);
        return b;
    }

    /**
     * A block for a tensor's storage, allocated between backend calls: first the blocks the cleaner thread
     * freed since the last such allocation go to the free lists, since every call that read their addresses
     * has now queued its work. When the device is full, buffers that no memory scope released may still be
     * waiting for the garbage collector to find them unreachable: ask it (outside the lock, so that the
     * cleaner thread can give them back) a few times before failing.
     */
    Block allocateStorage(long bytes) {
        Block b = tryAllocate(bytes, true);
        for (int attempt = 0; b == null && attempt < 3; attempt++) {
            System.gc();
            try {
                Thread.sleep(20L << attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            b = tryAllocate(bytes, true);
        }
        if (b == null) throw outOfMemory(bytes);
        return b;
    }

    private CudaError outOfMemory(long bytes) {
        return new CudaError("cuda: out of device memory allocating " + bytes + " bytes (" + stats()
                + "); release per-step tensors with Memory.scope()");
    }

    /** A cached block of the size class, or a new one from the driver; null when the device is full. */
    private synchronized Block tryAllocate(long bytes, boolean betweenCalls) {
        if (betweenCalls) {
            for (Block c; (c = collected.poll()) != null; ) free(c);
        }
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

    /**
     * From the cleaner thread: the block of a storage the collector found unreachable. It goes to the free
     * lists at the next {@link #allocateStorage}, not before (see the class comment).
     */
    synchronized void freeCollected(Block b) {
        collected.add(b);
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
        return new Stats(inUse, cached, peakInUse, mallocs, cacheHits, live.size(), collected.size());
    }
}
