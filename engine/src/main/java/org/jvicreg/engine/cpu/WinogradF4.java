package org.jvicreg.engine.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import static org.jvicreg.engine.cpu.SgemmKernel.S;
import static org.jvicreg.engine.cpu.SgemmKernel.VL;

/**
 * The transforms of Winograd's F(4x4, 3x3) with interpolation points 0, 1, -1, 2, -2 and infinity, shared by
 * the batch-last ({@link BatchLastWinograd}) and NCHW ({@link Winograd4x4}) kernels: the filter transform and
 * its adjoint per filter in double (Winograd4x4 transforms its filters on vectors, in float), and the input,
 * output and output-gradient transforms on vectors of VL lanes. With a 6x6 input window d, a 3x3 filter g and
 * a 4x4 output tile,
 * <pre>
 *   Y = A^T [ (G g G^T) . (B^T d B) ] A
 *   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
 *   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
 *   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
 * </pre>
 * Value xi = 6 i + j of a transformed tile is its row i, column j.
 */
final class WinogradF4 {
    private WinogradF4() {}

    /** Output tile side, input window side and values of a transformed tile. */
    static final int TILE = 4, WINDOW = 6, XI = 36;

    /** u[xi] = (G g G^T)[xi] for the 3x3 filter g (row-major), through gg (18 doubles). */
    static void transformFilter(double[] g, double[] gg, double[] u) {
        for (int j = 0; j < 3; j++) timesG(g[j], g[3 + j], g[6 + j], gg, j, 3);             // G g: G applied to g's columns
        for (int i = 0; i < WINDOW; i++) timesG(gg[3 * i], gg[3 * i + 1], gg[3 * i + 2], u, WINDOW * i, 1); // then to the rows
    }

    private static final double SIXTH = 1 / 6.0, TWELFTH = 1 / 12.0, TWENTY_FOURTH = 1 / 24.0;

    /** G (6 x 3) times (x0, x1, x2), to b[to + i * step]. */
    private static void timesG(double x0, double x1, double x2, double[] b, int to, int step) {
        b[to] = 0.25 * x0;
        b[to + step] = -SIXTH * x0 - SIXTH * x1 - SIXTH * x2;
        b[to + 2 * step] = -SIXTH * x0 + SIXTH * x1 - SIXTH * x2;
        b[to + 3 * step] = TWENTY_FOURTH * x0 + TWELFTH * x1 + SIXTH * x2;
        b[to + 4 * step] = TWENTY_FOURTH * x0 - TWELFTH * x1 + SIXTH * x2;
        b[to + 5 * step] = x2;
    }

    /**
     * The filter transform's adjoint for VL filters at once: dw[dwo + (p0 + l) * 9 ..] = G^T Q_l G (3x3) for
     * l below VL, where value xi of Q_l (6x6) is the float sum, copy by copy from 0, of
     * z[copy * copyStride + xi * pairs + p0 + l] over {@code copies} copies. In double, rounded to float once
     * at the end, lane by lane the arithmetic of one filter at a time; q (36 VL doubles) and gz (18 VL) are
     * the caller's scratch.
     */
    static void untransformFilters(float[] z, int copies, int copyStride, int pairs, int p0, double[] q, double[] gz,
                                   float[] dw, int dwo) {
        for (int xi = 0; xi < XI; xi++) {
            FloatVector sum = FloatVector.zero(S);
            for (int t = 0; t < copies; t++) sum = sum.add(FloatVector.fromArray(S, z, t * copyStride + xi * pairs + p0));
            for (int part = 0; part < VL / DL; part++) {
                ((DoubleVector) sum.convertShape(VectorOperators.F2D, D, part)).intoArray(q, xi * VL + part * DL);
            }
        }
        for (int j = 0; j < WINDOW; j++) timesGt(q, j, WINDOW, gz, j, WINDOW); // G^T's rows applied to Q's columns
        for (int r = 0; r < 3; r++) timesGt(gz, r * WINDOW, 1, q, r * 3, 1);    // then to the result's rows
        for (int l = 0; l < VL; l++) { // a scatter (9 floats apart) measured slower in Winograd4x4
            int to = dwo + (p0 + l) * 9;
            for (int i = 0; i < 9; i++) dw[to + i] = (float) q[i * VL + l];
        }
    }

