package org.jvicreg.engine.cpu;

import org.jvicreg.engine.backend.Operand;

/** A CPU tensor's array and the index of its first element: what a kernel reads and writes. */
record Floats(float[] a, int off) {

    /** The array behind a CPU tensor, or null for a null tensor (an absent optional operand). */
    static Floats of(Operand t) {
        return t == null ? null : new Floats(CpuBackend.data(t), CpuBackend.off(t));
    }
}
