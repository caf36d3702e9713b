package org.jvicreg.engine.ops;

import org.jvicreg.engine.Autograd;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.BinaryOp;
import org.jvicreg.engine.backend.UnaryOp;

import java.util.function.UnaryOperator;

/**
 * Elementwise functions of one tensor, each with its gradient beside it. A gradient rule is a lambda
 * over the upstream gradient g that names the input x or the output y only where it reads them: what
 * it names is what autograd keeps alive until backward (PyTorch's saved tensors), and nothing else.
 */
public final class Pointwise {
    private Pointwise() {}

    /** Records y = op(x) with d loss / dx = rule(d loss / dy). */
    public static Tensor recorded(String name, Tensor y, Tensor x, UnaryOperator<Tensor> rule) {
        return Autograd.record(name, y, g -> new Tensor[] {rule.apply(g)}, x);
    }

    /** Unrecorded kernel call, for forward passes and for use inside backward rules and masks. */
    static Tensor apply(UnaryOp op, Tensor x, float a, float b) {
        Tensor y = Tensor.uninitialized(x.backend(), x.shape());
        x.backend().unary(op, x, y, a, b);
        return y;
    }

    /** A copy of x with its own storage (its gradient is the identity). */
    public static Tensor copy(Tensor x) {
        return recorded("copy", apply(UnaryOp.IDENTITY, x, 0, 0), x, g -> g);
    }

    public static Tensor neg(Tensor x) {
        return recorded("neg", apply(UnaryOp.NEG, x, 0, 0), x, g -> neg(g));
    }

    public static Tensor exp(Tensor x) {
        Tensor y = apply(UnaryOp.EXP, x, 0, 0);
        return recorded("exp", y, x, g -> g.mul(y));
    }

    public static Tensor log(Tensor x) {
        return recorded("log", apply(UnaryOp.LOG, x, 0, 0), x, g -> g.div(x));
    }

    /** d sqrt(x) = 1 / (2 sqrt(x)). */
    public static Tensor sqrt(Tensor x) {
        Tensor y = apply(UnaryOp.SQRT, x, 0, 0);
        return recorded("sqrt", y, x, g -> g.div(y).mul(0.5f));
    }

    /** d |x| = sign(x) (0 at 0, as PyTorch). */
    public static Tensor abs(Tensor x) {
        return recorded("abs", apply(UnaryOp.ABS, x, 0, 0), x, g -> g.mul(apply(UnaryOp.SIGN, x, 0, 0)));
    }

    public static Tensor square(Tensor x) {
        return recorded("square", apply(UnaryOp.SQUARE, x, 0, 0), x, g -> g.mul(x).mul(2f));
    }

    /** d x^p = p x^(p-1). */
    public static Tensor pow(Tensor x, float p) {
        if (p == 2f) return square(x);
        return recorded("pow", apply(UnaryOp.POW, x, p, 0), x, g -> g.mul(apply(UnaryOp.POW, x, p - 1, 0)).mul(p));
    }

    public static Tensor relu(Tensor x) {
        return recorded("relu", apply(UnaryOp.RELU, x, 0, 0), x, g -> Arithmetic.apply(BinaryOp.RELU_BACKWARD, g, x));
    }

    public static Tensor sigmoid(Tensor x) {
        Tensor y = apply(UnaryOp.SIGMOID, x, 0, 0);
        return recorded("sigmoid", y, x, g -> Arithmetic.apply(BinaryOp.SIGMOID_BACKWARD, g, y));
    }

    public static Tensor tanh(Tensor x) {
        Tensor y = apply(UnaryOp.TANH, x, 0, 0);
        return recorded("tanh", y, x, g -> Arithmetic.apply(BinaryOp.TANH_BACKWARD, g, y));
    }

    /** Gradient passes where min <= x <= max, as PyTorch. */
    public static Tensor clamp(Tensor x, float min, float max) {
        if (min > max) throw new IllegalArgumentException("clamp: min " + min + " is greater than max " + max);
        return recorded("clamp", apply(UnaryOp.CLAMP, x, min, max), x, g -> g.mul(apply(UnaryOp.IN_RANGE, x, min, max)));
    }
}
