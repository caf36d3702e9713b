package org.jvicreg.engine.ops;

import org.jvicreg.engine.Autograd;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;

import java.util.Arrays;

/** Picking one element per position along an axis (torch.gather with a size-1 index axis). */
public final class Indexing {
    private Indexing() {}

    /**
     * y[..., 0, ...] = x[..., index[..., 0, ...], ...] along {@code axis}; index has x's shape with that
     * axis of size 1 and holds integral floats in [0, x.size(axis)).
     */
    public static Tensor gather(Tensor x, int axis, Tensor index) {
        int[] s = x.shape();
        int a = Shape.axis("gather", axis, s.length);
        int[] is = s.clone();
        is[a] = 1;
        if (!Arrays.equals(index.shape(), is)) {
            throw new IllegalArgumentException("gather: index shape " + Shape.str(index.shape()) + " must be "
                    + Shape.str(is) + " for input " + Shape.str(s) + " along axis " + axis);
        }
        Arithmetic.sameBackend("gather", x, index);
        checkRange(index, s[a]);
        int outer = Shape.prod(s, 0, a), n = s[a], inner = Shape.prod(s, a + 1, s.length);
        Tensor y = Tensor.allocate(x.backend(), is);
        x.backend().gatherAxis(x, outer, n, inner, index, y);
        return Autograd.record("gather", y, g -> {
            Tensor dx = Tensor.allocate(g.backend(), s);
            g.backend().scatterAxis(g, outer, n, inner, index, dx);
            return new Tensor[] {dx, null};
        }, x, index);
    }

    private static void checkRange(Tensor index, int n) {
        if (!index.device().isCpu()) return; // device kernels check on the device and throw after a sync
        for (float v : index.toArray()) {
            if (v != Math.rint(v) || v < 0 || v >= n) {
                throw new IllegalArgumentException("gather: index " + v + " is not an integer in [0, " + n + ")");
            }
        }
    }
}
