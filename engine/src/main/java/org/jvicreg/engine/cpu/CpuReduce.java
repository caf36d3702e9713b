package org.jvicreg.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.jvicreg.engine.backend.ReduceOp;

/** Reductions, gather/scatter and softmax over an (outer, n, inner) view of a float array. */
final class CpuReduce {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[VL]);

    private CpuReduce() {}

    static void reduce(ReduceOp op, float[] x, int xo, int outer, int n, int inner, float[] y, int yo) {
        if (n == 0) {
            java.util.Arrays.fill(y, yo, yo + outer * inner, op == ReduceOp.SUM ? 0f : Float.NaN);
            return;
        }
        if (inner == 1) {
            int grain = Math.max(1, CpuPointwise.GRAIN / n);
            Parallel.forRange(outer, grain, (lo, hi) -> {
                for (int o = lo; o < hi; o++) y[yo + o] = reduceRow(op, x, xo + o * n, n);
            });
            return;
        }
        // inner > 1: reduce whole rows of length inner into y, split over outer x inner chunks
        int chunk = Math.max(VL * 4, Math.min(inner, 4096));
        int chunksPerOuter = (inner + chunk - 1) / chunk;
        Parallel.forRange(outer * chunksPerOuter, Math.max(1, CpuPointwise.GRAIN / (n * chunk)), (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int o = t / chunksPerOuter, i0 = (t % chunksPerOuter) * chunk, i1 = Math.min(inner, i0 + chunk);
                reduceColumns(op, x, xo + o * n * inner, n, inner, i0, i1, y, yo + o * inner);
            }
        });
    }

    /**
     * v's lanes added in index order, in double, through {@code lanes} (VL floats of scratch): reduceLanes(ADD)
     * leaves the order unspecified, so its result could differ between interpreted and compiled code and break
     * bitwise reproducibility. The whole-tensor sum, batch norm's plane sums and the fused LARS norms use it.
     */
    static double lanesInOrder(FloatVector v, float[] lanes) {
        v.intoArray(lanes, 0);
        double s = 0;
        for (float x : lanes) s += x;
        return s;
    }

    private static float reduceRow(ReduceOp op, float[] x, int off, int n) {
        switch (op) {
            case SUM -> {
                int i = 0, bound = S.loopBound(n);
                FloatVector acc = FloatVector.zero(S);
                for (; i < bound; i += VL) acc = acc.add(FloatVector.fromArray(S, x, off + i));
                double s = lanesInOrder(acc, LANES.get());
                for (; i < n; i++) s += x[off + i];
                return (float) s;
            }
            case MAX -> {
                float m = x[off];
                for (int i = 1; i < n; i++) {
                    float v = x[off + i];
                    if (v > m || Float.isNaN(v)) m = v;
                    if (Float.isNaN(m)) return m;
                }
                return m;
            }
            case MIN -> {
                float m = x[off];
                for (int i = 1; i < n; i++) {
                    float v = x[off + i];
                    if (v < m || Float.isNaN(v)) m = v;
                    if (Float.isNaN(m)) return m;
                }
                return m;
            }
            case ARGMAX -> {
                int best = 0;
                float m = x[off];
                for (int i = 1; i < n && !Float.isNaN(m); i++) {
                    float v = x[off + i];
                    if (v > m || Float.isNaN(v)) {
                        m = v;
                        best = i;
                    }
                }
                return best;
            }
        }
        throw new AssertionError(op);
    }

    private static void reduceColumns(ReduceOp op, float[] x, int base, int n, int inner, int i0, int i1,
                                      float[] y, int yo) {
        if (op == ReduceOp.ARGMAX) {
            for (int i = i0; i < i1; i++) {
                int best = 0;
                float m = x[base + i];
                for (int j = 1; j < n && !Float.isNaN(m); j++) {
                    float v = x[base + j * inner + i];
                    if (v > m || Float.isNaN(v)) {
                        m = v;
                        best = j;
                    }
                }
                y[yo + i] = best;
            }
            return;
        }
        System.arraycopy(x, base + i0, y, yo + i0, i1 - i0);
        int len = i1 - i0, bound = S.loopBound(len);
        for (int j = 1; j < n; j++) {
            int row = base + j * inner + i0, out = yo + i0;
            int i = 0;
            switch (op) {
                case SUM -> {
                    for (; i < bound; i += VL) FloatVector.fromArray(S, y, out + i).add(FloatVector.fromArray(S, x, row + i)).intoArray(y, out + i);
                    for (; i < len; i++) y[out + i] += x[row + i];
                }
                case MAX -> {
                    for (; i < len; i++) {
                        float v = x[row + i];
                        if (v > y[out + i] || Float.isNaN(v)) y[out + i] = v;
                    }
                }
                case MIN -> {
                    for (; i < len; i++) {
                        float v = x[row + i];
                        if (v < y[out + i] || Float.isNaN(v)) y[out + i] = v;
                    }
                }
                default -> throw new AssertionError(op);
            }
        }
    }

    static void gather(float[] x, int xo, int outer, int n, int inner, float[] idx, int io, float[] y, int yo) {
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int j = index(idx[io + o * inner + i], n);
                y[yo + o * inner + i] = x[xo + (o * n + j) * inner + i];
            }
        }
    }

    static void scatter(float[] src, int so, int outer, int n, int inner, float[] idx, int io, float[] y, int yo) {
        java.util.Arrays.fill(y, yo, yo + outer * n * inner, 0f);
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int j = index(idx[io + o * inner + i], n);
                y[yo + (o * n + j) * inner + i] = src[so + o * inner + i];
            }
        }
    }

    private static int index(float v, int n) {
        int j = (int) v;
        if (j < 0 || j >= n || j != v) throw new IndexOutOfBoundsException("index " + v + " out of range [0, " + n + ")");
        return j;
    }

    static void softmax(int outer, int n, int inner, float[] x, int xo, float[] y, int yo, boolean log) {
        Parallel.forRange(outer * inner, Math.max(1, 4096 / Math.max(1, n)), (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int o = t / inner, i = t % inner;
                int base = o * n * inner + i;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) max = Math.max(max, x[xo + base + j * inner]);
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    float e = (float) Math.exp(x[xo + base + j * inner] - max);
                    sum += e;
                    if (!log) y[yo + base + j * inner] = e;
                }
                if (log) {
                    float lse = max + (float) Math.log(sum);
                    for (int j = 0; j < n; j++) y[yo + base + j * inner] = x[xo + base + j * inner] - lse;
                } else {
                    float inv = (float) (1.0 / sum);
                    for (int j = 0; j < n; j++) y[yo + base + j * inner] *= inv;
                }
            }
        });
    }

    static void softmaxBackward(int outer, int n, int inner, float[] y, int yo, float[] dy, int dyo, float[] dx, int dxo,
                                boolean log) {
        Parallel.forRange(outer * inner, Math.max(1, 4096 / Math.max(1, n)), (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int o = t / inner, i = t % inner;
                int base = o * n * inner + i;
                double s = 0;
                if (log) {
                    for (int j = 0; j < n; j++) s += dy[dyo + base + j * inner];
                    for (int j = 0; j < n; j++) {
                        int k = base + j * inner;
                        dx[dxo + k] = dy[dyo + k] - (float) Math.exp(y[yo + k]) * (float) s;
                    }
                } else {
                    for (int j = 0; j < n; j++) s += (double) dy[dyo + base + j * inner] * y[yo + base + j * inner];
                    for (int j = 0; j < n; j++) {
                        int k = base + j * inner;
                        dx[dxo + k] = y[yo + k] * (dy[dyo + k] - (float) s);
                    }
                }
            }
        });
    }
}
