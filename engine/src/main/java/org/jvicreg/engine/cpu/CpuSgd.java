package org.jvicreg.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.jvicreg.engine.backend.SgdStep;

/**
 * One SGD step in one pass over a parameter ({@code Backend#sgdStep}). It does the float operations of the
 * step written with the pointwise kernels (weight decay as mul and add, the momentum buffer as mul and axpy,
 * the update as axpy), in the same order, with a fused multiply-add exactly where {@link CpuPointwise#axpy}
 * has one (its vector loop, not its scalar tail) and over the same ranges of the same thread split, so the
 * results are those of the separate operations, bit for bit.
 */
final class CpuSgd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();

    private CpuSgd() {}

    /** buf may be null (momentum 0); n elements of p, g and buf. */
    static void step(SgdStep st, Floats p, Floats g, Floats buf, boolean first, int n) {
        float wd = st.weightDecay(), m = st.momentum(), keep = 1 - st.dampening(), lr = -st.lr();
        boolean nesterov = st.nesterov(), momentum = m != 0, decay = wd != 0;
        float[] pa = p.a(), ga = g.a(), ba = momentum ? buf.a() : null;
        int pOff = p.off(), gOff = g.off(), bOff = momentum ? buf.off() : 0;
        Parallel.forRange(n, CpuPointwise.GRAIN, (lo, hi) -> {
            int len = hi - lo, bound = S.loopBound(len);
            int po = pOff + lo, go = gOff + lo, bo = bOff + lo;
            FloatVector vKeep = FloatVector.broadcast(S, keep), vLr = FloatVector.broadcast(S, lr);
            int i = 0;
            for (; i < bound; i += VL) {
                FloatVector pv = FloatVector.fromArray(S, pa, po + i);
                FloatVector d = FloatVector.fromArray(S, ga, go + i);
                if (decay) d = d.add(pv.mul(wd));
                if (momentum) {
                    FloatVector b = first ? d : d.fma(vKeep, FloatVector.fromArray(S, ba, bo + i).mul(m));
                    b.intoArray(ba, bo + i);
                    d = nesterov ? d.add(b.mul(m)) : b;
                }
                d.fma(vLr, pv).intoArray(pa, po + i);
            }
            for (; i < len; i++) {
                float d = ga[go + i];
                if (decay) d = d + pa[po + i] * wd;
                if (momentum) {
                    float b = first ? d : ba[bo + i] * m + keep * d;
                    ba[bo + i] = b;
                    d = nesterov ? d + b * m : b;
                }
                pa[po + i] = pa[po + i] + lr * d;
            }
        });
    }
}
