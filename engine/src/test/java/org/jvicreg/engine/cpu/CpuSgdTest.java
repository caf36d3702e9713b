package org.jvicreg.engine.cpu;

import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.SgdStep;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The one-pass SGD step equals, bit for bit, the same step written with the pointwise kernels. */
class CpuSgdTest {

    /** torch.optim.SGD's step as separate tensor operations (mul, add, axpy), the reference. */
    private static void composed(SgdStep s, Tensor p, Tensor g, Tensor buf, boolean first) {
        Tensor d = g;
        if (s.weightDecay() != 0) d = d.add(p.mul(s.weightDecay()));
        if (s.momentum() != 0) {
            if (first) buf.assignInPlace(d);
            else buf.mulInPlace(s.momentum()).addInPlace(d, 1 - s.dampening());
            d = s.nesterov() ? d.add(buf.mul(s.momentum())) : buf;
        }
        p.addInPlace(d, -s.lr());
    }

    @Test
    void oneStepEqualsTheSeparateOperationsBitForBit() {
        Rng rng = new Rng(3);
        // vector tails, and sizes the pointwise kernels split over threads (every chunk has its own tail)
        for (int n : new int[] {1, 7, 37, 256, CpuPointwise.GRAIN + 13, 3 * CpuPointwise.GRAIN + 5}) {
            for (SgdStep s : new SgdStep[] {new SgdStep(0.1f, 0f, 0f, 0f, false), new SgdStep(0.05f, 0.9f, 0f, 1e-4f, false),
                new SgdStep(0.3f, 0.9f, 0.1f, 5e-4f, true), new SgdStep(0.01f, 0.5f, 0f, 0f, true)}) {
                Tensor p = Tensor.randn(rng, n), pRef = p.copy();
                Tensor buf = s.momentum() != 0 ? Tensor.zeros(n) : null, bufRef = buf == null ? null : Tensor.zeros(n);
                for (int step = 0; step < 3; step++) {
                    Tensor g = Tensor.randn(rng, n);
                    CpuBackend.INSTANCE.sgdStep(s, p, g, buf, step == 0);
                    composed(s, pRef, g, bufRef, step == 0);
                    assertArrayEquals(pRef.toArray(), p.toArray(), "parameter, n=" + n + ", " + s + ", step " + step);
                    if (buf != null) assertArrayEquals(bufRef.toArray(), buf.toArray(), "buffer, n=" + n + ", " + s);
                }
            }
        }
    }
}
