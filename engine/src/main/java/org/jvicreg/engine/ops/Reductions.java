package org.jvicreg.engine.ops;

import org.jvicreg.engine.Autograd;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.ReduceOp;
import org.jvicreg.engine.backend.UnaryOp;

import java.util.Arrays;

/** Reductions along axes (sum, mean, var, max, argmax), each with its gradient beside it. */
public final class Reductions {
    private Reductions() {}

    /** Shape after reducing the (sorted) axes, keeping them as size 1 or dropping them. */
    static int[] reducedShape(int[] shape, int[] axes, boolean keepDim) {
        boolean[] red = new boolean[shape.length];
        for (int a : axes) red[a] = true;
        int[] out = new int[keepDim ? shape.length : shape.length - axes.length];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (!red[i]) out[j++] = shape[i];
            else if (keepDim) out[j++] = 1;
        }
        return out;
    }

    /**
     * Unrecorded single-run reduction over axes [from, to) (contiguous), keeping them as size 1:
     * one (outer, n, inner) kernel call.
     */
    private static Tensor reduceRun(ReduceOp op, Tensor x, int from, int to) {
        int[] s = x.shape();
        int outer = Shape.prod(s, 0, from), n = Shape.prod(s, from, to), inner = Shape.prod(s, to, s.length);
        int[] outShape = s.clone();
        for (int i = from; i < to; i++) outShape[i] = 1;
        Tensor y = Tensor.allocate(x.backend(), outShape);
        x.backend().reduce(op, x, outer, n, inner, y);
        return y;
    }

    /** Unrecorded SUM over sorted axes, keepDim; adjacent axes are reduced in one kernel call. */
    private static Tensor sumKeep(Tensor x, int[] axes) {
        Tensor y = x;
        int i = axes.length - 1;
        while (i >= 0) {
            int to = axes[i] + 1, from = axes[i];
            while (i > 0 && axes[i - 1] == from - 1) from = axes[--i];
            y = reduceRun(ReduceOp.SUM, y, from, to);
            i--;
        }
        return y == x ? Pointwise.apply(UnaryOp.IDENTITY, x, 0, 0) : y;
    }

    public static Tensor sum(Tensor x, int[] axes, boolean keepDim) {
        int[] ax = Shape.axes("sum", axes, x.dim());
        int[] inShape = x.shape();
        int[] keepShape = reducedShape(inShape, ax, true);
        Tensor y = sumKeep(x, ax).reshape(reducedShape(inShape, ax, keepDim));
        return Autograd.record("sum", y, g -> new Tensor[] {g.reshape(keepShape).expand(inShape)}, x);
    }

    public static Tensor mean(Tensor x, int[] axes, boolean keepDim) {
        int[] ax = Shape.axes("mean", axes, x.dim());
        long count = 1;
        for (int a : ax) count *= x.size(a);
        if (count == 0) throw new IllegalArgumentException("mean: reducing over an empty axis of shape " + Shape.str(x.shape()));
        return sum(x, ax, keepDim).mul((float) (1.0 / count));
    }

    /** Variance, composed from mean and sum so its gradient follows; unbiased divides by count - 1. */
    public static Tensor var(Tensor x, int[] axes, boolean unbiased, boolean keepDim) {
        int[] ax = Shape.axes("var", axes, x.dim());
        long count = 1;
        for (int a : ax) count *= x.size(a);
        long dof = unbiased ? count - 1 : count;
        if (dof <= 0) {
            throw new IllegalArgumentException("var: " + count + " value(s) per group over axes " + Arrays.toString(axes)
                    + " of shape " + Shape.str(x.shape()) + (unbiased ? " (the unbiased variance needs at least 2)" : ""));
        }
        Tensor centred = x.sub(mean(x, ax, true));
        return sum(centred.square(), ax, keepDim).mul((float) (1.0 / dof));
    }

    /** Maximum over axes, one axis at a time; each step sends its gradient to the first maximum. */
    public static Tensor max(Tensor x, int[] axes, boolean keepDim) {
        int[] ax = Shape.axes("max", axes, x.dim());
        if (ax.length == 0) return x;
        Tensor y = x;
        for (int i = ax.length - 1; i >= 0; i--) y = maxAlong(y, ax[i]);
        return y.reshape(reducedShape(x.shape(), ax, keepDim));
    }

    /** Max over one axis, kept as size 1. */
    private static Tensor maxAlong(Tensor x, int axis) {
        int[] s = x.shape();
        if (s[axis] == 0) throw new IllegalArgumentException("max: axis " + axis + " of shape " + Shape.str(s) + " is empty");
        int outer = Shape.prod(s, 0, axis), n = s[axis], inner = Shape.prod(s, axis + 1, s.length);
        Tensor values = reduceRun(ReduceOp.MAX, x, axis, axis + 1);
        Tensor idx = x.requiresGrad() ? reduceRun(ReduceOp.ARGMAX, x, axis, axis + 1) : null;
        return Autograd.record("max", values, g -> {
            Tensor dx = Tensor.allocate(g.backend(), s);
            g.backend().scatterAxis(g, outer, n, inner, idx, dx);
            return new Tensor[] {dx};
        }, x);
    }

    /** Index of the first maximum along the axis, as floats. */
    public static Tensor argmax(Tensor x, int axis, boolean keepDim) {
        int a = Shape.axis("argmax", axis, x.dim());
        if (x.size(a) == 0) throw new IllegalArgumentException("argmax: axis " + axis + " is empty");
        return reduceRun(ReduceOp.ARGMAX, x, a, a + 1).reshape(reducedShape(x.shape(), new int[] {a}, keepDim));
    }

    /**
     * Sums a gradient of a broadcast shape back to {@code shape}: over leading extra axes and over axes
     * where {@code shape} has size 1. Unrecorded (used inside backward rules).
     */
    public static Tensor sumTo(Tensor g, int[] shape) {
        int[] gs = g.shape();
        if (Arrays.equals(gs, shape)) return g;
        int lead = gs.length - shape.length;
        int[] axes = new int[gs.length];
        int k = 0;
        for (int i = 0; i < gs.length; i++) {
            if (i < lead || (shape[i - lead] == 1 && gs[i] != 1)) axes[k++] = i;
        }
        Tensor r = k == 0 ? g : sumKeep(g, Arrays.copyOf(axes, k));
        return r.reshape(shape);
    }
}
