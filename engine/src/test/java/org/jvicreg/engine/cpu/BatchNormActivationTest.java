package org.jvicreg.engine.cpu;

import org.jvicreg.engine.backend.BatchNormCalls;
import org.junit.jupiter.api.Test;
import org.jvicreg.engine.F;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.Backend;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused batch norm + (residual add) + ReLU: the op and its CPU kernels against the unfused chain
 * F.batchNorm, add, relu (each checked by finite differences in GradientTest), values and every gradient,
 * in training and eval mode, with plane sizes that leave vector tails; and the Backend interface's default
 * implementations of the fused primitives (what a backend without its own kernels runs) against the CPU's.
 */
class BatchNormActivationTest {

    private static void assertNear(Tensor expected, Tensor actual, double tol, String what) {
        float[] e = expected.toArray(), a = actual.toArray();
        assertTrue(e.length == a.length, what + ": length");
        double maxErr = 0, maxRef = 0;
        for (int i = 0; i < e.length; i++) {
            maxErr = Math.max(maxErr, Math.abs(e[i] - a[i]));
            maxRef = Math.max(maxRef, Math.abs(e[i]));
        }
        assertTrue(maxErr <= tol * Math.max(1, maxRef), what + ": max error " + maxErr + " (max ref " + maxRef + ")");
    }

    private static Tensor param(Tensor t) {
        return t.detach().requiresGrad(true);
    }

    private static void compare(int[] shape, boolean training, boolean withResidual) {
        String what = java.util.Arrays.toString(shape) + (training ? " train" : " eval") + (withResidual ? " +residual" : "");
        Rng rng = new Rng(shape.length * 100L + shape[1] + (training ? 1 : 0) + (withResidual ? 2 : 0));
        int c = shape[1];
        Tensor x0 = Tensor.randn(rng, shape).mul(2f).add(0.3f), res0 = Tensor.randn(rng, shape);
        Tensor w0 = Tensor.rand(rng, c).add(0.5f), b0 = Tensor.randn(rng, c);
        Tensor rm0 = Tensor.randn(rng, c).mul(0.1f), rv0 = Tensor.rand(rng, c).add(0.5f);
        Tensor g = Tensor.randn(rng, shape);

        Tensor x = param(x0), res = param(res0), w = param(w0), b = param(b0);
        Tensor rm = rm0.copy(), rv = rv0.copy();
        Tensor y = withResidual
                ? F.batchNormAddRelu(x, res, rm, rv, w, b, training, 0.1f, 1e-5f)
                : F.batchNormRelu(x, rm, rv, w, b, training, 0.1f, 1e-5f);
        y.backward(g);

        Tensor xr = param(x0), resr = param(res0), wr = param(w0), br = param(b0);
        Tensor rmr = rm0.copy(), rvr = rv0.copy();
        Tensor pre = F.batchNorm(xr, rmr, rvr, wr, br, training, 0.1f, 1e-5f);
        Tensor yr = (withResidual ? pre.add(resr) : pre).relu();
        yr.backward(g);

        assertNear(yr, y, 1e-5, what + " output");
        assertNear(xr.grad(), x.grad(), 1e-4, what + " dx");
        assertNear(wr.grad(), w.grad(), 1e-4, what + " dgamma");
        assertNear(br.grad(), b.grad(), 1e-4, what + " dbeta");
        if (withResidual) assertNear(resr.grad(), res.grad(), 1e-6, what + " dresidual");
        assertNear(rmr, rm, 1e-6, what + " running mean");
        assertNear(rvr, rv, 1e-6, what + " running var");
    }

    @Test
    void fusedOpMatchesTheUnfusedChain() {
        int[][] shapes = {{4, 3, 5, 7}, {2, 6, 16, 16}, {3, 2, 1, 1}, {5, 4}, {2, 3, 37}};
        for (int[] s : shapes) {
            for (boolean training : new boolean[] {true, false}) {
                compare(s, training, false);
                compare(s, training, true);
            }
        }
    }

    /** A backend that forwards every abstract method to the CPU but runs the interface's default methods. */
    private static Backend defaultsOverCpu() {
        InvocationHandler h = (proxy, m, args) -> {
            if (m.isDefault()) return InvocationHandler.invokeDefault(proxy, m, args);
            try {
                return m.invoke(CpuBackend.INSTANCE, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, h);
    }

    @Test
    void interfaceDefaultsMatchTheCpuKernels() {
        Backend cpu = CpuBackend.INSTANCE, defaults = defaultsOverCpu();
        Rng rng = new Rng(9);
        int n = 3, c = 5, hw = 19;
        Tensor x = Tensor.randn(rng, n, c, hw), res = Tensor.randn(rng, n, c, hw), dy = Tensor.randn(rng, n, c, hw);
        Tensor gamma = Tensor.rand(rng, c).add(0.5f), beta = Tensor.randn(rng, c);
        for (boolean relu : new boolean[] {false, true}) {
            for (Tensor r : new Tensor[] {null, res}) {
                String what = "relu=" + relu + " residual=" + (r != null);
                Tensor[] out = new Tensor[2];
                Tensor[][] grads = new Tensor[2][];
                Backend[] backends = {cpu, defaults};
                for (int i = 0; i < 2; i++) {
                    Backend be = backends[i];
                    Tensor y = Tensor.zeros(n, c, hw), mean = Tensor.zeros(c), inv = Tensor.zeros(c);
                    Tensor rm = Tensor.zeros(c), rv = Tensor.ones(c);
                    BatchNormCalls.train(be, n, c, hw, x, gamma, beta, 1e-5f, 0.1f, rm, rv, r, relu, y, mean, inv);
                    Tensor dx = Tensor.zeros(n, c, hw), dr = r == null ? null : Tensor.zeros(n, c, hw);
                    Tensor dg = Tensor.zeros(c), db = Tensor.zeros(c);
                    BatchNormCalls.backward(be, n, c, hw, x, y, relu, dy, gamma, mean, inv, 1e-5f, dx, dr, dg, db);
                    Tensor ye = Tensor.zeros(n, c, hw);
                    BatchNormCalls.eval(be, n, c, hw, x, gamma, beta, rm, rv, 1e-5f, r, relu, ye);
                    out[i] = y;
                    grads[i] = new Tensor[] {dx, dr, dg, db, ye, rm, rv};
                }
                assertNear(out[0], out[1], 1e-6, what + " y");
                String[] names = {"dx", "dresidual", "dgamma", "dbeta", "eval y", "running mean", "running var"};
                for (int k = 0; k < names.length; k++) {
                    if (grads[0][k] != null) assertNear(grads[0][k], grads[1][k], 1e-5, what + " " + names[k]);
                }
            }
        }
    }
}
