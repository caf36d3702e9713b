package org.jvicreg.engine.ops;

import org.jvicreg.engine.Autograd;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.BinaryOp;
import org.jvicreg.engine.backend.UnaryOp;

import java.util.Arrays;

/** Broadcasting arithmetic on two tensors, each op with its gradient beside it. */
public final class Arithmetic {
    private Arithmetic() {}

    /**
     * Gradient rule of a binary op: from upstream g, {da, db} before broadcasting is undone, computing
     * only those asked for. Like {@link Pointwise}'s rules, it captures the tensors it reads and no others.
     */
    @FunctionalInterface
    interface Rule {
        Tensor[] apply(Tensor g, boolean needA, boolean needB);
    }

    static void sameBackend(String op, Tensor a, Tensor b) {
        if (a.storage().backend() != b.storage().backend()) {
            throw new IllegalArgumentException(op + ": tensors are on different devices (" + a.backend().name()
                    + " and " + b.backend().name() + ")");
        }
    }

    /** Unrecorded broadcasting kernel call. */
    static Tensor apply(BinaryOp op, Tensor a, Tensor b) {
        String name = op.name().toLowerCase();
        sameBackend(name, a, b);
        int[] shape = Shape.broadcast(name, a.shape(), b.shape());
        Tensor y = Tensor.uninitialized(a.backend(), shape);
        a.backend().binary(op, a, Shape.broadcastStrides(a.shape(), shape), b, Shape.broadcastStrides(b.shape(), shape), y);
        return y;
    }

    /** Records y = op(a, b): the rule's gradients summed back to each input's shape (broadcasting undone). */
    private static Tensor recorded(String name, Tensor y, Tensor a, Tensor b, Rule rule) {
        int[] aShape = a.shape(), bShape = b.shape();
        boolean needA = a.requiresGrad(), needB = b.requiresGrad();
        return Autograd.record(name, y, g -> {
            Tensor[] d = rule.apply(g, needA, needB);
            return new Tensor[] {
                needA ? Reductions.sumTo(d[0], aShape) : null,
                needB ? Reductions.sumTo(d[1], bShape) : null
            };
        }, a, b);
    }

    public static Tensor add(Tensor a, Tensor b) {
        return recorded("add", apply(BinaryOp.ADD, a, b), a, b, (g, needA, needB) -> new Tensor[] {g, g});
    }

    public static Tensor sub(Tensor a, Tensor b) {
        return recorded("sub", apply(BinaryOp.SUB, a, b), a, b,
                (g, needA, needB) -> new Tensor[] {g, needB ? Pointwise.neg(g) : null});
    }

    public static Tensor mul(Tensor a, Tensor b) {
        // each input's gradient reads the other: keep only what a gradient that will be asked for reads
        Tensor keptA = b.requiresGrad() ? a : null, keptB = a.requiresGrad() ? b : null;
        return recorded("mul", apply(BinaryOp.MUL, a, b), a, b,
                (g, needA, needB) -> new Tensor[] {needA ? g.mul(keptB) : null, needB ? g.mul(keptA) : null});
    }

    /** d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -y/b. */
    public static Tensor div(Tensor a, Tensor b) {
        Tensor y = apply(BinaryOp.DIV, a, b);
        Tensor keptY = b.requiresGrad() ? y : null;
        return recorded("div", y, a, b, (g, needA, needB) -> {
            Tensor gb = g.div(b);
            return new Tensor[] {gb, needB ? Pointwise.neg(gb.mul(keptY)) : null};
        });
    }

    /** Elementwise max; where a == b the gradient is split evenly, as PyTorch. */
    public static Tensor maximum(Tensor a, Tensor b) {
        return recorded("maximum", apply(BinaryOp.MAX, a, b), a, b, (g, needA, needB) -> {
            Tensor ties = apply(BinaryOp.EQ, a, b).mul(0.5f);
            Tensor ma = apply(BinaryOp.GT, a, b).add(ties);
            Tensor mb = apply(BinaryOp.LT, a, b).add(ties);
            return new Tensor[] {g.mul(ma), g.mul(mb)};
        });
    }

    /** Comparison masks (1/0), not differentiable. */
    public static Tensor compare(BinaryOp op, Tensor a, Tensor b) {
        return apply(op, a, b);
    }

    public static Tensor addScalar(Tensor x, float c) {
        return Pointwise.recorded("add_scalar", Pointwise.apply(UnaryOp.ADD_SCALAR, x, c, 0), x, g -> g);
    }

    public static Tensor mulScalar(Tensor x, float c) {
        return Pointwise.recorded("mul_scalar", Pointwise.apply(UnaryOp.MUL_SCALAR, x, c, 0), x, g -> g.mul(c));
    }

    /** cond != 0 ? a : b with broadcasting; cond gets no gradient. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        sameBackend("where", cond, a);
        sameBackend("where", a, b);
        int[] shape = Shape.broadcast("where", cond.shape(), Shape.broadcast("where", a.shape(), b.shape()));
        Tensor y = Tensor.uninitialized(a.backend(), shape);
        a.backend().where(cond, Shape.broadcastStrides(cond.shape(), shape), a, Shape.broadcastStrides(a.shape(), shape),
                b, Shape.broadcastStrides(b.shape(), shape), y);
        int[] aShape = a.shape(), bShape = b.shape();
        boolean needA = a.requiresGrad(), needB = b.requiresGrad();
        return Autograd.record("where", y, g -> {
            Tensor zero = Tensor.allocate(g.backend(), 1);
            return new Tensor[] {
                null,
                needA ? Reductions.sumTo(where(cond, g, zero), aShape) : null,
                needB ? Reductions.sumTo(where(cond, zero, g), bShape) : null
            };
        }, cond, a, b);
    }

    /** y += alpha * x, unrecorded. */
    public static void axpyInPlace(Tensor y, Tensor x, float alpha) {
        sameBackend("addInPlace", y, x);
        if (!Arrays.equals(y.shape(), x.shape())) {
            throw new IllegalArgumentException("addInPlace: shapes " + Shape.str(y.shape()) + " and "
                    + Shape.str(x.shape()) + " differ");
        }
        y.backend().axpy(alpha, x, y);
    }
}
