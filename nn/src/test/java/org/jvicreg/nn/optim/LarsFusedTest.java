package org.jvicreg.nn.optim;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.LarsStep;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU backend's fused LARS kernel gives, bit for bit, the parameters and momentum buffers of the step
 * composed of tensor operations, over three steps: on tensors shorter than a vector, with a scalar tail, split
 * among threads at a point that is not a multiple of the vector length, a 1-axis parameter (no decay, no
 * trust ratio), an all-zero parameter (trust ratio 1), and without weight decay.
 */
class LarsFusedTest {
    private static final int[][] SHAPES = {{3}, {5, 7}, {16, 16, 3, 3}, {3, 32771}, {512}, {4, 8}};

    @Test
    void theCpuBackendHasTheFusedKernel() {
        Tensor p = Tensor.full(1f, 4), g = Tensor.full(2f, 4), m = Tensor.zeros(4);
        assertTrue(p.backend().larsStep(new LarsStep(0.5f, 0.9f, 0f, 1f, false), p, g, m));
        assertArrayEquals(new float[] {0f, 0f, 0f, 0f}, p.toArray()); // p - 0.5 * (0.9 * 0 + 2)
    }

    @Test
    void fusedStepMatchesTheComposedOneBitForBit() {
        for (double wd : new double[] {1e-6, 0.05, 0}) {
            Rng rng = new Rng(7);
            List<Tensor> a = new ArrayList<>(), b = new ArrayList<>();
            for (int i = 0; i < SHAPES.length; i++) {
                Tensor p = i == SHAPES.length - 1 ? Tensor.zeros(SHAPES[i]) : Tensor.randn(rng, SHAPES[i]);
                a.add(p.copy().requiresGrad(true));
                b.add(p.copy().requiresGrad(true));
            }
            Lars fused = new Lars(a, 0.7, wd, 0.9, 0.02), composed = new Lars(b, 0.7, wd, 0.9, 0.02);
            for (int step = 0; step < 3; step++) {
                for (int i = 0; i < SHAPES.length; i++) {
                    Tensor g = Tensor.randn(rng, SHAPES[i]);
                    a.get(i).setGrad(g.copy());
                    b.get(i).setGrad(g.copy());
                }
                fused.step();
                try (var off = Grad.off()) {
                    for (int i = 0; i < SHAPES.length; i++) composed.composedStep(b.get(i), composed.momentumBuffer(i));
                }
                for (int i = 0; i < SHAPES.length; i++) {
                    String what = "wd " + wd + ", step " + step + ", parameter " + i;
                    assertArrayEquals(b.get(i).toArray(), a.get(i).toArray(), what);
                    assertArrayEquals(composed.momentumBuffer(i).toArray(), fused.momentumBuffer(i).toArray(), what + " momentum");
                }
            }
            // the step moved every parameter that had a non-zero gradient
            assertTrue(a.get(2).sub(b.get(2)).abs().sum().item() == 0 && fused.momentumBuffer(2).abs().sum().item() > 0);
        }
    }
}
