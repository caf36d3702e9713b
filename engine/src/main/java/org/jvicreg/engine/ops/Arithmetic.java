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

    /** Gradient rule of a binary op: upstream g, inputs a and b, output y; returns {da, db} before sumTo. */
    @FunctionalInterface
    interface Rule {
        Tensor[] apply(Tensor g, Tensor a, Tensor b, Tensor y);
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

    private static Tensor binary(String name, BinaryOp op, Tensor a, Tensor b, Rule rule) {
        sameBackend(name, a, b);
        int[] shape = Shape.broadcast(name, a.shape(), b.shape());
        Tensor y = Tensor.uninitialized(a.backend(), shape);
        a.backend().binary(op, a, Shape.broadcastStrides(a.shape(), shape), b, Shape.broadcastStrides(b.shape(), shape), y);
        return Autograd.record(name, y, g -> {
            Tensor[] d = rule.apply(g, a, b, y);
            return new Tensor[] {
                a.requiresGrad() ? Reductions.sumTo(d[0], a.shape()) : null,
                b.requiresGrad() ? Reductions.sumTo(d[1], b.shape()) : null
            };
        }, a, b);
    }

    public static Tensor add(Tensor a, Tensor b) {
        return binary("add", BinaryOp.ADD, a, b, (g, x, z, y) -> new Tensor[] {g, g});
    }

    public static Tensor sub(Tensor a, Tensor b) {
        return binary("sub", BinaryOp.SUB, a, b, (g, x, z, y) -> new Tensor[] {g, Pointwise.neg(g)});
    }

    public static Tensor mul(Tensor a, Tensor b) {
        return binary("mul", BinaryOp.MUL, a, b, (g, x, z, y) -> new Tensor[] {
            x.requiresGrad() ? g.mul(z) : null, z.requiresGrad() ? g.mul(x) : null});
    }

    /** d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -y/b. */
    public static Tensor div(Tensor a, Tensor b) {
        return binary("div", BinaryOp.DIV, a, b, (g, x, z, y) -> {
            Tensor gb = g.div(z);
            return new Tensor[] {gb, Pointwise.neg(gb.mul(y))};
        });
    }

    /** Elementwise max; where a == b the gradient is split evenly, as PyTorch. */
    public static Tensor maximum(Tensor a, Tensor b) {
        return binary("maximum", BinaryOp.MAX, a, b, (g, x, z, y) -> {
            Tensor ties = apply(BinaryOp.EQ, x, z).mul(0.5f);
            Tensor ma = apply(BinaryOp.GT, x, z).add(ties);
            Tensor mb = apply(BinaryOp.LT, x, z).add(ties);
            return new Tensor[] {g.mul(ma), g.mul(mb)};
        });
    }

    /** Comparison masks (1/0), not differentiable. */
    public static Tensor compare(BinaryOp op, Tensor a, Tensor b) {
        return apply(op, a, b);
    }

    public static Tensor addScalar(Tensor x, float c) {
        return Pointwise.unary("add_scalar", UnaryOp.ADD_SCALAR, x, c, 0, (g, in, y) -> g);
    }

    public static Tensor mulScalar(Tensor x, float c) {
        return Pointwise.unary("mul_scalar", UnaryOp.MUL_SCALAR, x, c, 0, (g, in, y) -> g.mul(c));
    }

    /** cond != 0 ? a : b with broadcasting; cond gets no gradient. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        sameBackend("where", cond, a);
        sameBackend("where", a, b);
        int[] shape = Shape.broadcast("where", cond.shape(), Shape.broadcast("where", a.shape(), b.shape()));
        Tensor y = Tensor.uninitialized(a.backend(), shape);
        a.backend().where(cond, Shape.broadcastStrides(cond.shape(), shape), a, Shape.broadcastStrides(a.shape(), shape),
                b, Shape.broadcastStrides(b.shape(), shape), y);
        return Autograd.record("where", y, g -> {
            Tensor zero = Tensor.allocate(g.backend(), 1);
            return new Tensor[] {
                null,
                a.requiresGrad() ? Reductions.sumTo(where(cond, g, zero), a.shape()) : null,
                b.requiresGrad() ? Reductions.sumTo(where(cond, zero, g), b.shape()) : null
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
