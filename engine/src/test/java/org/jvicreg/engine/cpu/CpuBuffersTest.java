package org.jvicreg.engine.cpu;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A recycled CPU array goes to the next allocation of its length, zeroed or (in tests) NaN-filled; its old storage refuses access. */
class CpuBuffersTest {
    private static final int N = CpuBuffers.MIN_LENGTH + 3;

    @Test
    void aRecycledArrayIsTheNextOfItsLengthAndItsOldStorageRefusesAccess() {
        CpuStorage s = (CpuStorage) CpuBackend.INSTANCE.allocate(N);
        float[] a = s.data();
        java.util.Arrays.fill(a, 5f);
        s.recycle();
        s.recycle(); // idempotent
        var e = assertThrows(IllegalStateException.class, s::data);
        assertTrue(e.getMessage().contains("recycled"), e.getMessage());
        CpuStorage zeroed = (CpuStorage) CpuBackend.INSTANCE.allocate(N);
        assertSame(a, zeroed.data(), "the recycled array is reused");
        for (float v : zeroed.data()) assertEquals(0f, v);
        zeroed.recycle();
        CpuStorage raw = (CpuStorage) CpuBackend.INSTANCE.allocateUninitialized(N);
        assertSame(a, raw.data());
        assertTrue(CpuBuffers.POISON, "the test suite runs with -Djvicreg.cpu.poison=true (pom.xml)");
        for (float v : raw.data()) assertTrue(Float.isNaN(v), "uninitialized memory is poisoned in tests");
        assertNotSame(a, ((CpuStorage) CpuBackend.INSTANCE.allocate(N)).data(), "a taken array has left the pool");
    }

    @Test
    void smallArraysAndTensorsNobodyRecyclesAreLeftToTheCollector() {
        CpuStorage small = (CpuStorage) CpuBackend.INSTANCE.allocate(CpuBuffers.MIN_LENGTH - 1);
        small.recycle();
        assertEquals(0, CpuBuffers.waiting(CpuBuffers.MIN_LENGTH - 1));
        Tensor t = Tensor.zeros(N + 1);
        assertEquals(0, CpuBuffers.waiting(N + 1), "allocation alone gives nothing back");
        assertEquals(N + 1, CpuBackend.data(t).length);
    }
}