    /** Doubles in the vectors of the filter transform's adjoint: half of VL. */
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, VectorShape.forBitSize(S.vectorBitSize()));
    private static final int DL = D.length();

    /**
     * G^T (3 x 6) times the 6 values a[from + i * step], to b[to], b[to + stride], b[to + 2 stride], where each
     * value is VL lanes: value v of an array is a[v * VL .. v * VL + VL).
     */
    private static void timesGt(double[] a, int from, int step, double[] b, int to, int stride) {
        for (int l = 0; l < VL; l += DL) {
            DoubleVector q0 = DoubleVector.fromArray(D, a, from * VL + l), q1 = DoubleVector.fromArray(D, a, (from + step) * VL + l);
            DoubleVector q2 = DoubleVector.fromArray(D, a, (from + 2 * step) * VL + l);
            DoubleVector q3 = DoubleVector.fromArray(D, a, (from + 3 * step) * VL + l);
            DoubleVector q4 = DoubleVector.fromArray(D, a, (from + 4 * step) * VL + l);
            DoubleVector q5 = DoubleVector.fromArray(D, a, (from + 5 * step) * VL + l);
            DoubleVector s12 = q1.add(q2).div(6), s34 = q3.add(q4);
            q0.div(4).sub(s12).add(s34.div(24)).intoArray(b, to * VL + l);
            q2.sub(q1).div(6).add(q3.sub(q4).div(12)).intoArray(b, (to + stride) * VL + l);
            s34.div(6).sub(s12).add(q5).intoArray(b, (to + 2 * stride) * VL + l);
        }
    }

    /** Tiles along one side of {@code size} pixels. */
    static int tiles(int size) {
        return (size + TILE - 1) / TILE;
    }

    /** A vector of zeros to load from where a window or tile reaches past the image. */
    private static final float[] ZEROS = new float[VL];

    /*
     * The transforms below run on groups of VL lanes, VL images of batch-last planes (BatchLastWinograd) or VL
     * channels of channels-last images (Winograd4x4); pixels stand {@code ps} floats apart. Each is one method
     * whose loops keep every vector within one iteration: C2 boxes a vector passed to a method it did not
     * inline, or merged from two branches, and a transform written as calls of small vector helpers ran out of
     * its inlining budget (NodeCountInliningCutoff) and ran several times slower. Loads past the image's edge
     * read a vector of zeros instead, chosen as an array, not a vector.
     */

    /**
     * B^T d B of 6x6 windows d at (row, col), VL lanes at a time: the lanes of group (o, i) start at
     * {@code x[in + o * srcOuter + i * VL]} at the image's pixel (0, 0), pixels {@code ps} floats apart, and value
     * xi of the group goes to {@code v[vOff + xi * step + o * dstOuter + i * VL]}, for o below {@code outer} and i below
     * {@code inner}. Batch-last planes: groups (channel, VL images); channels-last images: groups of VL channels. B^T's rows, applied to the
     * window's columns (into t, row i column j at t[(6 i + j) VL]) and then to the rows of the result:
     * [4 0 -5 0 1 0], [0 -4 -4 1 1 0], [0 4 -4 -1 1 0], [0 -2 -1 2 1 0], [0 2 -1 -2 1 0], [0 4 0 -5 0 1].
     */
    static void transformInput(float[] x, int in, int outer, int srcOuter, int dstOuter, int inner, int ps, int h, int w,
                                       int row, int col, float[] t, float[] v, int vOff, int step) {
        for (int o = 0; o < outer; o++) {
            for (int i0 = 0; i0 < inner * VL; i0 += VL) {
                int src = in + o * srcOuter + i0, dst = vOff + o * dstOuter + i0;
                for (int j = 0; j < 6; j++) {
                    int cc = col + j, at = src + (row * w + cc) * ps;
                    boolean inCol = cc >= 0 && cc < w;
                    boolean in0 = inCol && row >= 0 && row < h, in1 = inCol && row + 1 >= 0 && row + 1 < h;
                    boolean in2 = inCol && row + 2 >= 0 && row + 2 < h, in3 = inCol && row + 3 >= 0 && row + 3 < h;
                    boolean in4 = inCol && row + 4 >= 0 && row + 4 < h, in5 = inCol && row + 5 >= 0 && row + 5 < h;
                    FloatVector d0 = FloatVector.fromArray(S, in0 ? x : ZEROS, in0 ? at : 0);
                    FloatVector d1 = FloatVector.fromArray(S, in1 ? x : ZEROS, in1 ? at + w * ps : 0);
                    FloatVector d2 = FloatVector.fromArray(S, in2 ? x : ZEROS, in2 ? at + 2 * w * ps : 0);
                    FloatVector d3 = FloatVector.fromArray(S, in3 ? x : ZEROS, in3 ? at + 3 * w * ps : 0);
                    FloatVector d4 = FloatVector.fromArray(S, in4 ? x : ZEROS, in4 ? at + 4 * w * ps : 0);
                    FloatVector d5 = FloatVector.fromArray(S, in5 ? x : ZEROS, in5 ? at + 5 * w * ps : 0);
                    FloatVector a = d4.sub(d2.mul(4f)), b = d3.sub(d1.mul(4f)), e = d4.sub(d2), f = d3.sub(d1).mul(2f);
                    d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(t, j * VL);
                    a.add(b).intoArray(t, (6 + j) * VL);
                    a.sub(b).intoArray(t, (12 + j) * VL);
                    e.add(f).intoArray(t, (18 + j) * VL);
                    e.sub(f).intoArray(t, (24 + j) * VL);
                    d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(t, (30 + j) * VL);
                }
                for (int i = 0; i < 6; i++) {
                    int from = 6 * i * VL, to = 6 * i * step + dst;
                    FloatVector d0 = FloatVector.fromArray(S, t, from), d1 = FloatVector.fromArray(S, t, from + VL);
                    FloatVector d2 = FloatVector.fromArray(S, t, from + 2 * VL), d3 = FloatVector.fromArray(S, t, from + 3 * VL);
                    FloatVector d4 = FloatVector.fromArray(S, t, from + 4 * VL), d5 = FloatVector.fromArray(S, t, from + 5 * VL);
                    FloatVector a = d4.sub(d2.mul(4f)), b = d3.sub(d1.mul(4f)), e = d4.sub(d2), f = d3.sub(d1).mul(2f);
                    d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(v, to);
                    a.add(b).intoArray(v, to + step);
                    a.sub(b).intoArray(v, to + 2 * step);
                    e.add(f).intoArray(v, to + 3 * step);
                    e.sub(f).intoArray(v, to + 4 * step);
                    d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(v, to + 5 * step);
                }
            }
        }
    }

    /**
     * A^T M A of 4x4 output tiles, VL lanes at a time, the pixels at (row, col) inside the image: M's value xi of
     * group (o, i) at {@code m[mFrom + xi * step + o * mOuter + i * VL]}; the group's pixel (r, c) to
     * {@code y[yFrom + o * yOuter + i * VL + (r w + c) ps]}, o below {@code outer} and i below {@code inner}. A^T's
     * rows, applied to M's columns (into t, row i column j at t[(6 i + j) VL]) and then to the rows of the result.
     */
    static void transformOutput(float[] m, int mFrom, int outer, int mOuter, int yOuter, int inner, int step, float[] t,
                                float[] y, int yFrom, int ps, int h, int w, int row, int col) {
        int rows = Math.min(TILE, h - row), cols = Math.min(TILE, w - col);
        for (int o = 0; o < outer; o++) {
            for (int i0 = 0; i0 < inner * VL; i0 += VL) {
                int src = mFrom + o * mOuter + i0, dst = yFrom + o * yOuter + i0 + (row * w + col) * ps;
                for (int j = 0; j < 6; j++) {
                    int at = src + j * step;
                    FloatVector m0 = FloatVector.fromArray(S, m, at), m1 = FloatVector.fromArray(S, m, at + 6 * step);
                    FloatVector m2 = FloatVector.fromArray(S, m, at + 12 * step), m3 = FloatVector.fromArray(S, m, at + 18 * step);
                    FloatVector m4 = FloatVector.fromArray(S, m, at + 24 * step), m5 = FloatVector.fromArray(S, m, at + 30 * step);
                    FloatVector s12 = m1.add(m2), d12 = m1.sub(m2), s34 = m3.add(m4), d34 = m3.sub(m4);
                    m0.add(s12).add(s34).intoArray(t, j * VL);
                    d12.add(d34.mul(2f)).intoArray(t, (6 + j) * VL);
                    s12.add(s34.mul(4f)).intoArray(t, (12 + j) * VL);
                    d12.add(d34.mul(8f)).add(m5).intoArray(t, (18 + j) * VL);
                }
                for (int i = 0; i < rows; i++) {
                    int from = 6 * i * VL, to = dst + i * w * ps;
                    FloatVector m0 = FloatVector.fromArray(S, t, from), m1 = FloatVector.fromArray(S, t, from + VL);
                    FloatVector m2 = FloatVector.fromArray(S, t, from + 2 * VL), m3 = FloatVector.fromArray(S, t, from + 3 * VL);
                    FloatVector m4 = FloatVector.fromArray(S, t, from + 4 * VL), m5 = FloatVector.fromArray(S, t, from + 5 * VL);
                    FloatVector s12 = m1.add(m2), d12 = m1.sub(m2), s34 = m3.add(m4), d34 = m3.sub(m4);
                    m0.add(s12).add(s34).intoArray(y, to);
                    if (cols > 1) d12.add(d34.mul(2f)).intoArray(y, to + ps);
                    if (cols > 2) s12.add(s34.mul(4f)).intoArray(y, to + 2 * ps);
                    if (cols > 3) d12.add(d34.mul(8f)).add(m5).intoArray(y, to + 3 * ps);
                }
            }
        }
    }

    /**
     * A dY A^T of the 4x4 output-gradient tile at (row, col), zeros past the image's edge, VL lanes at a time: the
     * lanes of group (o, i) start at {@code dy[from + o * srcOuter + i * VL]} at the image's pixel (0, 0), and value
     * xi of the group goes to {@code e[eOff + xi * step + o * dstOuter + i * VL]}. A's rows, applied to the tile's
     * columns (into t, row i column j at t[(4 i + j) VL]) and then to the rows of the result.
     */
    static void transformGradient(float[] dy, int from, int outer, int srcOuter, int dstOuter, int inner, int ps, int h, int w,
                                  int row, int col, float[] t, float[] e, int eOff, int step) {
        for (int o = 0; o < outer; o++) {
            for (int i0 = 0; i0 < inner * VL; i0 += VL) {
                int src = from + o * srcOuter + i0, dst = eOff + o * dstOuter + i0;
                for (int j = 0; j < 4; j++) {
                    int cc = col + j, at = src + (row * w + cc) * ps;
                    boolean inCol = cc < w;
                    boolean in1 = inCol && row + 1 < h, in2 = inCol && row + 2 < h, in3 = inCol && row + 3 < h;
                    FloatVector d0 = FloatVector.fromArray(S, inCol ? dy : ZEROS, inCol ? at : 0);
                    FloatVector d1 = FloatVector.fromArray(S, in1 ? dy : ZEROS, in1 ? at + w * ps : 0);
                    FloatVector d2 = FloatVector.fromArray(S, in2 ? dy : ZEROS, in2 ? at + 2 * w * ps : 0);
                    FloatVector d3 = FloatVector.fromArray(S, in3 ? dy : ZEROS, in3 ? at + 3 * w * ps : 0);
                    FloatVector s02 = d0.add(d2), s13 = d1.add(d3), u = d0.add(d2.mul(4f)), v = d1.mul(2f).add(d3.mul(8f));
                    d0.intoArray(t, j * VL);
                    s02.add(s13).intoArray(t, (4 + j) * VL);
                    s02.sub(s13).intoArray(t, (8 + j) * VL);
                    u.add(v).intoArray(t, (12 + j) * VL);
                    u.sub(v).intoArray(t, (16 + j) * VL);
                    d3.intoArray(t, (20 + j) * VL);
                }
                for (int i = 0; i < 6; i++) {
                    int src4 = 4 * i * VL, to = dst + 6 * i * step;
                    FloatVector d0 = FloatVector.fromArray(S, t, src4), d1 = FloatVector.fromArray(S, t, src4 + VL);
                    FloatVector d2 = FloatVector.fromArray(S, t, src4 + 2 * VL), d3 = FloatVector.fromArray(S, t, src4 + 3 * VL);
                    FloatVector s02 = d0.add(d2), s13 = d1.add(d3), u = d0.add(d2.mul(4f)), v = d1.mul(2f).add(d3.mul(8f));
                    d0.intoArray(e, to);
                    s02.add(s13).intoArray(e, to + step);
                    s02.sub(s13).intoArray(e, to + 2 * step);
                    u.add(v).intoArray(e, to + 3 * step);
                    u.sub(v).intoArray(e, to + 4 * step);
                    d3.intoArray(e, to + 5 * step);
                }
            }
        }
    }
}
