package org.jvicreg.engine.dist;

import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.cpu.CpuStorage;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/** Tensor contents to and from native memory: a CPU tensor's array directly, any other through a host copy. */
final class HostCopies {
    private HostCopies() {}

    static void copyIn(Tensor t, MemorySegment dst) {
        int n = t.numel();
        if (t.storage() instanceof CpuStorage s) {
            MemorySegment.copy(s.data(), Math.toIntExact(t.offset()), dst, JAVA_FLOAT, 0, n);
        } else {
            MemorySegment.copy(t.toArray(), 0, dst, JAVA_FLOAT, 0, n);
        }
    }

    static void copyOut(MemorySegment src, Tensor t) {
        int n = t.numel();
        if (t.storage() instanceof CpuStorage s) {
            MemorySegment.copy(src, JAVA_FLOAT, 0, s.data(), Math.toIntExact(t.offset()), n);
        } else {
            float[] host = new float[n];
            MemorySegment.copy(src, JAVA_FLOAT, 0, host, 0, n);
            try (var g = Grad.off()) {
                t.assignInPlace(Tensor.of(host, t.shape()).to(t.device()));
            }
        }
    }
}
