package org.jvicreg.engine.cpu;

import org.jvicreg.engine.backend.Operand;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.jvicreg.engine.backend.BatchNormCall;

/**
 * Batch norm over (n, c, hw) float arrays ({@code Backend#batchNormForward}, {@code #batchNormBackward}), one
 * channel per task, each pass a vector loop over the channel's n planes of hw floats; (n, c) inputs (hw = 1)
 * by blocks of channels down the rows instead. Plane sums are accumulated in float lanes, added in a fixed
 * lane order (so results do not depend on the JIT tier) and carried across planes in double. Optionally
 * fused with the residual add and ReLU that follow batch norm in a ResNet block, forward
 * (y = relu(bn(x) + residual)) and backward (the ReLU mask taken from y), so neither intermediate is ever
 * stored. A task computes its channel's statistics and applies them while the channel's planes are still in
 * its core's cache.
 */
final class CpuBatchNorm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** Channels per task of the (n, c) paths: enough that a task's rows are long runs, few enough to split c. */
    private static final int CHANNEL_BLOCK = 64;

    private CpuBatchNorm() {}

    /** Sum of a[off, off+len). */
    private static double sum(float[] a, int off, int len, float[] tmp) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i <= len - VL; i += VL) acc = acc.add(FloatVector.fromArray(S, a, off + i));
        double s = CpuReduce.lanesInOrder(acc, tmp);
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
        double s = CpuReduce.lanesInOrder(acc, tmp);
        for (; i < len; i++) {
            double d = a[off + i] - mean;
            s += d * d;
        }
        return s;
    }

    /**
     * One plane of the forward pass's output: y = relu?(x * scale + shift + residual?) for the len values from
     * x[xo] on, the residual (may be null) read and y written from index {@code at} on (past their offsets).
     */
    private static void affine(float[] x, int xo, float scale, float shift, Floats residual, boolean relu, Floats out,
                               int at, int len) {
        float[] res = residual == null ? null : residual.a(), y = out.a();
        int ro = residual == null ? 0 : residual.off() + at, yo = out.off() + at;
        int i = 0;
        for (; i <= len - VL; i += VL) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i).fma(scale, shift);
            if (res != null) v = v.add(FloatVector.fromArray(S, res, ro + i));
            if (relu) v = v.max(0f);
            v.intoArray(y, yo + i);
        }
        for (; i < len; i++) y[yo + i] = affineAt(x[xo + i] * scale + shift, res, ro + i, relu);
    }

    /** One output of {@link #affine} from its affine value v: the residual added (if any), then the ReLU. */
    private static float affineAt(float v, float[] res, int ri, boolean relu) {
        if (res != null) v += res[ri];
        return relu ? Math.max(v, 0f) : v;
    }

    /** {@link #affineAt} with the residual at index {@code at} relative to its offset. */
    private static float affineAt(float v, Floats residual, int at, boolean relu) {
        return residual == null ? (relu ? Math.max(v, 0f) : v) : affineAt(v, residual.a(), residual.off() + at, relu);
    }

    /** The upstream gradient at dy[di], zero where the fused ReLU's output y[yi] was not positive. */
    private static float upstream(boolean relu, float[] y, int yi, float[] dy, int di) {
        return relu && y[yi] <= 0f ? 0f : dy[di];
    }

    /** One call's operands, unpacked from its tensors once. */
    private record Call(int n, int c, int hw, Floats x, Floats gamma, Floats beta, float eps, Floats residual,
                        boolean relu) {
        static Call of(BatchNormCall call, Operand x) {
            return new Call(call.n(), call.c(), call.hw(), Floats.of(x), Floats.of(call.gamma()), Floats.of(call.beta()),
                    call.eps(), Floats.of(call.residual()), call.relu());
        }
    }

    /** What training mode writes besides y: the saved statistics and (where non-null) the running ones. */
    private record Saved(float momentum, Floats runMean, Floats runVar, Floats mean, Floats invStd) {
        static Saved of(BatchNormCall.FromBatch s) {
            return new Saved(s.momentum(), Floats.of(s.runMean()), Floats.of(s.runVar()), Floats.of(s.saveMean()),
                    Floats.of(s.saveInvStd()));
        }
    }

    /** Forward pass; see Backend#batchNormForward. */
    static void forward(BatchNormCall call, BatchNormCall.Statistics statistics, Operand x, Operand y) {
        Call o = Call.of(call, x);
        Floats out = Floats.of(y);
        switch (statistics) {
            case BatchNormCall.FromBatch b -> {
                if (o.hw() == 1) trainRows(o, Saved.of(b), out);
                else train(o, Saved.of(b), out);
            }
            case BatchNormCall.Given g -> given(o, Floats.of(g.mean()), Floats.of(g.var()), out);
        }
    }

    private static void train(Call o, Saved s, Floats out) {
        int n = o.n(), c = o.c(), hw = o.hw(), xo = o.x().off();
        float[] x = o.x().a();
        long count = (long) n * hw;
        Parallel.forRange(c, 1, (lo, hi) -> {
            float[] tmp = new float[VL], affine = new float[2];
            for (int ch = lo; ch < hi; ch++) {
                double sum = 0;
                for (int i = 0; i < n; i++) sum += sum(x, xo + (i * c + ch) * hw, hw, tmp);
                double mu = sum / count;
                double sq = 0;
                for (int i = 0; i < n; i++) sq += squaredDeviations(x, xo + (i * c + ch) * hw, hw, (float) mu, tmp);
                finish(ch, mu, sq, count, o, s, affine);
                for (int i = 0; i < n; i++) {
                    int base = (i * c + ch) * hw;
                    affine(x, xo + base, affine[0], affine[1], o.residual(), o.relu(), out, base, hw);
                }
            }
        });
    }

    /**
     * {@link #train} for (n, c) inputs (hw = 1, BatchNorm1d after a linear layer), whose channels are
     * contiguous: each task takes a block of channels and runs down the rows, where the plane loop would
     * reduce a whole vector for every single value. Each channel's sums add the same terms in the same order
     * as the plane loop's (whose vector part adds nothing for one-value planes): bitwise the same results. The
     * rows run on vectors across the channels, each lane carrying its channel's sums in double.
     */
    private static void trainRows(Call o, Saved s, Floats out) {
        int n = o.n(), c = o.c(), xo = o.x().off(), yo = out.off();
        float[] x = o.x().a(), y = out.a(), res = o.residual() == null ? null : o.residual().a();
        int ro = res == null ? 0 : o.residual().off();
        boolean relu = o.relu();
        Parallel.forRange(c, CHANNEL_BLOCK, (lo, hi) -> {
            int w = hi - lo, bound = S.loopBound(w);
            double[] sum = new double[w], sq = new double[w];
            float[] mu = new float[w], scale = new float[w], shift = new float[w], affine = new float[2];
            for (int i = 0; i < n; i++) {
                int row = xo + i * c + lo, j = 0;
                for (; j < bound; j += VL) {
                    FloatVector v = FloatVector.fromArray(S, x, row + j);
                    for (int part = 0; part < VL / DL; part++) {
                        int k = j + part * DL;
                        DoubleVector.fromArray(D, sum, k).add(v.convertShape(VectorOperators.F2D, D, part)).intoArray(sum, k);
                    }
                }
                for (; j < w; j++) sum[j] += x[row + j];
            }
            for (int j = 0; j < w; j++) mu[j] = (float) (sum[j] / n);
            for (int i = 0; i < n; i++) {
                int row = xo + i * c + lo, j = 0;
                for (; j < bound; j += VL) {
                    FloatVector v = FloatVector.fromArray(S, x, row + j).sub(FloatVector.fromArray(S, mu, j));
                    for (int part = 0; part < VL / DL; part++) {
                        int k = j + part * DL;
                        DoubleVector d = (DoubleVector) v.convertShape(VectorOperators.F2D, D, part);
                        DoubleVector.fromArray(D, sq, k).add(d.mul(d)).intoArray(sq, k);
                    }
                }
                for (; j < w; j++) {
                    double d = x[row + j] - mu[j];
                    sq[j] += d * d;
                }
            }
            for (int j = 0; j < w; j++) {
                finish(lo + j, sum[j] / n, sq[j], n, o, s, affine);
                scale[j] = affine[0];
                shift[j] = affine[1];
            }
            for (int i = 0; i < n; i++) {
                int at = i * c + lo, j = 0;
                for (; j < bound; j += VL) {
                    FloatVector v = FloatVector.fromArray(S, x, xo + at + j).mul(FloatVector.fromArray(S, scale, j))
                            .add(FloatVector.fromArray(S, shift, j));
                    if (res != null) v = v.add(FloatVector.fromArray(S, res, ro + at + j));
                    if (relu) v = v.max(0f);
                    v.intoArray(y, yo + at + j);
                }
                for (; j < w; j++) y[yo + at + j] = affineAt(x[xo + at + j] * scale[j] + shift[j], o.residual(), at + j, relu);
            }
        });
    }

    /**
     * One channel's statistics from its mean and sum of squared deviations: mean and 1/std out, the running
     * statistics updated, and the affine map y = x * scale + shift into {@code affine} as {scale, shift}.
     */
    private static void finish(int ch, double mu, double sq, long count, Call o, Saved s, float[] affine) {
        double var = sq / count;
        double inv = 1.0 / Math.sqrt(var + o.eps());
        float gamma = o.gamma().a()[o.gamma().off() + ch], beta = o.beta().a()[o.beta().off() + ch];
        s.mean().a()[s.mean().off() + ch] = (float) mu;
        s.invStd().a()[s.invStd().off() + ch] = (float) inv;
        affine[0] = (float) (gamma * inv);
        affine[1] = (float) (beta - mu * gamma * inv);
        if (s.runMean() != null) {
            float momentum = s.momentum();
            float[] rm = s.runMean().a(), rv = s.runVar().a();
            int rmo = s.runMean().off(), rvo = s.runVar().off();
            rm[rmo + ch] = (float) ((1 - momentum) * rm[rmo + ch] + momentum * mu);
            rv[rvo + ch] = (float) ((1 - momentum) * rv[rvo + ch] + momentum * sq / (count - 1));
        }
    }

    /** Given statistics (eval mode's running ones, or reduced batch statistics), with the fused add and ReLU. */
    private static void given(Call o, Floats mean, Floats var, Floats out) {
        int c = o.c(), hw = o.hw(), xo = o.x().off();
        float[] x = o.x().a(), rm = mean.a(), rv = var.a(), gamma = o.gamma().a(), beta = o.beta().a();
        int rmo = mean.off(), rvo = var.off(), go = o.gamma().off(), bo = o.beta().off();
        float eps = o.eps();
        Parallel.forRangeBalanced(o.n() * c, Math.max(1, 8192 / Math.max(1, hw)), (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int ch = t % c;
                double inv = 1.0 / Math.sqrt(rv[rvo + ch] + (double) eps);
                float scale = (float) (gamma[go + ch] * inv);
                float shift = (float) (beta[bo + ch] - rm[rmo + ch] * gamma[go + ch] * inv);
                affine(x, xo + t * hw, scale, shift, o.residual(), o.relu(), out, t * hw, hw);
            }
        });
    }

    /** The backward pass's saved statistics and outputs, unpacked. */
    private record Backward(Floats y, Floats dy, Floats mean, Floats invStd, Floats dx, Floats dResidual, Floats dgamma,
                            Floats dbeta) {}

    /**
     * Backward pass; see Backend#batchNormBackward. With relu the upstream gradient is first masked by y > 0
     * (y the fused output); dResidual (may be null) receives that masked gradient, the residual's own gradient.
     */
    static void backward(BatchNormCall call, Operand x, Operand y, Operand dy, Operand saveMean, Operand saveInvStd,
                         BatchNormCall.Gradients out) {
        Call o = Call.of(call, x);
        Backward b = new Backward(Floats.of(y), Floats.of(dy), Floats.of(saveMean), Floats.of(saveInvStd),
                Floats.of(out.dx()), Floats.of(out.dResidual()), Floats.of(out.dgamma()), Floats.of(out.dbeta()));
        if (o.hw() == 1) backwardRows(o, b);
        else backwardPlanes(o, b);
    }

    private static void backwardPlanes(Call o, Backward b) {
        int n = o.n(), c = o.c(), hw = o.hw(), xo = o.x().off();
        float[] x = o.x().a(), dy = b.dy().a(), mean = b.mean().a(), invStd = b.invStd().a(), dx = b.dx().a();
        float[] y = o.relu() ? b.y().a() : null, dRes = b.dResidual() == null ? null : b.dResidual().a();
        int yo = o.relu() ? b.y().off() : 0, dyo = b.dy().off(), mo = b.mean().off(), io = b.invStd().off();
        int dxo = b.dx().off(), dro = dRes == null ? 0 : b.dResidual().off();
        boolean relu = o.relu();
        long count = (long) n * hw;
        Parallel.forRange(c, 1, (lo, hi) -> {
            float[] tmp = new float[VL], coef = new float[3];
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
                    sumDy += CpuReduce.lanesInOrder(accG, tmp);
                    sumDyXc += CpuReduce.lanesInOrder(accGx, tmp);
                    for (; j < hw; j++) {
                        float g = upstream(relu, y, yo + base + j, dy, dyo + base + j);
                        sumDy += g;
                        sumDyXc += (double) g * (x[xo + base + j] - mu);
                    }
                }
                backwardCoefficients(ch, sumDy, sumDyXc, count, o, inv, b, coef);
                float a = coef[0], bb = coef[1], cx = coef[2];
                for (int i = 0; i < n; i++) {
                    int base = (i * c + ch) * hw;
                    int j = 0;
                    for (; j <= hw - VL; j += VL) {
                        FloatVector g = FloatVector.fromArray(S, dy, dyo + base + j);
                        if (relu) g = g.blend(0f, FloatVector.fromArray(S, y, yo + base + j).compare(VectorOperators.LE, 0f));
                        if (dRes != null) g.intoArray(dRes, dro + base + j);
                        FloatVector xc = FloatVector.fromArray(S, x, xo + base + j).sub(mu);
                        g.fma(FloatVector.broadcast(S, a), xc.fma(cx, bb)).intoArray(dx, dxo + base + j);
                    }
                    for (; j < hw; j++) {
                        float g = upstream(relu, y, yo + base + j, dy, dyo + base + j);
                        if (dRes != null) dRes[dro + base + j] = g;
                        dx[dxo + base + j] = a * g + bb + cx * (x[xo + base + j] - mu);
                    }
                }
            }
        });
    }

    /**
     * {@link #backwardPlanes} for (n, c) inputs, by blocks of channels down the rows, as {@link #trainRows}, on
     * vectors across the channels: each channel's sums carried in double, row by row, as a scalar loop would
     * (the float values widened and added, or multiplied then added, in double), and the ReLU mask applied
     * by a blend rather than a branch on the data.
     */
    private static void backwardRows(Call o, Backward b) {
        int n = o.n(), c = o.c(), xo = o.x().off();
        float[] x = o.x().a(), dy = b.dy().a(), mean = b.mean().a(), invStd = b.invStd().a(), dx = b.dx().a();
        float[] y = o.relu() ? b.y().a() : null, dRes = b.dResidual() == null ? null : b.dResidual().a();
        int yo = o.relu() ? b.y().off() : 0, dyo = b.dy().off(), mo = b.mean().off(), io = b.invStd().off();
        int dxo = b.dx().off(), dro = dRes == null ? 0 : b.dResidual().off();
        boolean relu = o.relu();
        Parallel.forRange(c, CHANNEL_BLOCK, (lo, hi) -> {
            int w = hi - lo, bound = S.loopBound(w);
            double[] sumDy = new double[w], sumDyXc = new double[w];
            float[] a = new float[w], bb = new float[w], cx = new float[w], coef = new float[3];
            for (int i = 0; i < n; i++) {
                int at = i * c + lo;
                int j = 0;
                for (; j < bound; j += VL) {
                    FloatVector g = FloatVector.fromArray(S, dy, dyo + at + j);
                    if (relu) g = g.blend(0f, FloatVector.fromArray(S, y, yo + at + j).compare(VectorOperators.LE, 0f));
                    FloatVector xc = FloatVector.fromArray(S, x, xo + at + j).sub(FloatVector.fromArray(S, mean, mo + lo + j));
                    for (int part = 0; part < VL / DL; part++) {
                        DoubleVector gd = (DoubleVector) g.convertShape(VectorOperators.F2D, D, part);
                        DoubleVector xd = (DoubleVector) xc.convertShape(VectorOperators.F2D, D, part);
                        int k = j + part * DL;
                        DoubleVector.fromArray(D, sumDy, k).add(gd).intoArray(sumDy, k);
                        DoubleVector.fromArray(D, sumDyXc, k).add(gd.mul(xd)).intoArray(sumDyXc, k);
                    }
                }
                for (; j < w; j++) {
                    float g = upstream(relu, y, yo + at + j, dy, dyo + at + j);
                    sumDy[j] += g;
                    sumDyXc[j] += (double) g * (x[xo + at + j] - mean[mo + lo + j]);
                }
            }
            for (int j = 0; j < w; j++) {
                backwardCoefficients(lo + j, sumDy[j], sumDyXc[j], n, o, invStd[io + lo + j], b, coef);
                a[j] = coef[0];
                bb[j] = coef[1];
                cx[j] = coef[2];
            }
            for (int i = 0; i < n; i++) {
                int at = i * c + lo;
                int j = 0;
                for (; j < bound; j += VL) {
                    FloatVector g = FloatVector.fromArray(S, dy, dyo + at + j);
                    if (relu) g = g.blend(0f, FloatVector.fromArray(S, y, yo + at + j).compare(VectorOperators.LE, 0f));
                    if (dRes != null) g.intoArray(dRes, dro + at + j);
                    FloatVector xc = FloatVector.fromArray(S, x, xo + at + j).sub(FloatVector.fromArray(S, mean, mo + lo + j));
                    g.mul(FloatVector.fromArray(S, a, j)).add(FloatVector.fromArray(S, bb, j))
                            .add(xc.mul(FloatVector.fromArray(S, cx, j))).intoArray(dx, dxo + at + j);
                }
                for (; j < w; j++) {
                    float g = upstream(relu, y, yo + at + j, dy, dyo + at + j);
                    if (dRes != null) dRes[dro + at + j] = g;
                    dx[dxo + at + j] = a[j] * g + bb[j] + cx[j] * (x[xo + at + j] - mean[mo + lo + j]);
                }
            }
        });
    }

    /** Doubles in a vector of {@link #S}'s size: half of VL. */
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, VectorShape.forBitSize(S.vectorBitSize()));
    private static final int DL = D.length();

    /**
     * One channel's dgamma and dbeta from its sums, and dx = a * g + b + cx * (x - mean) as {a, b, cx} in
     * {@code coef}: dx = k * (count*g - sumDy - xhat*sumDyXhat), xhat = (x - mu) * inv, k = gamma * inv / count.
     */
    private static void backwardCoefficients(int ch, double sumDy, double sumDyXc, long count, Call o, float inv,
                                             Backward b, float[] coef) {
        double sumDyXhat = sumDyXc * inv;
        b.dbeta().a()[b.dbeta().off() + ch] = (float) sumDy;
        b.dgamma().a()[b.dgamma().off() + ch] = (float) sumDyXhat;
        double k = o.gamma().a()[o.gamma().off() + ch] * (double) inv / count;
        coef[0] = (float) (k * count);
        coef[1] = (float) (-k * sumDy);
        coef[2] = (float) (-k * sumDyXhat * inv);
    }
}
