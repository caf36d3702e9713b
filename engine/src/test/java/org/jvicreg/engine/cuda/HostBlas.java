package org.jvicreg.engine.cuda;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * cuBLAS's strided-batched SGEMM semantics (column-major, element (i, j) of an ld-matrix at
 * i + j * ld) computed on the host over raw addresses: the BLAS of the emulated device, and the
 * reference the row-major rewrite of {@link GemmCall} is checked against.
 */
final class HostBlas implements Blas {
    /** All of the process's memory, addressed by absolute address. */
    static final MemorySegment MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    @Override
    public String describe() {
        return "host reference SGEMM (emulation)";
    }

    @Override
    public void sgemm(GemmCall g, float alpha, float beta, boolean tf32) {
        if (g.empty()) return;
        long f = Float.BYTES;
        for (int b = 0; b < g.batch(); b++) {
            long a0 = g.a() + b * g.strideA() * f, b0 = g.b() + b * g.strideB() * f, c0 = g.c() + b * g.strideC() * f;
            for (int i = 0; i < g.m(); i++) {
                for (int j = 0; j < g.n(); j++) {
                    double s = 0;
                    for (int l = 0; l < g.k(); l++) {
                        long ai = g.transA() ? l + (long) i * g.lda() : i + (long) l * g.lda();
                        long bi = g.transB() ? j + (long) l * g.ldb() : l + (long) j * g.ldb();
                        s += (double) MEMORY.get(JAVA_FLOAT, a0 + ai * f) * MEMORY.get(JAVA_FLOAT, b0 + bi * f);
                    }
                    long ci = c0 + (i + (long) j * g.ldc()) * f;
                    double old = beta == 0 ? 0 : beta * (double) MEMORY.get(JAVA_FLOAT, ci);
                    MEMORY.set(JAVA_FLOAT, ci, (float) (alpha * s + old));
                }
            }
        }
    }

    @Override
    public void close() {}
}
