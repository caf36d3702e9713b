package org.jvicreg.engine.backend;

/**
 * Pointwise functions y = f(x; a, b). {@code a} and {@code b} are the scalar parameters some ops take
 * (named in each constant's comment); others ignore them.
 */
public enum UnaryOp {
    IDENTITY,
    NEG,
    EXP,
    LOG,
    SQRT,
    RSQRT,
    ABS,
    SIGN,
    RELU,
    SIGMOID,
    TANH,
    SQUARE,
    RECIPROCAL,
    /** x^a */
    POW,
    /** min(max(x, a), b) */
    CLAMP,
    /** 1 where a <= x <= b, else 0 (the gradient mask of CLAMP) */
    IN_RANGE,
    /** x + a */
    ADD_SCALAR,
    /** x * a */
    MUL_SCALAR,
    /** a * x + b */
    AFFINE,
    /** 1 where x > 0 else 0 */
    STEP;

    /** The scalar definition every backend must match; also the CPU fallback. */
    public float apply(float x, float a, float b) {
        return switch (this) {
            case IDENTITY -> x;
            case NEG -> -x;
            case EXP -> (float) Math.exp(x);
            case LOG -> (float) Math.log(x);
            case SQRT -> (float) Math.sqrt(x);
            case RSQRT -> (float) (1.0 / Math.sqrt(x));
            case ABS -> Math.abs(x);
            case SIGN -> Math.signum(x);
            case RELU -> x > 0 ? x : 0f;
            case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-x)));
            case TANH -> (float) Math.tanh(x);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1f / x;
            case POW -> (float) Math.pow(x, a);
            case CLAMP -> Math.min(Math.max(x, a), b);
            case IN_RANGE -> x >= a && x <= b ? 1f : 0f;
            case ADD_SCALAR -> x + a;
            case MUL_SCALAR -> x * a;
            case AFFINE -> a * x + b;
            case STEP -> x > 0 ? 1f : 0f;
        };
    }
}
