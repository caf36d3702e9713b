package org.jvicreg.engine.cuda;

import org.jvicreg.engine.backend.Operand;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.backend.BinaryOp;
import org.jvicreg.engine.backend.SgdStep;
import org.jvicreg.engine.backend.UnaryOp;

/** Launches of the elementwise kernels (elementwise.cu): unary, binary, where, strided copy, axpy, SGD step, moving average. */
final class CudaPointwise {
    private CudaPointwise() {}

    static void unary(CudaBackend gpu, UnaryOp op, Operand x, Operand y, float a, float b) {
        long n = x.numel();
        if (n == 0) return;
        if (op == UnaryOp.IDENTITY) {
            if (gpu.address(x) != gpu.address(y)) gpu.device().copyDeviceToDevice(gpu.address(y), gpu.address(x), n * Float.BYTES);
            return;
        }
        gpu.launch(LaunchGeometry.elementwise(n, gpu.multiprocessors()), KernelArgs.of(Kernel.UNARY)
                .ptr(gpu.address(x)).ptr(gpu.address(y)).i64(n).i32(op.ordinal()).f32(a).f32(b));
    }

    static void binary(CudaBackend gpu, BinaryOp op, Operand a, long[] as, Operand b, long[] bs, Operand y) {
        long n = y.numel();
        if (n == 0) return;
        StridedPlan plan = StridedPlan.of(y.shape(), as, bs);
        LaunchGeometry g = LaunchGeometry.elementwise(n, gpu.multiprocessors());
        if (plan.contiguous(0) && plan.contiguous(1)) {
            gpu.launch(g, KernelArgs.of(Kernel.BINARY_CONTIGUOUS).ptr(gpu.address(a)).ptr(gpu.address(b)).ptr(gpu.address(y))
                    .i64(n).i32(op.ordinal()));
            return;
        }
        gpu.launch(g, KernelArgs.of(Kernel.BINARY_STRIDED).ptr(gpu.address(a)).ptr(gpu.address(b)).ptr(gpu.address(y))
                .i64(n).i32(op.ordinal()).i32(plan.rank()).dims(plan.dims()).strides(plan.strides(0)).strides(plan.strides(1)));
    }

    static void where(CudaBackend gpu, Operand cond, long[] cs, Operand a, long[] as, Operand b, long[] bs, Operand y) {
        long n = y.numel();
        if (n == 0) return;
        StridedPlan plan = StridedPlan.of(y.shape(), cs, as, bs);
        gpu.launch(LaunchGeometry.elementwise(n, gpu.multiprocessors()), KernelArgs.of(Kernel.WHERE_STRIDED)
                .ptr(gpu.address(cond)).ptr(gpu.address(a)).ptr(gpu.address(b)).ptr(gpu.address(y)).i64(n)
                .i32(plan.rank()).dims(plan.dims()).strides(plan.strides(0)).strides(plan.strides(1)).strides(plan.strides(2)));
    }

    static void copyStrided(CudaBackend gpu, Operand src, long srcOff, long[] ss, int[] shape, Operand dst, long dstOff, long[] ds) {
        long n = Shape.numel(shape);
        if (n == 0) return;
        long from = gpu.address(src) + srcOff * Float.BYTES, to = gpu.address(dst) + dstOff * Float.BYTES;
        StridedPlan plan = StridedPlan.of(shape, ss, ds);
        if (plan.contiguous(0) && plan.contiguous(1)) {
            gpu.device().copyDeviceToDevice(to, from, n * Float.BYTES);
            return;
        }
        gpu.launch(LaunchGeometry.elementwise(n, gpu.multiprocessors()), KernelArgs.of(Kernel.COPY_STRIDED)
                .ptr(from).ptr(to).i64(n).i32(plan.rank()).dims(plan.dims()).strides(plan.strides(0)).strides(plan.strides(1)));
    }

    static void axpy(CudaBackend gpu, float alpha, Operand x, Operand y) {
        long n = x.numel();
        if (n == 0) return;
        gpu.launch(LaunchGeometry.elementwise(n, gpu.multiprocessors()), KernelArgs.of(Kernel.AXPY)
                .ptr(gpu.address(x)).ptr(gpu.address(y)).i64(n).f32(alpha));
    }

    /** {@link org.jvicreg.engine.backend.Backend#sgdStep}: one launch; buf's address is 0 without momentum. */
    static void sgdStep(CudaBackend gpu, SgdStep st, Operand p, Operand g, Operand buf, boolean first) {
        long n = p.numel();
        if (n == 0) return;
        gpu.launch(LaunchGeometry.elementwise(n, gpu.multiprocessors()), KernelArgs.of(Kernel.SGD_STEP)
                .ptr(gpu.address(p)).ptr(gpu.address(g)).ptr(buf == null ? 0 : gpu.address(buf)).i64(n).f32(st.lr())
                .f32(st.momentum()).f32(st.dampening()).f32(st.weightDecay()).i32(st.nesterov() ? 1 : 0).i32(first ? 1 : 0));
    }

    /** {@link org.jvicreg.engine.backend.Backend#movingAverage}: one launch. */
    static void movingAverage(CudaBackend gpu, float decay, Operand x, Operand average) {
        long n = average.numel();
        if (n == 0) return;
        gpu.launch(LaunchGeometry.elementwise(n, gpu.multiprocessors()), KernelArgs.of(Kernel.MOVING_AVERAGE)
                .ptr(gpu.address(x)).ptr(gpu.address(average)).i64(n).f32(decay));
    }
}
