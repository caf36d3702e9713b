package org.jvicreg.engine.ops;

import org.jvicreg.engine.Autograd;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.BinaryOp;
import org.jvicreg.engine.backend.UnaryOp;

/** Elementwise functions of one tensor, each with its gradient beside it. */
public final class Pointwise {
    private Pointwise() {}

    /** Gradient rule of a unary op, given upstream g, input x and output y. */
    @FunctionalInterface
    public interface Rule {
        Tensor apply(Tensor g, Tensor x, Tensor y);
    }

    /** Runs a unary kernel and records its gradient rule. */
    public static Tensor unary(String name, UnaryOp op, Tensor x, float a, float b, Rule rule) {
        Tensor y = Tensor.uninitialized(x.backend(), x.shape());
        x.backend().unary(op, x, y, a, b);
        return Autograd.record(name, y, g -> new Tensor[] {rule.apply(g, x, y)}, x);
    }

    /** Unrecorded kernel call, for use inside backward rules and masks. */
    static Tensor apply(UnaryOp op, Tensor x, float a, float b) {
        Tensor y = Tensor.uninitialized(x.backend(), x.shape());
        x.backend().unary(op, x, y, a, b);
        return y;
    }

    public static Tensor neg(Tensor x) {
        return unary("neg", UnaryOp.NEG, x, 0, 0, (g, in, y) -> neg(g));
    }

    public static Tensor exp(Tensor x) {
        return unary("exp", UnaryOp.EXP, x, 0, 0, (g, in, y) -> g.mul(y));
    }

    public static Tensor log(Tensor x) {
        return unary("log", UnaryOp.LOG, x, 0, 0, (g, in, y) -> g.div(in));
    }

    /** d sqrt(x) = 1 / (2 sqrt(x)). */
    public static Tensor sqrt(Tensor x) {
        return unary("sqrt", UnaryOp.SQRT, x, 0, 0, (g, in, y) -> g.div(y).mul(0.5f));
    }

    /** d |x| = sign(x) (0 at 0, as PyTorch). */
    public static Tensor abs(Tensor x) {
        return unary("abs", UnaryOp.ABS, x, 0, 0, (g, in, y) -> g.mul(apply(UnaryOp.SIGN, in, 0, 0)));
    }

    public static Tensor square(Tensor x) {
        return unary("square", UnaryOp.SQUARE, x, 0, 0, (g, in, y) -> g.mul(in).mul(2f));
    }

    /** d x^p = p x^(p-1). */
    public static Tensor pow(Tensor x, float p) {
        if (p == 2f) return square(x);
        return unary("pow", UnaryOp.POW, x, p, 0, (g, in, y) -> g.mul(apply(UnaryOp.POW, in, p - 1, 0)).mul(p));
    }

    public static Tensor relu(Tensor x) {
        return unary("relu", UnaryOp.RELU, x, 0, 0, (g, in, y) -> Arithmetic.apply(BinaryOp.RELU_BACKWARD, g, in));
    }

    public static Tensor sigmoid(Tensor x) {
        return unary("sigmoid", UnaryOp.SIGMOID, x, 0, 0,
                (g, in, y) -> Arithmetic.apply(BinaryOp.SIGMOID_BACKWARD, g, y));
    }

    public static Tensor tanh(Tensor x) {
        return unary("tanh", UnaryOp.TANH, x, 0, 0, (g, in, y) -> Arithmetic.apply(BinaryOp.TANH_BACKWARD, g, y));
    }

    /** Gradient passes where min <= x <= max, as PyTorch. */
    public static Tensor clamp(Tensor x, float min, float max) {
        if (min > max) throw new IllegalArgumentException("clamp: min " + min + " is greater than max " + max);
        return unary("clamp", UnaryOp.CLAMP, x, min, max,
                (g, in, y) -> g.mul(apply(UnaryOp.IN_RANGE, in, min, max)));
    }
}
