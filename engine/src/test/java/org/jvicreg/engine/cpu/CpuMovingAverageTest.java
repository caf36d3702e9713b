package org.jvicreg.engine.cpu;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The one-pass moving average equals, bit for bit, the same update written with the pointwise kernels. */
class CpuMovingAverageTest {

    @Test
    void onePassEqualsMulMulAddBitForBit() {
        Rng rng = new Rng(5);
        // vector tails, and sizes the pointwise kernels split over threads (every chunk has its own tail)
        for (int n : new int[] {1, 7, 37, 256, CpuPointwise.GRAIN + 13, 3 * CpuPointwise.GRAIN + 5}) {
            for (float decay : new float[] {0f, 0.5f, 0.996f, 0.99999f, 1f}) {
                Tensor avg = Tensor.randn(rng, n), ref = avg.copy();
                for (int step = 0; step < 3; step++) {
                    Tensor x = Tensor.randn(rng, n);
                    CpuBackend.INSTANCE.movingAverage(decay, x, avg);
                    ref = ref.mul(decay).add(x.mul(1 - decay));
                    assertArrayEquals(ref.toArray(), avg.toArray(), "n=" + n + ", decay " + decay + ", step " + step);
                }
            }
        }
    }

    @Test
    void writesOnlyTheAverageItsOffsetNames() {
        Tensor buffer = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}), x = Tensor.of(new float[] {10, 20});
        CpuBackend.INSTANCE.movingAverage(0.75f, x, buffer.narrow(0, 2, 2));
        assertArrayEquals(new float[] {1, 2, 0.75f * 3 + 0.25f * 10, 0.75f * 4 + 0.25f * 20, 5, 6}, buffer.toArray());
    }
}
