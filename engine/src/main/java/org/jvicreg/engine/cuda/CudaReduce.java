package org.jvicreg.engine.cuda;

import org.jvicreg.engine.backend.Operand;
import org.jvicreg.engine.backend.ReduceOp;

/** Launches of the reduction, gather/scatter (reduce.cu) and softmax (softmax.cu) kernels. */
final class CudaReduce {
    private CudaReduce() {}

    static void reduce(CudaBackend gpu, ReduceOp op, Operand x, int outer, int n, int inner, Operand y) {
        long out = (long) outer * inner;
        if (out == 0) return;
        if (n == 0) {
            gpu.device().memset32(gpu.address(y), Float.floatToRawIntBits(op == ReduceOp.SUM ? 0f : Float.NaN), out);
            return;
        }
        if (inner == 1 && op != ReduceOp.ARGMAX && outer < gpu.multiprocessors() && n >= SPLIT_MIN) {
            splitRows(gpu, op, x, outer, n, y);
        } else if (inner == 1) {
            gpu.launch(LaunchGeometry.lines(outer, n, gpu.multiprocessors()), KernelArgs.of(Kernel.REDUCE_ROWS)
                    .ptr(gpu.address(x)).ptr(gpu.address(y)).i32(outer).i32(n).i32(op.ordinal()));
        } else {
            gpu.launch(LaunchGeometry.columns(outer, n, inner, gpu.multiprocessors()), KernelArgs.of(Kernel.REDUCE_COLUMNS)
                    .ptr(gpu.address(x)).ptr(gpu.address(y)).i32(outer).i32(n).i32(inner).i32(op.ordinal()));
        }
    }

    /** Rows at least this long, when there are fewer rows than multiprocessors, are reduced in two passes. */
    static final int SPLIT_MIN = 1 << 16;
    private static final int CHUNK = 4096;

    /**
     * A few long rows (a whole-tensor sum is one row): one block per row would leave the GPU idle and read
     * a 64 MB tensor at a single multiprocessor's bandwidth, orders of magnitude slower, so each row is cut
     * into chunks reduced in parallel, then the chunk results are reduced. (Not for ARGMAX, whose index
     * would be the chunk's.)
     */
    private static void splitRows(CudaBackend gpu, ReduceOp op, Operand x, int outer, int n, Operand y) {
        int full = n / CHUNK, tail = n - full * CHUNK, parts = full + (tail > 0 ? 1 : 0);
        DeviceAllocator.Block partial = gpu.scratch((long) parts * Float.BYTES);
        try {
            for (int o = 0; o < outer; o++) {
                long row = gpu.address(x) + (long) o * n * Float.BYTES;
                rows(gpu, op, row, partial.address(), full, CHUNK);
                if (tail > 0) rows(gpu, op, row + (long) full * CHUNK * Float.BYTES, partial.address() + (long) full * Float.BYTES, 1, tail);
                rows(gpu, op, partial.address(), gpu.address(y) + (long) o * Float.BYTES, 1, parts);
            }
        } finally {
            gpu.release(partial); // kernels on the one stream run in order, so the next user comes after them
        }
    }

    private static void rows(CudaBackend gpu, ReduceOp op, long x, long y, int rows, int n) {
        gpu.launch(LaunchGeometry.lines(rows, n, gpu.multiprocessors()), KernelArgs.of(Kernel.REDUCE_ROWS)
                .ptr(x).ptr(y).i32(rows).i32(n).i32(op.ordinal()));
    }

    static void gather(CudaBackend gpu, Operand x, int outer, int n, int inner, Operand idx, Operand y) {
        indexed(gpu, Kernel.GATHER_AXIS, x, outer, n, inner, idx, y);
    }

    static void scatter(CudaBackend gpu, Operand src, int outer, int n, int inner, Operand idx, Operand y) {
        gpu.device().memset32(gpu.address(y), 0, (long) outer * n * inner);
        indexed(gpu, Kernel.SCATTER_AXIS, src, outer, n, inner, idx, y);
    }

    /** Runs gather or scatter with a device flag for invalid indices, then reads it back (a synchronisation). */
    private static void indexed(CudaBackend gpu, Kernel k, Operand in, int outer, int n, int inner, Operand idx, Operand y) {
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

    static void softmax(CudaBackend gpu, int outer, int n, int inner, Operand x, Operand y, boolean log) {
        long lines = (long) outer * inner;
        if (lines == 0 || n == 0) return;
        gpu.launch(LaunchGeometry.lines(lines, n, gpu.multiprocessors()), KernelArgs.of(Kernel.SOFTMAX)
                .ptr(gpu.address(x)).ptr(gpu.address(y)).i32(outer).i32(n).i32(inner).i32(log ? 1 : 0));
    }

    static void softmaxBackward(CudaBackend gpu, int outer, int n, int inner, Operand y, Operand dy, Operand dx, boolean log) {
        long lines = (long) outer * inner;
        if (lines == 0 || n == 0) return;
        gpu.launch(LaunchGeometry.lines(lines, n, gpu.multiprocessors()), KernelArgs.of(Kernel.SOFTMAX_BACKWARD)
                .ptr(gpu.address(y)).ptr(gpu.address(dy)).ptr(gpu.address(dx)).i32(outer).i32(n).i32(inner).i32(log ? 1 : 0));
    }
}
