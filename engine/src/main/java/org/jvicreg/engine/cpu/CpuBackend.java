package org.jvicreg.engine.cpu;

import org.jvicreg.engine.backend.Backend;
import org.jvicreg.engine.backend.Operand;
import org.jvicreg.engine.backend.BatchLastByPermute;
import org.jvicreg.engine.backend.BatchNormCall;
import org.jvicreg.engine.backend.BinaryOp;
import org.jvicreg.engine.backend.ConvGeometry;
import org.jvicreg.engine.backend.PoolGeometry;
import org.jvicreg.engine.backend.ReduceOp;
import org.jvicreg.engine.backend.LarsStep;
import org.jvicreg.engine.backend.SgdStep;
import org.jvicreg.engine.backend.Storage;
import org.jvicreg.engine.backend.UnaryOp;

/**
 * The pure-Java backend: Java arrays, the Vector API and one thread pool ({@link Parallel}). Each
 * kernel family lives in its own class; this one unpacks tensors into (array, offset) and dispatches.
 */
public final class CpuBackend implements Backend {
    public static final CpuBackend INSTANCE = new CpuBackend();

    private CpuBackend() {}

    /** The array behind a CPU tensor. */
    public static float[] data(Operand t) {
        if (!(t.storage() instanceof CpuStorage s)) {
            throw new IllegalArgumentException("expected a CPU tensor, got one on " + t.storage().backend().name());
        }
        return s.data();
    }

    /** The offset of a CPU tensor's first element in {@link #data}. */
    public static int off(Operand t) {
        return (int) t.offset();
    }

