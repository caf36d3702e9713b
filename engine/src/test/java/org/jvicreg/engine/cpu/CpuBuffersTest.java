package org.jvicreg.engine.cpu;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Memory;
import org.jvicreg.engine.Tensor;

import java.lang.ref.WeakReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A recycled CPU array, or one made inside a {@link Memory} scope that has closed, goes to the next
 * allocation of its length, zeroed or (in tests) NaN-filled; its old storage refuses access.
 */
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

    @Test
    void aClosingScopeGivesBackWhatWasMadeInsideItButNotWhatWasKept() {
        int n = N + 9; // an even length no other test uses
        Tensor before = Tensor.zeros(n);
        Tensor made, view, input, kept, persistent, outer;
        try (var scope = Memory.scope()) {
            try (var inner = Memory.scope()) {
                made = Tensor.zeros(n);
                view = Tensor.zeros(n).reshape(2, n / 2); // a view shares its base's storage
                input = Tensor.zeros(n);
                kept = inner.keep(input.add(1f)); // moves to the outer scope
                persistent = Memory.persistent(Tensor.zeros(n));
            }
            assertEquals(3, CpuBuffers.waiting(n), "made's, view's and input's arrays wait for reuse");
            var e = assertThrows(IllegalStateException.class, () -> made.get(0));
            assertTrue(e.getMessage().contains("Memory scope") && e.getMessage().contains("scope.keep"), e.getMessage());
            assertThrows(IllegalStateException.class, view::toArray);
            assertThrows(IllegalStateException.class, input::toArray);
            assertEquals(1f, kept.get(0), "kept survives the inner scope");
            outer = Tensor.zeros(n);
            assertEquals(0f, outer.get(n - 1), "a reused array is zeroed for allocate");
        }
        assertThrows(IllegalStateException.class, () -> kept.get(0));
        assertThrows(IllegalStateException.class, () -> outer.get(0));
        assertEquals(0f, persistent.get(0), "persistent tensors outlive every scope");
        assertEquals(0f, before.get(0), "tensors made outside every scope are left to the collector");
        assertEquals(4, CpuBuffers.waiting(n), "outer took one; the outer scope gave kept's and outer's back");
    }

    @Test
    void aScopeDoesNotKeepAliveWhatNothingElseReaches() {
        try (var scope = Memory.scope()) {
            var storage = new WeakReference<>(Tensor.zeros(N).add(1f).storage()); // the sum's input and output die at once
            for (int i = 0; i < 50 && storage.get() != null; i++) System.gc();
            assertNull(storage.get(), "the collector takes an unreachable storage before its scope closes");
            assertEquals(0, scope.size());
        }
    }
}
