package org.jvicreg.engine.cuda;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceAllocatorTest {

    /** A device of {@code capacity} bytes with a bump pointer; counts calls. */
    static final class FakeDevice implements RawMemory {
        final long capacity;
        long used, next = 0x1000;
        int mallocs, frees;
        final Map<Long, Long> blocks = new HashMap<>();

        FakeDevice(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public long malloc(long bytes) {
            if (used + bytes > capacity) return 0;
            long a = next;
            next += bytes;
            used += bytes;
            blocks.put(a, bytes);
            mallocs++;
            return a;
        }

        @Override
        public void free(long address) {
            Long b = blocks.remove(address);
            if (b == null) throw new AssertionError("free of unknown address " + address);
            used -= b;
            frees++;
        }
    }

    @Test
    void sizeClassesBoundTheWaste() {
        assertEquals(512, SizeClasses.round(0));
        assertEquals(512, SizeClasses.round(4));
        assertEquals(1024, SizeClasses.round(513));
        assertEquals(1 << 20, SizeClasses.round((1 << 20) - 1));
        assertEquals((1 << 20) + (1 << 17), SizeClasses.round((1 << 20) + 1));
        for (long b = 1; b < 1L << 34; b = b * 3 + 7) {
            long r = SizeClasses.round(b);
            assertTrue(r >= b, "round(" + b + ") = " + r);
            assertTrue(b < 4096 || r <= b * 1.125 + 512, "round(" + b + ") = " + r + " wastes too much");
            assertEquals(r, SizeClasses.round(r), "a class size is its own class");
        }
        assertThrows(IllegalArgumentException.class, () -> SizeClasses.round(-1));
    }

    @Test
    void freedBlocksAreReusedWithoutANewMalloc() {
        FakeDevice dev = new FakeDevice(1L << 30);
        DeviceAllocator a = new DeviceAllocator(dev);
        DeviceAllocator.Block b1 = a.allocate(1000);
        assertEquals(1024, b1.bytes());
        a.free(b1);
        DeviceAllocator.Block b2 = a.allocate(1020); // same class
        assertEquals(b1.address(), b2.address());
        assertEquals(1, dev.mallocs);
        DeviceAllocator.Block b3 = a.allocate(5000); // another class
        assertNotEquals(b2.address(), b3.address());
        DeviceAllocator.Stats s = a.stats();
        assertEquals(1024 + 5120, s.inUse());
        assertEquals(0, s.cached());
        assertEquals(1, s.cacheHits());
        assertEquals(2, s.liveBlocks());
    }

    @Test
    void aStepThatAllocatesAndFreesTheSameShapesStopsGrowing() {
        FakeDevice dev = new FakeDevice(1L << 30);
        DeviceAllocator a = new DeviceAllocator(dev);
        long[] sizes = {4 * 256 * 64, 4 * 64, 4 * 2048 * 8192L, 4 * 3, 4 * 256 * 64};
        for (int step = 0; step < 100; step++) {
            List<DeviceAllocator.Block> live = new ArrayList<>();
            for (long s : sizes) live.add(a.allocate(s));
            for (DeviceAllocator.Block b : live) a.free(b);
            assertEquals(0, a.stats().inUse());
        }
        assertEquals(sizes.length, dev.mallocs, "only the first step reaches the driver");
        assertEquals(a.stats().cached(), dev.used);
    }

    @Test
    void outOfMemoryEmptiesTheCacheAndRetries() {
        FakeDevice dev = new FakeDevice(10_000);
        DeviceAllocator a = new DeviceAllocator(dev);
        DeviceAllocator.Block small = a.allocate(4096);
        a.free(small); // cached, still held from the driver
        DeviceAllocator.Block big = a.allocate(8192); // fits only after the cache is returned
        assertEquals(1, dev.frees);
        assertEquals(8192, a.stats().inUse());
        var e = assertThrows(CudaError.class, () -> a.allocate(8192));
        assertTrue(e.getMessage().contains("out of device memory"), e.getMessage());
        a.free(big);
        a.emptyCache();
        assertEquals(0, dev.used);
    }

    @Test
    void whenFullItAsksTheGarbageCollectorForUnreleasedBlocks() {
        FakeDevice dev = new FakeDevice(10_000);
        DeviceAllocator a = new DeviceAllocator(dev);
        java.lang.ref.Cleaner cleaner = java.lang.ref.Cleaner.create();
        // a buffer nobody released, as CudaStorage registers its block: freed once its owner is unreachable
        DeviceAllocator.Block lost = a.allocateStorage(8192);
        cleaner.register(new Object(), () -> a.freeCollected(lost));
        DeviceAllocator.Block b = a.allocateStorage(8192); // the device only fits one
        assertEquals(8192, b.bytes());
        assertEquals(8192, a.stats().inUse());
    }

    @Test
    void aBlockTheCollectorFreedWaitsForTheNextStorageNotForScratch() {
        DeviceAllocator a = new DeviceAllocator(new FakeDevice(1 << 20));
        DeviceAllocator.Block argument = a.allocateStorage(4096);
        // inside a backend call: the argument's address has been read, its last reference dropped, and the
        // cleaner thread frees its block before the call takes scratch memory of the same size class
        a.freeCollected(argument);
        DeviceAllocator.Block scratch = a.allocate(4096);
        assertNotEquals(argument.address(), scratch.address(), "scratch must not alias a block a queued-to-be call reads");
        assertEquals(2 * 4096, a.stats().inUse(), "the collected block counts as in use until it is taken back");
        a.free(scratch);
        // the next tensor allocation comes between calls: the collected block is free for anyone from here on
        DeviceAllocator.Block next = a.allocateStorage(100);
        assertEquals(512, next.bytes());
        assertEquals(512, a.stats().inUse());
        assertEquals(2 * 4096, a.stats().cached());
        assertEquals(argument.address(), a.allocate(4096).address(), "scratch may reuse it now");
    }

    @Test
    void doubleFreeIsAnError() {
        DeviceAllocator a = new DeviceAllocator(new FakeDevice(1 << 20));
        DeviceAllocator.Block b = a.allocate(100);
        a.free(b);
        assertThrows(IllegalStateException.class, () -> a.free(b));
        assertThrows(IllegalStateException.class, () -> a.free(new DeviceAllocator.Block(12345, 512)));
    }

    @Test
    void peakTracksTheHighWaterMark() {
        DeviceAllocator a = new DeviceAllocator(new FakeDevice(1 << 30));
        var b1 = a.allocate(1 << 20);
        var b2 = a.allocate(1 << 20);
        a.free(b1);
        a.free(b2);
        a.allocate(512);
        assertEquals(2L << 20, a.stats().peakInUse());
        assertEquals(512, a.stats().inUse());
    }
}
