package org.jvicreg.engine.backend;

/** Pointwise functions y = f(a, b) of two (broadcast) tensors. */
public enum BinaryOp {
    ADD,
    SUB,
    MUL,
    DIV,
    MAX,
    MIN,
    /** a^b */
    POW,
    /** 1 where a > b else 0; likewise LT, GE, LE, EQ */
    GT,
    LT,
    GE,
    LE,
    EQ,
    /** a * (b > 0): the ReLU gradient with a = upstream gradient, b = input */
    RELU_BACKWARD,
    /** a * b * (1 - b): the sigmoid gradient with b = sigmoid output */
    SIGMOID_BACKWARD,
    /** a * (1 - b^2): the tanh gradient with b = tanh output */
    TANH_BACKWARD;

    /** The scalar definition every backend must match; also the CPU fallback. */
    public float apply(float a, float b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case POW -> (float) Math.pow(a, b);
            case GT -> a > b ? 1f : 0f;
            case LT -> a < b ? 1f : 0f;
            case GE -> a >= b ? 1f : 0f;
            case LE -> a <= b ? 1f : 0f;
            case EQ -> a == b ? 1f : 0f;
            case RELU_BACKWARD -> b > 0 ? a : 0f;
            case SIGMOID_BACKWARD -> a * b * (1f - b);
            case TANH_BACKWARD -> a * (1f - b * b);
        };
    }
}
