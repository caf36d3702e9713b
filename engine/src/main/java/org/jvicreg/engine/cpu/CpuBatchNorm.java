package org.jvicreg.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batch norm over (n, c, hw) float arrays, one channel per task, each pass a vector loop over the
 * channel's n planes of hw floats. Plane sums are accumulated in float lanes, added in a fixed lane order
 * (so results do not depend on the JIT tier) and carried across planes in double. Optionally fused with
 * the residual add and ReLU that follow batch norm in a ResNet block, forward (y = relu(bn(x) + residual))
 * and backward (the ReLU mask taken from y), so neither intermediate is ever stored.
 */
final class CpuBatchNorm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();

    private CpuBatchNorm() {}

    /** The lanes of v added in index order. */
    private static double lanes(FloatVector v, float[] tmp) {
        v.intoArray(tmp, 0);
        double s = 0;
        for (int i = 0; i < VL; i++) s += tmp[i];
        return s;
    }

    /** Sum of a[off, off+len). */
    private static double sum(float[] a, int off, int len, float[] tmp) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i <= len - VL; i += VL) acc = acc.add(FloatVector.fromArray(S, a, off + i));
        double s = lanes(acc, tmp);
        for (; i < len; i++) s += a[off + i];
        return s;
    }

    /** Sum of (a - mean)^2 over a[off, off+len). */
    private static double squaredDeviations(float[] a, int off, int len, float mean, float[] tmp) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i <= len - VL; i += VL) {
            FloatVector d = FloatVector.fromArray(S, a, off + i).sub(mean);
            acc = d.fma(d, acc);
        }
        double s = lanes(acc, tmp);
        for (; i < len; i++) {
            double d = a[off + i] - mean;
            s += d * d;
        }
        return s;
    }

    /** y = relu?(x * scale + shift + residual?) over one plane; residual may be null. */
    private static void affine(float[] x, int xo, float scale, float shift, float[] res, int ro, boolean relu,
                               float[] y, int yo, int len) {
        int i = 0;
        for (; i <= len - VL; i += VL) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i).fma(scale, shift);
            if (res != null) v = v.add(FloatVector.fromArray(S, res, ro + i));
            if (relu) v = v.max(0f);
            v.intoArray(y, yo + i);
        }
        for (; i < len; i++) {
            float v = x[xo + i] * scale + shift;
            if (res != null) v += res[ro + i];
            y[yo + i] = relu ? Math.max(v, 0f) : v;
        }
    }

    /** Training mode; see Backend#batchNormTrainActivation. residual may be null. */
    static void train(int n, int c, int hw, float[] x, int xo, float[] gamma, int go, float[] beta, int bo,
                      float eps, float momentum, float[] rm, int rmo, float[] rv, int rvo,
                      float[] res, int ro, boolean relu, float[] y, int yo, float[] mean, int mo, float[] invStd, int io) {
        long count = (long) n * hw;
        Parallel.forRange(c, 1, (lo, hi) -> {
            float[] tmp = new float[VL];
            for (int ch = lo; ch < hi; ch++) {
                double sum = 0;
                for (int i = 0; i < n; i++) sum += sum(x, xo + (i * c + ch) * hw, hw, tmp);
                double mu = sum / count;
                double sq = 0;
                for (int i = 0; i < n; i++) sq += squaredDeviations(x, xo + (i * c + ch) * hw, hw, (float) mu, tmp);
                double var = sq / count;
                double inv = 1.0 / Math.sqrt(var + eps);
                mean[mo + ch] = (float) mu;
                invStd[io + ch] = (float) inv;
                float scale = (float) (gamma[go + ch] * inv);
                float shift = (float) (beta[bo + ch] - mu * gamma[go + ch] * inv);
                for (int i = 0; i < n; i++) {
                    int base = (i * c + ch) * hw;
                    affine(x, xo + base, scale, shift, res, ro + base, relu, y, yo + base, hw);
                }
                if (rm != null) {
                    rm[rmo + ch] = (float) ((1 - momentum) * rm[rmo + ch] + momentum * mu);
                    rv[rvo + ch] = (float) ((1 - momentum) * rv[rvo + ch] + momentum * sq / (count - 1));
                }
            }
        });
    }

    /** Eval mode with running statistics, optionally fused with the residual add and ReLU. */
    static void eval(int n, int c, int hw, float[] x, int xo, float[] gamma, int go, float[] beta, int bo,
                     float[] rm, int rmo, float[] rv, int rvo, float eps, float[] res, int ro, boolean relu, float[] y, int yo) {
        Parallel.forRange(n * c, Math.max(1, 8192 / Math.max(1, hw)), (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int ch = t % c;
                double inv = 1.0 / Math.sqrt(rv[rvo + ch] + (double) eps);
                float scale = (float) (gamma[go + ch] * inv);
                float shift = (float) (beta[bo + ch] - rm[rmo + ch] * gamma[go + ch] * inv);
                affine(x, xo + t * hw, scale, shift, res, ro + t * hw, relu, y, yo + t * hw, hw);
            }
        });
    }

    /**
     * Backward of {@link #train}. With relu the upstream gradient is first masked by y > 0 (y the fused
     * output); dRes (may be null) receives that masked gradient, the residual's own gradient.
     */
    static void backward(int n, int c, int hw, float[] x, int xo, float[] y, int yo, boolean relu, float[] dy, int dyo,
                         float[] gamma, int go, float[] mean, int mo, float[] invStd, int io, float[] dx, int dxo,
                         float[] dRes, int dro, float[] dgamma, int dgo, float[] dbeta, int dbo) {
        long count = (long) n * hw;
        Parallel.forRange(c, 1, (lo, hi) -> {
            float[] tmp = new float[VL];
            for (int ch = lo; ch < hi; ch++) {
                float mu = mean[mo + ch], inv = invStd[io + ch];
                double sumDy = 0, sumDyXc = 0;
                for (int i = 0; i < n; i++) {
                    int base = (i * c + ch) * hw;
                    FloatVector accG = FloatVector.zero(S), accGx = FloatVector.zero(S);
                    int j = 0;
                    for (; j <= hw - VL; j += VL) {
                        FloatVector g = FloatVector.fromArray(S, dy, dyo + base + j);
                        if (relu) g = g.blend(0f, FloatVector.fromArray(S, y, yo + base + j).compare(VectorOperators.LE, 0f));
                        FloatVector xc = FloatVector.fromArray(S, x, xo + base + j).sub(mu);
                        accG = accG.add(g);
                        accGx = g.fma(xc, accGx);
                    }
                    sumDy += lanes(accG, tmp);
                    sumDyXc += lanes(accGx, tmp);
                    for (; j < hw; j++) {
                        float g = relu && y[yo + base + j] <= 0f ? 0f : dy[dyo + base + j];
                        sumDy += g;
                        sumDyXc += (double) g * (x[xo + base + j] - mu);
                    }
                }
                double sumDyXhat = sumDyXc * inv;
                dbeta[dbo + ch] = (float) sumDy;
                dgamma[dgo + ch] = (float) sumDyXhat;
                // dx = k * (count*g - sumDy - xhat*sumDyXhat), xhat = (x - mu) * inv, k = gamma * inv / count
                double k = gamma[go + ch] * (double) inv / count;
                float a = (float) (k * count), b = (float) (-k * sumDy), cx = (float) (-k * sumDyXhat * inv);
                for (int i = 0; i < n; i++) {
                    int base = (i * c + ch) * hw;
                    int j = 0;
                    for (; j <= hw - VL; j += VL) {
                        FloatVector g = FloatVector.fromArray(S, dy, dyo + base + j);
                        if (relu) g = g.blend(0f, FloatVector.fromArray(S, y, yo + base + j).compare(VectorOperators.LE, 0f));
                        if (dRes != null) g.intoArray(dRes, dro + base + j);
                        FloatVector xc = FloatVector.fromArray(S, x, xo + base + j).sub(mu);
                        g.fma(FloatVector.broadcast(S, a), xc.fma(cx, b)).intoArray(dx, dxo + base + j);
                    }
                    for (; j < hw; j++) {
                        float g = relu && y[yo + base + j] <= 0f ? 0f : dy[dyo + base + j];
                        if (dRes != null) dRes[dro + base + j] = g;
                        dx[dxo + base + j] = a * g + b + cx * (x[xo + base + j] - mu);
                    }
                }
            }
        });
    }
}
