package org.jvicreg.engine;

import org.jvicreg.engine.cpu.CpuBackend;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Central finite-difference gradient check: L = sum(f(inputs) * R) for a fixed random R; the analytic
 * gradient from backward() must match (L(x + h) - L(x - h)) / 2h element by element. L is accumulated
 * in double so float32 rounding of f stays far below the tolerance.
 */
final class GradCheck {
    static final float H = 1e-2f;
    static final double TOL = 2e-2;

    private GradCheck() {}

    static void check(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        for (Tensor t : inputs) t.requiresGrad(true).zeroGrad();
        Tensor out = f.apply(inputs);
        float[] r = Tensor.randn(new Rng(name.hashCode()), out.shape()).toArray();
        out.backward(Tensor.of(r, out.shape()));
        for (int k = 0; k < inputs.length; k++) {
            Tensor x = inputs[k];
            assertNotNull(x.grad(), name + ": input " + k + " got no gradient");
            float[] analytic = x.grad().toArray();
            float[] data = CpuBackend.data(x);
            int off = (int) x.offset();
            int n = x.numel();
            int step = Math.max(1, n / 64); // at most ~64 probes per input
            for (int i = 0; i < n; i += step) {
                float saved = data[off + i];
                data[off + i] = saved + H;
                double lp = loss(f, inputs, r);
                data[off + i] = saved - H;
                double lm = loss(f, inputs, r);
                data[off + i] = saved;
                double numeric = (lp - lm) / (2 * H);
                double err = Math.abs(numeric - analytic[i]);
                if (err > TOL * Math.max(1.0, Math.abs(numeric))) {
                    fail(name + ": d/d input" + k + "[" + i + "] analytic " + analytic[i] + " vs numeric " + numeric);
                }
            }
        }
    }

    private static double loss(Function<Tensor[], Tensor> f, Tensor[] inputs, float[] r) {
        try (var g = Grad.off()) {
            float[] y = f.apply(inputs).toArray();
            double s = 0;
            for (int i = 0; i < y.length; i++) s += (double) y[i] * r[i];
            return s;
        }
    }

    /** Uniform values in [lo, hi). */
    static Tensor uniform(long seed, float lo, float hi, int... shape) {
        Tensor u = Tensor.rand(new Rng(seed), shape);
        float[] d = u.toArray();
        for (int i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * d[i];
        return Tensor.of(d, shape);
    }

    /** Standard normal values pushed at least {@code gap} away from zero (keeps kinks out of reach of H). */
    static Tensor awayFromZero(long seed, float gap, int... shape) {
        float[] d = Tensor.randn(new Rng(seed), shape).toArray();
        for (int i = 0; i < d.length; i++) d[i] = d[i] >= 0 ? d[i] + gap : d[i] - gap;
        return Tensor.of(d, shape);
    }

    /** A random permutation of evenly spaced values (distinct, at least {@code spacing} apart). */
    static Tensor distinct(long seed, float spacing, int... shape) {
        int n = (int) Shape.numel(shape);
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        new Rng(seed).shuffle(perm);
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = (perm[i] - n / 2f) * spacing;
        return Tensor.of(d, shape);
    }

    static Tensor randn(long seed, int... shape) {
        return Tensor.randn(new Rng(seed), shape);
    }
}
