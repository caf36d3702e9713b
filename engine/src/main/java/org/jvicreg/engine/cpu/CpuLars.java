package org.jvicreg.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.jvicreg.engine.backend.LarsStep;

/**
 * One LARS step of one parameter in two passes ({@code Backend#larsStep}) instead of about fifteen kernel
 * calls and their temporaries. It does the float operations of the step composed from the other kernels in
 * the same order, so the results are the same bit for bit:
 * <ol>
 *   <li>(with {@code adapt}) both squared norms as {@link CpuReduce}'s whole-tensor sum of {@code square}
 *       outputs does them, on the calling thread: one vector of partial sums over the elements in order, its
 *       lanes and then the scalar tail added in double, rounded to float; d = g + (p * weightDecay) recomputed
 *       wherever it is needed; the trust ratio from float sqrt, product and quotient;</li>
 *   <li>d * ratio, mu * momentum + d, and p + (-lr) * mu split as {@link CpuPointwise#axpy} splits it, with a
 *       fused multiply-add in each range's vector loop and a separate product and sum in its tail.</li>
 * </ol>
 */
final class CpuLars {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();

    private CpuLars() {}

    static void step(LarsStep st, Floats p, Floats g, Floats mu, int n) {
        float[] pa = p.a(), ga = g.a(), ma = mu.a();
        int pOff = p.off(), gOff = g.off(), mOff = mu.off();
        float wd = st.weightDecay(), momentum = st.momentum(), alpha = -st.lr();
        boolean adapt = st.adapt(), decay = adapt && wd != 0;
        float ratio = adapt ? trustRatio(pa, pOff, ga, gOff, n, decay, wd, st.eta()) : 1f;
        Parallel.forRange(n, CpuPointwise.GRAIN, (lo, hi) -> {
            int len = hi - lo, bound = S.loopBound(len), po = pOff + lo, go = gOff + lo, mo = mOff + lo, i = 0;
            FloatVector vAlpha = FloatVector.broadcast(S, alpha);
            for (; i < bound; i += VL) {
                FloatVector pv = FloatVector.fromArray(S, pa, po + i), d = FloatVector.fromArray(S, ga, go + i);
                if (decay) d = d.add(pv.mul(wd));
                if (adapt) d = d.mul(ratio);
                FloatVector m = FloatVector.fromArray(S, ma, mo + i).mul(momentum).add(d);
                m.intoArray(ma, mo + i);
                m.fma(vAlpha, pv).intoArray(pa, po + i);
            }
            for (; i < len; i++) {
                float d = ga[go + i];
                if (decay) d = d + pa[po + i] * wd;
                if (adapt) d = d * ratio;
                float m = ma[mo + i] * momentum + d;
                ma[mo + i] = m;
                pa[po + i] = pa[po + i] + alpha * m;
            }
        });
    }

    /** eta * ||p|| / ||d||, d = g + p * weightDecay (or g), or 1 where either norm is not positive. */
    private static float trustRatio(float[] pa, int pOff, float[] ga, int gOff, int n, boolean decay, float wd, float eta) {
        FloatVector accP = FloatVector.zero(S), accD = FloatVector.zero(S);
        int bound = S.loopBound(n), i = 0;
        for (; i < bound; i += VL) {
            FloatVector pv = FloatVector.fromArray(S, pa, pOff + i), d = FloatVector.fromArray(S, ga, gOff + i);
            if (decay) d = d.add(pv.mul(wd));
            accP = accP.add(pv.mul(pv));
            accD = accD.add(d.mul(d));
        }
        float[] lanes = new float[VL];
        double sumP = CpuReduce.lanesInOrder(accP, lanes), sumD = CpuReduce.lanesInOrder(accD, lanes);
        for (; i < n; i++) {
            float pv = pa[pOff + i], d = ga[gOff + i];
            if (decay) d = d + pv * wd;
            sumP += pv * pv;
            sumD += d * d;
        }
        float pn = (float) Math.sqrt((float) sumP), dn = (float) Math.sqrt((float) sumD);
        return pn > 0 ? (dn > 0 ? pn * eta / dn : 1f) : 1f;
    }
}
