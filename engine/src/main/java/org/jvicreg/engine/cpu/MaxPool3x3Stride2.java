package org.jvicreg.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.jvicreg.engine.backend.PoolGeometry;

/**
 * Max pooling with 3 x 3 windows, stride 2 and padding 1 (ResNet's stem) one output row at a time, with vectors
 * along the row rather than one window at a time: first the maximum of the window's (up to) three input
 * rows in every input column, then, for each output, the best of its three columns 2*ox - 1 .. 2*ox + 1.
 * "Best" is {@link CpuPool}'s rule: the first maximum in row-major order, a NaN before anything else (the
 * first NaN), padding never; comparing positions (row * w + column, exact in a float below 2^24) makes the
 * column order irrelevant. The forward pass keeps the values, the backward pass adds each output's gradient
 * at the position that won. Going one window at a time would chain dependent compares and data-dependent
 * branches.
 */
final class MaxPool3x3Stride2 {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final float NONE = Float.POSITIVE_INFINITY;

    /** Whether g is this pooling, on planes small enough that every position is exact as a float. */
    static boolean applies(PoolGeometry g) {
        return g.kh() == 3 && g.kw() == 3 && g.strideH() == 2 && g.strideW() == 2 && g.padH() == 1 && g.padW() == 1
                && (long) g.h() * g.w() < (1 << 24);
    }

    static void forward(PoolGeometry g, float[] x, int xo, float[] y, int yo) {
        int hw = g.h() * g.w(), oh = g.oh(), ow = g.ow();
        Parallel.forRange(g.n() * g.c(), 4, (lo, hi) -> {
            Rows rows = new Rows(g.h(), g.w(), ow);
            for (int pl = lo; pl < hi; pl++) {
                for (int oy = 0; oy < oh; oy++) {
                    rows.best(x, xo + pl * hw, oy);
                    System.arraycopy(rows.value, 0, y, yo + (pl * oh + oy) * ow, ow);
                }
            }
        });
    }

    static void backward(PoolGeometry g, float[] x, int xo, float[] dy, int dyo, float[] dx, int dxo) {
        int hw = g.h() * g.w(), oh = g.oh(), ow = g.ow();
        Parallel.forRange(g.n() * g.c(), 4, (lo, hi) -> {
            Rows rows = new Rows(g.h(), g.w(), ow);
            for (int pl = lo; pl < hi; pl++) {
                int d = dxo + pl * hw;
                java.util.Arrays.fill(dx, d, d + hw, 0f);
                for (int oy = 0; oy < oh; oy++) {
                    rows.best(x, xo + pl * hw, oy);
                    int o = dyo + (pl * oh + oy) * ow;
                    for (int ox = 0; ox < ow; ox++) dx[d + (int) rows.position[ox]] += dy[o + ox];
                }
            }
        });
    }

    /** One thread's buffers for one plane's output rows. */
    private static final class Rows {
        final int h, w, ow;
        /** Per input column: the maximum over the window's rows and the row it came from. */
        final float[] colValue, colRow;
        /** Per output: its left, middle and right column's best (value, position); NONE where padding. */
        final float[] leftValue, leftPos, midValue, midPos, rightValue, rightPos;
        /** Per output: the window's best value and its position in the plane. */
        final float[] value, position;

        Rows(int h, int w, int ow) {
            this.h = h;
            this.w = w;
            this.ow = ow;
            colValue = new float[w];
            colRow = new float[w];
            leftValue = new float[ow];
            leftPos = new float[ow];
            midValue = new float[ow];
            midPos = new float[ow];
            rightValue = new float[ow];
            rightPos = new float[ow];
            value = new float[ow];
            position = new float[ow];
        }

