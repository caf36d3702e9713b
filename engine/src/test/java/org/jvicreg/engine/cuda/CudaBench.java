package org.jvicreg.engine.cuda;

import org.jvicreg.engine.backend.BatchNormCalls;
import org.jvicreg.engine.Device;
import org.jvicreg.engine.Memory;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.BinaryOp;
import org.jvicreg.engine.backend.ConvGeometry;
import org.jvicreg.engine.backend.ReduceOp;
import org.jvicreg.engine.backend.UnaryOp;

/**
 * Times the CUDA backend's hot primitives at the sizes VICReg and ResNet-50 use (run by
 * native-kernels/gpu-check.sh): the fused VICReg column pass and the N x N Gram GEMM at N=2048,
 * D=8192, a ResNet-50 3x3 convolution three ways, batch norm, and elementwise/reduction bandwidth.
 * Each line is the mean of timed runs after warm-up, synchronised on the device.
 */
public final class CudaBench {
    private interface Work {
        void run();
    }

    private static CudaBackend gpu;

    private static double millis(Work w) {
        for (int i = 0; i < 3; i++) w.run();
        gpu.synchronize();
        int reps = 0;
        long t0 = System.nanoTime(), t;
        do {
            w.run();
            reps++;
            gpu.synchronize();
            t = System.nanoTime();
        } while (t - t0 < 300_000_000L && reps < 200);
        return (t - t0) / 1e6 / reps;
    }

    private static void report(String what, double ms, double flops, double bytes) {
        StringBuilder sb = new StringBuilder(String.format("%-58s %9.3f ms", what, ms));
        if (flops > 0) sb.append(String.format("  %8.1f GFLOP/s", flops / ms / 1e6));
        if (bytes > 0) sb.append(String.format("  %8.1f GB/s", bytes / ms / 1e6));
        System.out.println(sb);
    }

    private static Tensor randn(Rng r, int... shape) {
        return Tensor.randn(r, shape).to(Device.cuda());
    }

    public static void main(String[] args) {
        Device device = Device.cuda();
        gpu = (CudaBackend) device.backend();
        System.out.println(gpu.describe());
        Rng r = new Rng(0);
        try (var scope = Memory.scope()) {
            int n = 2048, d = 8192;
            Tensor z = randn(r, n, d), zc = Tensor.allocate(gpu, n, d), hg = Tensor.allocate(gpu, n, d);
            Tensor std = Tensor.allocate(gpu, d), gram = Tensor.allocate(gpu, n, n);
            report("column std and hinge 2048x8192 (3 reads, 2 writes)",
                    millis(() -> gpu.columnStdHinge(n, d, z, 1e-4f, zc, std, hg)), 0, 5.0 * n * d * 4);
            for (boolean tf32 : new boolean[] {false, true}) {
                gpu.setTf32(tf32);
                report("gram Zc Zc^T 2048x2048x8192, tf32 " + tf32, millis(() -> gpu.gemm(false, true, n, n, d, 1f,
                        zc, 0, d, 0, zc, 0, d, 0, 0f, gram, 0, n, 0, 1)), 2.0 * n * n * d, 0);
                report("covariance Zc^T Zc 8192x8192x2048 (what the Gram trick avoids), tf32 " + tf32,
                        millis(() -> {
                            try (var s = Memory.scope()) {
                                Tensor cov = Tensor.allocate(gpu, d, d);
                                gpu.gemm(true, false, d, d, n, 1f, zc, 0, d, 0, zc, 0, d, 0, 0f, cov, 0, d, 0, 1);
                            }
                        }), 2.0 * d * d * n, 0);
            }
            gpu.setTf32(false);

            ConvGeometry g = new ConvGeometry(256, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1);
            Tensor x = randn(r, 256, 64, 56, 56), w = randn(r, 64, 64, 3, 3), y = Tensor.allocate(gpu, 256, 64, 56, 56);
            Tensor dx = Tensor.allocate(gpu, 256, 64, 56, 56), dw = Tensor.allocate(gpu, 64, 64, 3, 3);
            for (boolean tf32 : new boolean[] {false, true}) {
                gpu.setTf32(tf32);
                report("conv 3x3 64->64 @56x56 batch 256 forward, tf32 " + tf32, millis(() -> gpu.conv2dForward(g, x, w, y)),
                        g.flops(), 0);
                report("conv backward data, tf32 " + tf32, millis(() -> gpu.conv2dBackwardData(g, y, w, dx)), g.flops(), 0);
                report("conv backward filter, tf32 " + tf32, millis(() -> gpu.conv2dBackwardFilter(g, x, y, dw)), g.flops(), 0);
            }
            gpu.setTf32(false);

            int c = 64, hw = 56 * 56, bn = 256;
            Tensor gamma = randn(r, c), beta = randn(r, c), mean = Tensor.allocate(gpu, c), inv = Tensor.allocate(gpu, c);
            Tensor rm = Tensor.allocate(gpu, c), rv = Tensor.allocate(gpu, c), dg = Tensor.allocate(gpu, c), db = Tensor.allocate(gpu, c);
            double bytes = 4.0 * bn * c * hw;
            report("batch norm train 256x64x56x56 (read twice, write once)", millis(() -> BatchNormCalls.train(gpu, bn, c, hw, x, gamma, beta, 1e-5f, 0.1f, rm, rv, null, false, y, mean, inv)), 0, 3 * bytes);
            report("batch norm backward (read 4, write 1)", millis(() -> BatchNormCalls.backward(gpu, bn, c, hw, x, null, false, y, gamma, mean, inv, 1e-5f, dx, null, dg, db)), 0, 5 * bytes);
            report("relu 51M floats", millis(() -> gpu.unary(UnaryOp.RELU, x, y, 0, 0)), 0, 2 * bytes);
            long[] st = org.jvicreg.engine.Shape.strides(x.shape());
            report("add 51M floats", millis(() -> gpu.binary(BinaryOp.ADD, x, st, y, st, dx)), 0, 3 * bytes);
            Tensor colSums = Tensor.allocate(gpu, d);
            report("column sums of 2048x8192", millis(() -> gpu.reduce(ReduceOp.SUM, z, 1, n, d, colSums)), 0, 4.0 * n * d);
            Tensor rowSums = Tensor.allocate(gpu, n);
            report("row sums of 2048x8192", millis(() -> gpu.reduce(ReduceOp.SUM, z, n, d, 1, rowSums)), 0, 4.0 * n * d);
        }
        System.out.println(gpu.memoryStats());
    }
}
