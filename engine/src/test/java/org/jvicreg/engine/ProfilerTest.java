package org.jvicreg.engine;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.cpu.CpuBackend;

import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The profiler counts each backend primitive a step calls, changes no result, and leaves no trace when closed. */
class ProfilerTest {

    private static Tensor[] step(Tensor x, Tensor w) {
        Tensor loss = F.conv2d(x, w, 1, 1).relu().mean();
        loss.backward();
        Tensor[] out = {loss.detach(), w.grad()};
        w.zeroGrad();
        return out;
    }

    @Test
    void countsEveryPrimitiveOnceAndChangesNothing() {
        Rng rng = new Rng(1);
        Tensor x = Tensor.randn(rng, 2, 3, 8, 8), w = Tensor.randn(rng, 4, 3, 3, 3).requiresGrad(true);
        Tensor[] plain = step(x, w);
        Tensor[] profiled;
        Profiler p = Profiler.start(false);
        try (p) {
            assertThrows(IllegalStateException.class, () -> Profiler.start(false), "one profiler at a time");
            profiled = step(x, w);
        }
        Map<String, Long> calls = p.entries().stream().collect(Collectors.toMap(Profiler.Entry::key, Profiler.Entry::calls));
        assertEquals(1L, calls.get("conv2dForward"), calls.toString());
        assertEquals(1L, calls.get("conv2dBackwardFilter"), calls.toString());
        assertTrue(!calls.containsKey("conv2dBackwardData"), "x needs no gradient: " + calls);
        double covered = p.entries().stream().mapToDouble(Profiler.Entry::millis).sum();
        assertTrue(covered > 0 && covered <= p.wallMillis(), covered + " ms of " + p.wallMillis());
        assertArrayEquals(plain[0].toArray(), profiled[0].toArray());
        assertArrayEquals(plain[1].toArray(), profiled[1].toArray());
        String table = p.table(1); // the entry with the most time, then the rest in one line
        assertTrue(table.contains(p.entries().get(0).key()) && table.contains("(" + (calls.size() - 1) + " more)")
                && table.contains("wall time"), table);
        assertSame(CpuBackend.INSTANCE, x.backend(), "closed: tensors reach their backend directly");
        Profiler.start(false).close(); // a new one may open once the last is closed
    }

    @Test
    void byShapeKeysEachCallByItsTensorArguments() {
        Rng rng = new Rng(2);
        Tensor a = Tensor.randn(rng, 3, 5), b = Tensor.randn(rng, 5, 2), c = Tensor.randn(rng, 4, 5);
        Profiler p = Profiler.start(true);
        try (p) {
            a.matmul(b);
            c.matmul(b);
            c.matmul(b);
        }
        Map<String, Long> calls = p.entries().stream().collect(Collectors.toMap(Profiler.Entry::key, Profiler.Entry::calls));
        long threeRows = calls.entrySet().stream().filter(e -> e.getKey().contains("[3, 5]")).mapToLong(Map.Entry::getValue).sum();
        long fourRows = calls.entrySet().stream().filter(e -> e.getKey().contains("[4, 5]")).mapToLong(Map.Entry::getValue).sum();
        assertEquals(1, threeRows, calls.toString());
        assertEquals(2, fourRows, calls.toString());
    }
}