        /** value and position of every window of output row oy of the plane at {@code in}. */
        void best(float[] x, int in, int oy) {
            int r0 = Math.max(0, 2 * oy - 1), r1 = Math.min(h, 2 * oy + 2);
            columnMaxima(x, in, r0, r1);
            for (int ox = 0; ox < ow; ox++) {
                int c = 2 * ox - 1;
                leftValue[ox] = c >= 0 ? colValue[c] : Float.NEGATIVE_INFINITY;
                leftPos[ox] = c >= 0 ? colRow[c] * w + c : NONE;
                midValue[ox] = colValue[c + 1];
                midPos[ox] = colRow[c + 1] * w + c + 1;
                rightValue[ox] = c + 2 < w ? colValue[c + 2] : Float.NEGATIVE_INFINITY;
                rightPos[ox] = c + 2 < w ? colRow[c + 2] * w + c + 2 : NONE;
            }
            int ox = 0;
            for (int bound = S.loopBound(ow); ox < bound; ox += S.length()) {
                FloatVector m = FloatVector.fromArray(S, leftValue, ox), p = FloatVector.fromArray(S, leftPos, ox);
                FloatVector v = FloatVector.fromArray(S, midValue, ox), vp = FloatVector.fromArray(S, midPos, ox);
                VectorMask<Float> take = better(v, vp, m, p);
                m = m.blend(v, take);
                p = p.blend(vp, take);
                v = FloatVector.fromArray(S, rightValue, ox);
                vp = FloatVector.fromArray(S, rightPos, ox);
                take = better(v, vp, m, p);
                m.blend(v, take).intoArray(value, ox);
                p.blend(vp, take).intoArray(position, ox);
            }
            for (; ox < ow; ox++) {
                float m = leftValue[ox], p = leftPos[ox];
                if (better(midValue[ox], midPos[ox], m, p)) {
                    m = midValue[ox];
                    p = midPos[ox];
                }
                if (better(rightValue[ox], rightPos[ox], m, p)) {
                    m = rightValue[ox];
                    p = rightPos[ox];
                }
                value[ox] = m;
                position[ox] = p;
            }
        }

        /** colValue/colRow over input rows [r0, r1): the column's maximum, the first row on a tie, NaN first. */
        private void columnMaxima(float[] x, int in, int r0, int r1) {
            int j = 0;
            for (int bound = S.loopBound(w); j < bound; j += S.length()) {
                FloatVector m = FloatVector.fromArray(S, x, in + r0 * w + j), row = FloatVector.broadcast(S, r0);
                for (int r = r0 + 1; r < r1; r++) {
                    FloatVector v = FloatVector.fromArray(S, x, in + r * w + j);
                    VectorMask<Float> take = v.compare(VectorOperators.GT, m)
                            .or(v.test(VectorOperators.IS_NAN).andNot(m.test(VectorOperators.IS_NAN)));
                    m = m.blend(v, take);
                    row = row.blend((float) r, take);
                }
                m.intoArray(colValue, j);
                row.intoArray(colRow, j);
            }
            for (; j < w; j++) {
                float m = x[in + r0 * w + j];
                int row = r0;
                for (int r = r0 + 1; r < r1; r++) {
                    float v = x[in + r * w + j];
                    if (v > m || (v != v && m == m)) {
                        m = v;
                        row = r;
                    }
                }
                colValue[j] = m;
                colRow[j] = row;
            }
        }
    }

    /** Whether (v, p) beats the current best (m, pm): NaN first, then larger, then earlier in the plane. */
    private static VectorMask<Float> better(FloatVector v, FloatVector p, FloatVector m, FloatVector pm) {
        VectorMask<Float> earlier = p.compare(VectorOperators.LT, pm), vNaN = v.test(VectorOperators.IS_NAN);
        return v.compare(VectorOperators.GT, m)
                .or(v.compare(VectorOperators.EQ, m).and(earlier))
                .or(vNaN.and(m.test(VectorOperators.IS_NAN).not().or(earlier)));
    }

    private static boolean better(float v, float p, float m, float pm) {
        return v > m || (v == m && p < pm) || (v != v && (m == m || p < pm));
    }
}
