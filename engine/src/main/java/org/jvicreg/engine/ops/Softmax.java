package org.jvicreg.engine.ops;

import org.jvicreg.engine.Autograd;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;

/** Softmax and log-softmax along one axis, with their gradients. */
public final class Softmax {
    private Softmax() {}

    public static Tensor softmax(Tensor x, int axis, boolean log) {
        String name = log ? "log_softmax" : "softmax";
        int[] s = x.shape();
        int a = Shape.axis(name, axis, s.length);
        int outer = Shape.prod(s, 0, a), n = s[a], inner = Shape.prod(s, a + 1, s.length);
        Tensor y = Tensor.uninitialized(x.backend(), s);
        x.backend().softmax(outer, n, inner, x, y, log);
        return Autograd.record(name, y, g -> {
            Tensor dx = Tensor.uninitialized(g.backend(), s);
            g.backend().softmaxBackward(outer, n, inner, y, g, dx, log);
            return new Tensor[] {dx};
        }, x);
    }
}
