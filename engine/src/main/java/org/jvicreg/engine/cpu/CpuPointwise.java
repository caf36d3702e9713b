package org.jvicreg.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.jvicreg.engine.backend.BinaryOp;
import org.jvicreg.engine.backend.UnaryOp;

/**
 * Elementwise kernels on float arrays. The common ops have Vector API loops (contiguous runs and
 * scalar-broadcast runs); the rest use each op's scalar definition.
 */
final class CpuPointwise {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    static final int GRAIN = 1 << 15;

    private CpuPointwise() {}

    static void unary(UnaryOp op, float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        Parallel.forRange(n, GRAIN, (lo, hi) -> unaryRun(op, x, xo + lo, y, yo + lo, hi - lo, a, b));
    }

    private static void unaryRun(UnaryOp op, float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        int i = 0;
        int bound = S.loopBound(n);
        switch (op) {
            case IDENTITY -> {
                if (x != y || xo != yo) System.arraycopy(x, xo, y, yo, n);
                return;
            }
            case RELU -> {
                for (; i < bound; i += VL) FloatVector.fromArray(S, x, xo + i).max(0f).intoArray(y, yo + i);
            }
            case NEG -> {
                for (; i < bound; i += VL) FloatVector.fromArray(S, x, xo + i).neg().intoArray(y, yo + i);
            }
            case ABS -> {
                for (; i < bound; i += VL) FloatVector.fromArray(S, x, xo + i).abs().intoArray(y, yo + i);
            }
            case SQUARE -> {
                for (; i < bound; i += VL) {
                    FloatVector v = FloatVector.fromArray(S, x, xo + i);
                    v.mul(v).intoArray(y, yo + i);
                }
            }
            case SQRT -> {
                for (; i < bound; i += VL) FloatVector.fromArray(S, x, xo + i).sqrt().intoArray(y, yo + i);
            }
            case ADD_SCALAR -> {
                for (; i < bound; i += VL) FloatVector.fromArray(S, x, xo + i).add(a).intoArray(y, yo + i);
            }
            case MUL_SCALAR -> {
                for (; i < bound; i += VL) FloatVector.fromArray(S, x, xo + i).mul(a).intoArray(y, yo + i);
            }
            case AFFINE -> {
                for (; i < bound; i += VL) FloatVector.fromArray(S, x, xo + i).fma(a, b).intoArray(y, yo + i);
            }
            case EXP -> {
                for (; i < bound; i += VL) FloatVector.fromArray(S, x, xo + i).lanewise(VectorOperators.EXP).intoArray(y, yo + i);
            }
            default -> { }
        }
        for (; i < n; i++) y[yo + i] = op.apply(x[xo + i], a, b);
    }

    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        Parallel.forRange(n, GRAIN, (lo, hi) -> {
            int len = hi - lo, i = 0, bound = S.loopBound(len);
            int xs = xo + lo, ys = yo + lo;
            for (; i < bound; i += VL) {
                FloatVector.fromArray(S, x, xs + i).fma(FloatVector.broadcast(S, alpha), FloatVector.fromArray(S, y, ys + i)).intoArray(y, ys + i);
            }
            for (; i < len; i++) y[ys + i] += alpha * x[xs + i];
        });
    }

    /** {@code Backend#movingAverage}: y = decay * y + (1 - decay) * x, each product and the sum rounded on its own. */
    static void movingAverage(float decay, float[] x, int xo, float[] y, int yo, int n) {
        float keep = 1 - decay;
        Parallel.forRange(n, GRAIN, (lo, hi) -> {
            int len = hi - lo, i = 0, bound = S.loopBound(len);
            int xs = xo + lo, ys = yo + lo;
            for (; i < bound; i += VL) {
                FloatVector.fromArray(S, y, ys + i).mul(decay).add(FloatVector.fromArray(S, x, xs + i).mul(keep)).intoArray(y, ys + i);
            }
            for (; i < len; i++) y[ys + i] = decay * y[ys + i] + keep * x[xs + i];
        });
    }

    static void binary(BinaryOp op, int[] shape, float[] a, int ao, long[] as, float[] b, int bo, long[] bs,
                       float[] y, int yo) {
        Strided plan = Strided.of(shape, as, bs, org.jvicreg.engine.Shape.strides(shape));
        int sa = (int) plan.innerStride(0), sb = (int) plan.innerStride(1);
        plan.forEach(new long[] {ao, bo, yo}, GRAIN, (base, len) ->
                binaryRun(op, a, (int) base[0], sa, b, (int) base[1], sb, y, (int) base[2], len));
    }

    /** One run: y[yo + j] = op(a[ao + j*sa], b[bo + j*sb]) for j < n; y is contiguous. */
    private static void binaryRun(BinaryOp op, float[] a, int ao, int sa, float[] b, int bo, int sb,
                                  float[] y, int yo, int n) {
        int i = 0;
        if (sa == 1 && sb == 1) {
            int bound = S.loopBound(n);
            switch (op) {
                case ADD -> {
                    for (; i < bound; i += VL) FloatVector.fromArray(S, a, ao + i).add(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
                }
                case SUB -> {
                    for (; i < bound; i += VL) FloatVector.fromArray(S, a, ao + i).sub(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
                }
                case MUL -> {
                    for (; i < bound; i += VL) FloatVector.fromArray(S, a, ao + i).mul(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
                }
                case DIV -> {
                    for (; i < bound; i += VL) FloatVector.fromArray(S, a, ao + i).div(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
                }
                case RELU_BACKWARD -> {
                    for (; i < bound; i += VL) {
                        FloatVector g = FloatVector.fromArray(S, a, ao + i);
                        FloatVector x = FloatVector.fromArray(S, b, bo + i);
                        FloatVector.zero(S).blend(g, x.compare(VectorOperators.GT, 0f)).intoArray(y, yo + i);
                    }
                }
                default -> { }
            }
            for (; i < n; i++) y[yo + i] = op.apply(a[ao + i], b[bo + i]);
        } else if (sa == 1 && sb == 0) {
            float bv = b[bo];
            int bound = S.loopBound(n);
            switch (op) {
                case ADD -> {
                    for (; i < bound; i += VL) FloatVector.fromArray(S, a, ao + i).add(bv).intoArray(y, yo + i);
                }
                case SUB -> {
                    for (; i < bound; i += VL) FloatVector.fromArray(S, a, ao + i).sub(bv).intoArray(y, yo + i);
                }
                case MUL -> {
                    for (; i < bound; i += VL) FloatVector.fromArray(S, a, ao + i).mul(bv).intoArray(y, yo + i);
                }
                case DIV -> {
                    for (; i < bound; i += VL) FloatVector.fromArray(S, a, ao + i).div(bv).intoArray(y, yo + i);
                }
                default -> { }
            }
            for (; i < n; i++) y[yo + i] = op.apply(a[ao + i], bv);
        } else if (sa == 0 && sb == 1) {
            float av = a[ao];
            int bound = S.loopBound(n);
            switch (op) {
                case ADD -> {
                    for (; i < bound; i += VL) FloatVector.fromArray(S, b, bo + i).add(av).intoArray(y, yo + i);
                }
                case MUL -> {
                    for (; i < bound; i += VL) FloatVector.fromArray(S, b, bo + i).mul(av).intoArray(y, yo + i);
                }
                default -> { }
            }
            for (; i < n; i++) y[yo + i] = op.apply(av, b[bo + i]);
        } else {
            for (; i < n; i++) y[yo + i] = op.apply(a[ao + i * sa], b[bo + i * sb]);
        }
    }

    static void where(int[] shape, float[] c, int co, long[] cs, float[] a, int ao, long[] as, float[] b, int bo, long[] bs,
                      float[] y, int yo) {
        Strided plan = Strided.of(shape, cs, as, bs, org.jvicreg.engine.Shape.strides(shape));
        int sc = (int) plan.innerStride(0), sa = (int) plan.innerStride(1), sb = (int) plan.innerStride(2);
        plan.forEach(new long[] {co, ao, bo, yo}, GRAIN, (base, len) -> {
            int cb = (int) base[0], ab = (int) base[1], bb = (int) base[2], yb = (int) base[3];
            for (int j = 0; j < len; j++) y[yb + j] = c[cb + j * sc] != 0f ? a[ab + j * sa] : b[bb + j * sb];
        });
    }

    /** dst[dstOff + i.dstStrides] = src[srcOff + i.srcStrides] for every index i of shape. */
    static void copyStrided(float[] src, int so, long[] ss, int[] shape, float[] dst, int dOff, long[] ds) {
        Strided plan = Strided.of(shape, ss, ds);
        int s1 = (int) plan.innerStride(0), d1 = (int) plan.innerStride(1);
        plan.forEach(new long[] {so, dOff}, GRAIN, (base, len) -> {
            int sb = (int) base[0], db = (int) base[1];
            if (s1 == 1 && d1 == 1) {
                System.arraycopy(src, sb, dst, db, len);
            } else if (s1 == 0 && d1 == 1) {
                java.util.Arrays.fill(dst, db, db + len, src[sb]);
            } else {
                for (int j = 0; j < len; j++) dst[db + j * d1] = src[sb + j * s1];
            }
        });
    }
}
