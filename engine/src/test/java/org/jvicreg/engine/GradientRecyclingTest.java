package org.jvicreg.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Autograd recycles the gradients it made once consumed (GradientRecycler), and the CPU hands their arrays
 * to the next allocations. Each graph here shares gradients in a way that would break under a wrong
 * recycle: after backward, every free array of the gradients' length is taken and overwritten with garbage,
 * so a gradient whose storage was recycled too early reads wrong (or throws) when checked against its
 * closed form. Tensors have 2^15 elements, above the smallest length the CPU reuses.
 */
class GradientRecyclingTest {
    private static final int N = 1 << 15;

    /** Takes every reusable array of length N (and more) and fills it with garbage. */
    private static void scribble() {
        Tensor[] held = new Tensor[80];
        for (int i = 0; i < held.length; i++) {
            held[i] = Tensor.uninitialized(Device.cpu().backend(), N);
            held[i].backend().fill(held[i], 7f);
        }
    }

    private static float[] times(float[] v, float c) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i] * c;
        return out;
    }

    @Test
    void oneGradientHandedToTwoInputsWaitsForBoth() {
        Tensor x = Tensor.randn(new Rng(1), N).requiresGrad(true);
        Tensor a = x.mul(2f), b = x.mul(3f);     // add hands the same gradient to a and b
        Tensor seed = Tensor.randn(new Rng(2), N);
        a.add(b).backward(seed);
        scribble();
        assertArrayEquals(times(seed.toArray(), 5f), x.grad().toArray(), 1e-5f);
        assertArrayEquals(Tensor.randn(new Rng(2), N).toArray(), seed.toArray(), "the seed is the caller's");
    }

    @Test
    void aGradientThatBecomesALeafsGradStays() {
        Tensor x = Tensor.randn(new Rng(3), N).requiresGrad(true), z = Tensor.randn(new Rng(4), N).requiresGrad(true);
        Tensor h = x.mul(1.5f).add(z);          // z.grad is the gradient add passed on, made in this pass
        h.mul(2f).sum().backward();
        scribble();
        float[] twos = new float[N];
        java.util.Arrays.fill(twos, 2f);
        assertArrayEquals(twos, z.grad().toArray());
        assertArrayEquals(times(twos, 1.5f), x.grad().toArray(), 1e-6f);
    }

    @Test
    void viewsOfAGradientWaitWithIt() {
        Tensor x = Tensor.randn(new Rng(5), N).requiresGrad(true);
        Tensor m = x.reshape(128, N / 128);      // reshape's gradient is a view of the incoming one
        Tensor y = m.mul(4f).add(m.reshape(N).reshape(128, N / 128));
        Tensor seed = Tensor.randn(new Rng(6), 128, N / 128);
        y.backward(seed);
        scribble();
        assertArrayEquals(times(seed.toArray(), 5f), x.grad().toArray(), 1e-5f);
    }

    @Test
    void accumulatingIntoAnExistingGradKeepsBoth() {
        Tensor x = Tensor.randn(new Rng(7), N).requiresGrad(true);
        x.mul(2f).sum().backward();
        x.mul(3f).sum().backward();              // x.grad = old grad + new gradient (a sum made in the pass)
        scribble();
        float[] fives = new float[N];
        java.util.Arrays.fill(fives, 5f);
        assertArrayEquals(fives, x.grad().toArray());
    }
}
