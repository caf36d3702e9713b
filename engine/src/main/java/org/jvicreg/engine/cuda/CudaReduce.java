package org.jvicreg.engine.cuda;

import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.ReduceOp;

/** Launches of the reduction, gather/scatter (reduce.cu) and softmax (softmax.cu) kernels. */
final class CudaReduce {
    private CudaReduce() {}

    static void reduce(CudaBackend gpu, ReduceOp op, Tensor x, int outer, int n, int inner, Tensor y) {
        long out = (long) outer * inner;
        if (out == 0) return;
        if (n == 0) {
            gpu.device().memset32(gpu.address(y), Float.floatToRawIntBits(op == ReduceOp.SUM ? 0f : Float.NaN), out);
            return;
        }
        if (inner == 1) {
            gpu.launch(LaunchGeometry.lines(outer, n, gpu.multiprocessors()), KernelArgs.of(Kernel.REDUCE_ROWS)
                    .ptr(gpu.address(x)).ptr(gpu.address(y)).i32(outer).i32(n).i32(op.ordinal()));
        } else {
            gpu.launch(LaunchGeometry.columns(outer, n, inner, gpu.multiprocessors()), KernelArgs.of(Kernel.REDUCE_COLUMNS)
                    .ptr(gpu.address(x)).ptr(gpu.address(y)).i32(outer).i32(n).i32(inner).i32(op.ordinal()));
        }
    }

    static void gather(CudaBackend gpu, Tensor x, int outer, int n, int inner, Tensor idx, Tensor y) {
        indexed(gpu, Kernel.GATHER_AXIS, x, outer, n, inner, idx, y);
    }

    static void scatter(CudaBackend gpu, Tensor src, int outer, int n, int inner, Tensor idx, Tensor y) {
        gpu.device().memset32(gpu.address(y), 0, (long) outer * n * inner);
        indexed(gpu, Kernel.SCATTER_AXIS, src, outer, n, inner, idx, y);
    }

    /** Runs gather or scatter with a device flag for invalid indices, then reads it back (a synchronisation). */
    private static void indexed(CudaBackend gpu, Kernel k, Tensor in, int outer, int n, int inner, Tensor idx, Tensor y) {
        long count = (long) outer * inner;
        if (count == 0) return;
        DeviceAllocator.Block flag = gpu.scratch(Integer.BYTES);
        try {
            gpu.device().memset32(flag.address(), 0, 1);
            gpu.launch(LaunchGeometry.elementwise(count, gpu.multiprocessors()), KernelArgs.of(k)
                    .ptr(gpu.address(in)).ptr(gpu.address(idx)).ptr(gpu.address(y)).i32(outer).i32(n).i32(inner)
                    .ptr(flag.address()));
            if (gpu.device().readInt(flag.address()) != 0) {
                throw new IndexOutOfBoundsException((k == Kernel.GATHER_AXIS ? "gather" : "scatter")
                        + ": an index is out of range [0, " + n + ") or not an integer");
            }
        } finally {
            gpu.release(flag);
        }
    }

    static void softmax(CudaBackend gpu, int outer, int n, int inner, Tensor x, Tensor y, boolean log) {
        long lines = (long) outer * inner;
        if (lines == 0 || n == 0) return;
        gpu.launch(LaunchGeometry.lines(lines, n, gpu.multiprocessors()), KernelArgs.of(Kernel.SOFTMAX)
                .ptr(gpu.address(x)).ptr(gpu.address(y)).i32(outer).i32(n).i32(inner).i32(log ? 1 : 0));
    }

    static void softmaxBackward(CudaBackend gpu, int outer, int n, int inner, Tensor y, Tensor dy, Tensor dx, boolean log) {
        long lines = (long) outer * inner;
        if (lines == 0 || n == 0) return;
        gpu.launch(LaunchGeometry.lines(lines, n, gpu.multiprocessors()), KernelArgs.of(Kernel.SOFTMAX_BACKWARD)
                .ptr(gpu.address(y)).ptr(gpu.address(dy)).ptr(gpu.address(dx)).i32(outer).i32(n).i32(inner).i32(log ? 1 : 0));
    }
}
