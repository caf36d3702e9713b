package org.jvicreg.engine;

import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the autograd graph holds between forward and backward, and how it routes gradients. */
class AutogradGraphTest {

    /** Collects until the referent is gone (explicit GCs are full collections on HotSpot), at most a few tries. */
    private static boolean collected(WeakReference<?> ref) {
        for (int i = 0; i < 10 && ref.get() != null; i++) {
            System.gc();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return ref.get() == null;
    }

    @Test
    void anIntermediateNoBackwardSavedIsFreedBeforeBackward() {
        Tensor x = Tensor.randn(new Rng(1), 1 << 12).requiresGrad(true);
        Tensor h = x.mul(2f);                    // mul by a scalar saves nothing
        Tensor loss = h.add(1f).square().sum();  // square saves its input, h + 1, not h
        WeakReference<Tensor> hRef = new WeakReference<>(h);
        float[] expected = x.toArray();
        for (int i = 0; i < expected.length; i++) expected[i] = 2f * 2f * (2f * expected[i] + 1f);
        h = null;
        assertTrue(collected(hRef), "the graph kept an input that no backward function reads");
        loss.backward();
        assertArrayEquals(expected, x.grad().toArray(), 1e-4f);
    }

    @Test
    void aProductKeepsOnlyTheFactorItsGradientReads() {
        Tensor x = Tensor.randn(new Rng(3), 1 << 12).requiresGrad(true);
        Tensor w = Tensor.randn(new Rng(4), 1 << 12);    // needs no gradient
        Tensor h = x.mul(2f);
        Tensor loss = h.mul(w).sum();                      // d/dh reads w; only d/dw would read h
        WeakReference<Tensor> hRef = new WeakReference<>(h);
        h = null;
        assertTrue(collected(hRef), "the product kept the factor whose gradient nobody asked for");
        loss.backward();
        float[] expected = w.mul(2f).toArray();
        assertArrayEquals(expected, x.grad().toArray(), 1e-6f);
    }

    @Test
    void everyUseOfALeafSumsIntoItsOneGrad() {
        Tensor x = Tensor.of(new float[] {1f, 2f, 3f}, 3).requiresGrad(true);
        Tensor y = x.mul(x).add(x.mul(3f)).sum(); // d/dx (x^2 + 3x) = 2x + 3
        y.backward();
        assertArrayEquals(new float[] {5f, 7f, 9f}, x.grad().toArray(), 0f);
        assertSame(x.gradientNode(), x.gradientNode(), "one accumulating node per leaf");
        assertNull(Tensor.of(new float[] {1f}, 1).gradientNode(), "no node for a tensor without requiresGrad");
    }

    @Test
    void backwardFromALeafSetsItsGrad() {
        Tensor x = Tensor.of(new float[] {1f, 2f}, 2).requiresGrad(true);
        x.backward(Tensor.of(new float[] {4f, 5f}, 2));
        assertArrayEquals(new float[] {4f, 5f}, x.grad().toArray(), 0f);
    }
}
