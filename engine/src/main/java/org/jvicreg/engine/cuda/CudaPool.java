package org.jvicreg.engine.cuda;

import org.jvicreg.engine.backend.Operand;
import org.jvicreg.engine.backend.PoolGeometry;

/** Launches of the pooling kernels (pool.cu). */
final class CudaPool {
    private CudaPool() {}

    private static int[] args(PoolGeometry g) {
        return new int[] {g.n() * g.c(), g.h(), g.w(), g.oh(), g.ow(), g.kh(), g.kw(), g.strideH(), g.strideW(), g.padH(), g.padW()};
    }

    private static long outputs(PoolGeometry g) {
        return (long) g.n() * g.c() * g.oh() * g.ow();
    }

    static void maxForward(CudaBackend gpu, PoolGeometry g, Operand x, Operand y) {
        if (outputs(g) == 0) return;
        gpu.launch(LaunchGeometry.elementwise(outputs(g), gpu.multiprocessors()), KernelArgs.of(Kernel.MAX_POOL_FORWARD)
                .ptr(gpu.address(x)).ptr(gpu.address(y)).pool(args(g)));
    }

    static void maxBackward(CudaBackend gpu, PoolGeometry g, Operand x, Operand dy, Operand dx) {
        gpu.device().memset32(gpu.address(dx), 0, dx.numel());
        if (outputs(g) == 0) return;
        gpu.launch(LaunchGeometry.elementwise(outputs(g), gpu.multiprocessors()), KernelArgs.of(Kernel.MAX_POOL_BACKWARD)
                .ptr(gpu.address(x)).ptr(gpu.address(dy)).ptr(gpu.address(dx)).pool(args(g)));
    }

    static void avgForward(CudaBackend gpu, PoolGeometry g, Operand x, Operand y) {
        if (outputs(g) == 0) return;
        gpu.launch(LaunchGeometry.elementwise(outputs(g), gpu.multiprocessors()), KernelArgs.of(Kernel.AVG_POOL_FORWARD)
                .ptr(gpu.address(x)).ptr(gpu.address(y)).pool(args(g)));
    }

    static void avgBackward(CudaBackend gpu, PoolGeometry g, Operand dy, Operand dx) {
        long inputs = dx.numel();
        if (inputs == 0) return;
        gpu.launch(LaunchGeometry.elementwise(inputs, gpu.multiprocessors()), KernelArgs.of(Kernel.AVG_POOL_BACKWARD)
                .ptr(gpu.address(dy)).ptr(gpu.address(dx)).pool(args(g)));
    }

    static void adaptiveAvgForward(CudaBackend gpu, int nc, int h, int w, int oh, int ow, Operand x, Operand y) {
        long out = (long) nc * oh * ow;
        if (out == 0) return;
        gpu.launch(LaunchGeometry.elementwise(out, gpu.multiprocessors()), KernelArgs.of(Kernel.ADAPTIVE_AVG_POOL_FORWARD)
                .ptr(gpu.address(x)).ptr(gpu.address(y)).i32(nc).i32(h).i32(w).i32(oh).i32(ow));
    }

    static void adaptiveAvgBackward(CudaBackend gpu, int nc, int h, int w, int oh, int ow, Operand dy, Operand dx) {
        long in = (long) nc * h * w;
        if (in == 0) return;
        gpu.launch(LaunchGeometry.elementwise(in, gpu.multiprocessors()), KernelArgs.of(Kernel.ADAPTIVE_AVG_POOL_BACKWARD)
                .ptr(gpu.address(dy)).ptr(gpu.address(dx)).i32(nc).i32(h).i32(w).i32(oh).i32(ow));
    }
}