    /** How many threads the kernels run on. */
    public static int threads() {
        return Parallel.threads();
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Storage allocate(long numel) {
        if (numel > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("cpu: " + numel + " elements exceed a Java array");
        return new CpuStorage(CpuBuffers.take((int) numel, true));
    }

    @Override
    public Storage allocateUninitialized(long numel) {
        if (numel > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("cpu: " + numel + " elements exceed a Java array");
        return new CpuStorage(CpuBuffers.take((int) numel, false));
    }

    @Override
    public Storage upload(float[] host, int off, int n) {
        float[] d = CpuBuffers.take(n, false);
        System.arraycopy(host, off, d, 0, n);
        return new CpuStorage(d);
    }

    @Override
    public void download(Operand src, float[] dst, int dstOff) {
        System.arraycopy(data(src), off(src), dst, dstOff, src.numel());
    }

    @Override
    public void fill(Operand dst, float value) {
        java.util.Arrays.fill(data(dst), off(dst), off(dst) + dst.numel(), value);
    }

    @Override
    public void copyStrided(Operand src, long srcOff, long[] srcStrides, int[] shape, Operand dst, long dstOff, long[] dstStrides) {
        CpuPointwise.copyStrided(data(src), (int) (off(src) + srcOff), srcStrides, shape,
                data(dst), (int) (off(dst) + dstOff), dstStrides);
    }

    @Override
    public void unary(UnaryOp op, Operand x, Operand y, float a, float b) {
        CpuPointwise.unary(op, data(x), off(x), data(y), off(y), x.numel(), a, b);
    }

    @Override
    public void binary(BinaryOp op, Operand a, long[] aStrides, Operand b, long[] bStrides, Operand y) {
        CpuPointwise.binary(op, y.shape(), data(a), off(a), aStrides, data(b), off(b), bStrides, data(y), off(y));
    }

    @Override
    public void axpy(float alpha, Operand x, Operand y) {
        CpuPointwise.axpy(alpha, data(x), off(x), data(y), off(y), x.numel());
    }

    @Override
    public void sgdStep(SgdStep step, Operand p, Operand g, Operand buf, boolean first) {
        CpuSgd.step(step, Floats.of(p), Floats.of(g), Floats.of(buf), first, p.numel());
    }

    @Override
    public boolean larsStep(LarsStep step, Operand p, Operand g, Operand mu) {
        CpuLars.step(step, Floats.of(p), Floats.of(g), Floats.of(mu), p.numel());
        return true;
    }

    @Override
    public void movingAverage(float decay, Operand x, Operand average) {
        CpuPointwise.movingAverage(decay, data(x), off(x), data(average), off(average), average.numel());
    }

    @Override
    public void where(Operand cond, long[] cs, Operand a, long[] as, Operand b, long[] bs, Operand y) {
        CpuPointwise.where(y.shape(), data(cond), off(cond), cs, data(a), off(a), as, data(b), off(b), bs, data(y), off(y));
    }

    @Override
    public void reduce(ReduceOp op, Operand x, int outer, int n, int inner, Operand y) {
        CpuReduce.reduce(op, data(x), off(x), outer, n, inner, data(y), off(y));
    }

    @Override
    public void gatherAxis(Operand x, int outer, int n, int inner, Operand idx, Operand y) {
        CpuReduce.gather(data(x), off(x), outer, n, inner, data(idx), off(idx), data(y), off(y));
    }

    @Override
    public void scatterAxis(Operand src, int outer, int n, int inner, Operand idx, Operand y) {
        CpuReduce.scatter(data(src), off(src), outer, n, inner, data(idx), off(idx), data(y), off(y));
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     Operand a, long aOff, int lda, long strideA, Operand b, long bOff, int ldb, long strideB,
                     float beta, Operand c, long cOff, int ldc, long strideC, int batch) {
        float[] ad = data(a), bd = data(b), cd = data(c);
        int ao = (int) (off(a) + aOff), bo = (int) (off(b) + bOff), co = (int) (off(c) + cOff);
        if (batch == 1) {
            Sgemm.gemm(transA, transB, m, n, k, alpha, ad, ao, lda, bd, bo, ldb, beta, cd, co, ldc);
            return;
        }
        double flopsEach = 2.0 * m * n * k;
        int grain = flopsEach >= 1e7 ? 1 : (int) Math.max(1, 1e7 / Math.max(1, flopsEach));
        if (batch < Parallel.threads() && flopsEach >= 1e7) grain = batch; // few big products: parallel inside each
        Parallel.forRange(batch, grain, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                Sgemm.gemm(transA, transB, m, n, k, alpha, ad, (int) (ao + i * strideA), lda,
                        bd, (int) (bo + i * strideB), ldb, beta, cd, (int) (co + i * strideC), ldc);
            }
        });
    }

    @Override
    public void conv2dForward(ConvGeometry g, Operand x, Operand w, Operand y) {
        if (!g.isBatchLast()) {
            CpuConv.forward(g, data(x), off(x), data(w), off(w), data(y), off(y));
        } else if (BatchLastWinograd.forwardFits(g) && BatchLastWinograd.chosen(g)) {
            BatchLastWinograd.forward(g, data(x), off(x), data(w), off(w), data(y), off(y));
        } else if (SingleChannelConv.forwardFits(g)) {
            SingleChannelConv.forward(g, data(x), off(x), data(w), off(w), data(y), off(y));
        } else if (BatchLastConv.forwardFits(g)) {
            BatchLastConv.forward(g, data(x), off(x), data(w), off(w), data(y), off(y));
        } else {
            BatchLastByPermute.forward(this, g, x, w, y);
        }
    }

    @Override
    public void conv2dBackwardData(ConvGeometry g, Operand dy, Operand w, Operand dx) {
        if (!g.isBatchLast()) {
            CpuConv.backwardData(g, data(dy), off(dy), data(w), off(w), data(dx), off(dx));
        } else if (BatchLastWinograd.backwardDataFits(g) && BatchLastWinograd.chosen(g)) {
            BatchLastWinograd.backwardData(g, data(dy), off(dy), data(w), off(w), data(dx), off(dx));
        } else if (BatchLastConv.backwardDataFits(g)) {
            BatchLastConv.backwardData(g, data(dy), off(dy), data(w), off(w), data(dx), off(dx));
        } else {
            BatchLastByPermute.backwardData(this, g, dy, w, dx);
        }
    }

    @Override
    public void conv2dBackwardFilter(ConvGeometry g, Operand x, Operand dy, Operand dw) {
        if (!g.isBatchLast()) {
            CpuConv.backwardFilter(g, data(x), off(x), data(dy), off(dy), data(dw), off(dw));
        } else if (BatchLastWinograd.backwardFilterFits(g) && BatchLastWinograd.filterGradientChosen(g)) {
            BatchLastWinograd.backwardFilter(g, data(x), off(x), data(dy), off(dy), data(dw), off(dw));
        } else if (SingleChannelConv.backwardFilterFits(g)) {
            SingleChannelConv.backwardFilter(g, data(x), off(x), data(dy), off(dy), data(dw), off(dw));
        } else if (BatchLastConv.backwardFilterFits(g)) {
            BatchLastConv.backwardFilter(g, data(x), off(x), data(dy), off(dy), data(dw), off(dw));
        } else {
            BatchLastByPermute.backwardFilter(this, g, x, dy, dw);
        }
    }

    /**
     * Whether models keep activations batch-last: for batches that fill the direct kernels' NR-image blocks,
     * where the 8-row register tile divides the usual channel counts (AVX-512), unless the system property
     * {@code jvicreg.batchLast} is false (to compare against the NCHW kernels).
     */
    private static final boolean BATCH_LAST = Boolean.parseBoolean(System.getProperty("jvicreg.batchLast", "true"));

    @Override
    public boolean prefersBatchLast(int n) {
        return BATCH_LAST && SgemmKernel.MR == 8 && n % SgemmKernel.NR == 0;
    }

    @Override
    public void batchNormForward(BatchNormCall call, Operand x, BatchNormCall.Statistics statistics, Operand y) {
        CpuBatchNorm.forward(call, statistics, x, y);
    }

    @Override
    public void batchNormBackward(BatchNormCall call, Operand x, Operand y, Operand dy, Operand saveMean, Operand saveInvStd,
                                  BatchNormCall.Gradients out) {
        CpuBatchNorm.backward(call, x, y, dy, saveMean, saveInvStd, out);
    }

    @Override
    public void maxPool2dForward(PoolGeometry g, Operand x, Operand y) {
        CpuPool.maxForward(g, data(x), off(x), data(y), off(y));
    }

    @Override
    public void maxPool2dBackward(PoolGeometry g, Operand x, Operand dy, Operand dx) {
        CpuPool.maxBackward(g, data(x), off(x), data(dy), off(dy), data(dx), off(dx));
    }

    @Override
    public void avgPool2dForward(PoolGeometry g, Operand x, Operand y) {
        CpuPool.avgForward(g, data(x), off(x), data(y), off(y));
    }

    @Override
    public void avgPool2dBackward(PoolGeometry g, Operand dy, Operand dx) {
        CpuPool.avgBackward(g, data(dy), off(dy), data(dx), off(dx));
    }

    @Override
    public void adaptiveAvgPool2dForward(int nc, int h, int w, int oh, int ow, Operand x, Operand y) {
        CpuPool.adaptiveAvgForward(nc, h, w, oh, ow, data(x), off(x), data(y), off(y));
    }

    @Override
    public void adaptiveAvgPool2dBackward(int nc, int h, int w, int oh, int ow, Operand dy, Operand dx) {
        CpuPool.adaptiveAvgBackward(nc, h, w, oh, ow, data(dy), off(dy), data(dx), off(dx));
    }

    @Override
    public void softmax(int outer, int n, int inner, Operand x, Operand y, boolean log) {
        CpuReduce.softmax(outer, n, inner, data(x), off(x), data(y), off(y), log);
    }

    @Override
    public void softmaxBackward(int outer, int n, int inner, Operand y, Operand dy, Operand dx, boolean log) {
        CpuReduce.softmaxBackward(outer, n, inner, data(y), off(y), data(dy), off(dy), data(dx), off(dx), log);
    }

    @Override
    public void columnStdHinge(int n, int d, Operand z, float eps, Operand zc, Operand std, Operand hingeGrad) {
        ColumnStdHinge.run(n, d, data(z), off(z), eps, data(zc), off(zc), data(std), off(std), data(hingeGrad), off(hingeGrad));
    }

    @Override
    public String toString() {
        return "cpu (" + Parallel.threads() + " threads, " + SgemmKernel.VL * 32 + "-bit vectors)";
    }
}
