package org.jvicreg.engine.cuda;

import org.jvicreg.engine.backend.Operand;
import org.jvicreg.engine.backend.BatchNormCall;

/**
 * Launches of the project's batch-norm kernels (batchnorm.cu), for what cuDNN's float32 NCHW batch norm
 * does not do: batch norm fused with a ResNet block's residual add and ReLU (plain batch norm goes to
 * cuDNN, {@link CudnnBatchNorm}). Partial per-channel sums over several blocks per channel into a
 * scratch buffer of doubles, a per-channel finish, then the elementwise pass, which also adds the
 * residual and takes the ReLU (forward), or masks the gradient by the ReLU and hands it to the
 * residual (backward), so neither intermediate is stored.
 */
final class CudaBatchNorm {
    private CudaBatchNorm() {}

    /** See Backend#batchNormForward with statistics from the batch. */
    static void train(CudaBackend gpu, BatchNormCall call, BatchNormCall.FromBatch s, Operand x, Operand y) {
        int n = call.n(), c = call.c(), hw = call.hw();
        Operand gamma = call.gamma(), beta = call.beta(), residual = call.residual(), runMean = s.runMean(), runVar = s.runVar();
        Operand saveMean = s.saveMean(), saveInvStd = s.saveInvStd();
        float eps = call.eps(), momentum = s.momentum();
        boolean relu = call.relu();
        long count = (long) n * hw;
        if (c == 0) return;
        int splits = LaunchGeometry.batchNormSplits(c, count, gpu.multiprocessors());
        DeviceAllocator.Block partial = gpu.scratch((long) c * splits * 2 * Double.BYTES);
        DeviceAllocator.Block affine = gpu.scratch(2L * c * Float.BYTES);
        try {
            long scale = affine.address(), shift = affine.address() + (long) c * Float.BYTES;
            gpu.launch(LaunchGeometry.batchNormPartials(splits, c), KernelArgs.of(Kernel.BN_PARTIAL_STATS)
                    .ptr(gpu.address(x)).ptr(partial.address()).i32(n).i32(c).i32(hw).i32(splits));
            boolean running = runMean != null && runVar != null;
            gpu.launch(LaunchGeometry.perChannel(c), KernelArgs.of(Kernel.BN_FINISH_STATS)
                    .ptr(partial.address()).i32(c).i32(splits).i64(count).f32(eps).f32(momentum)
                    .ptr(gpu.address(gamma)).ptr(gpu.address(beta)).i32(running ? 1 : 0)
                    .ptr(running ? gpu.address(runMean) : 0).ptr(running ? gpu.address(runVar) : 0)
                    .ptr(gpu.address(saveMean)).ptr(gpu.address(saveInvStd)).ptr(scale).ptr(shift));
            if (count > 0) {
                gpu.launch(LaunchGeometry.elementwise(count * c, gpu.multiprocessors()), KernelArgs.of(Kernel.BN_APPLY)
                        .ptr(gpu.address(x)).ptr(addressOrNull(gpu, residual)).ptr(gpu.address(y)).ptr(scale).ptr(shift)
                        .i32(relu ? 1 : 0).i32(n).i32(c).i32(hw));
            }
        } finally {
            gpu.release(partial);
            gpu.release(affine);
        }
    }

    /** See Backend#batchNormForward with given statistics (eval mode's running ones, or reduced ones). */
    static void given(CudaBackend gpu, BatchNormCall call, BatchNormCall.Given s, Operand x, Operand y) {
        long total = (long) call.n() * call.c() * call.hw();
        if (total == 0) return;
        gpu.launch(LaunchGeometry.elementwise(total, gpu.multiprocessors()), KernelArgs.of(Kernel.BN_EVAL)
                .ptr(gpu.address(x)).ptr(addressOrNull(gpu, call.residual())).ptr(gpu.address(y))
                .ptr(gpu.address(call.gamma())).ptr(gpu.address(call.beta())).ptr(gpu.address(s.mean()))
                .ptr(gpu.address(s.var())).f32(call.eps()).i32(call.relu() ? 1 : 0).i32(call.n()).i32(call.c()).i32(call.hw()));
    }

    /**
     * See Backend#batchNormBackward: with relu, dy is masked by y > 0 first (y is read only then; it may be
     * null otherwise); the residual's gradient (may be null) receives the masked gradient.
     */
    static void backward(CudaBackend gpu, BatchNormCall call, Operand x, Operand y, Operand dy, Operand saveMean,
                         Operand saveInvStd, BatchNormCall.Gradients out) {
        int n = call.n(), c = call.c(), hw = call.hw();
        boolean relu = call.relu();
        Operand gamma = call.gamma(), dx = out.dx(), dResidual = out.dResidual(), dgamma = out.dgamma(), dbeta = out.dbeta();
        long count = (long) n * hw;
        if (c == 0) return;
        if (relu && y == null) throw new IllegalArgumentException("batch norm backward with ReLU needs the forward output y");
        long yAddress = relu ? gpu.address(y) : 0;
        int splits = LaunchGeometry.batchNormSplits(c, count, gpu.multiprocessors());
        DeviceAllocator.Block partial = gpu.scratch((long) c * splits * 2 * Double.BYTES);
        DeviceAllocator.Block coef = gpu.scratch(3L * c * Float.BYTES);
        try {
            gpu.launch(LaunchGeometry.batchNormPartials(splits, c), KernelArgs.of(Kernel.BN_BACKWARD_PARTIAL)
                    .ptr(gpu.address(x)).ptr(gpu.address(dy)).ptr(yAddress).i32(relu ? 1 : 0)
                    .ptr(gpu.address(saveMean)).ptr(gpu.address(saveInvStd))
                    .ptr(partial.address()).i32(n).i32(c).i32(hw).i32(splits));
            gpu.launch(LaunchGeometry.perChannel(c), KernelArgs.of(Kernel.BN_BACKWARD_FINISH)
                    .ptr(partial.address()).i32(c).i32(splits).i64(count).ptr(gpu.address(gamma)).ptr(gpu.address(saveInvStd))
                    .ptr(gpu.address(dgamma)).ptr(gpu.address(dbeta)).ptr(coef.address()));
            if (count > 0) {
                gpu.launch(LaunchGeometry.elementwise(count * c, gpu.multiprocessors()), KernelArgs.of(Kernel.BN_BACKWARD_APPLY)
                        .ptr(gpu.address(x)).ptr(gpu.address(dy)).ptr(yAddress).i32(relu ? 1 : 0)
                        .ptr(gpu.address(saveMean)).ptr(coef.address())
                        .ptr(gpu.address(dx)).ptr(addressOrNull(gpu, dResidual)).i32(n).i32(c).i32(hw));
            }
        } finally {
            gpu.release(partial);
            gpu.release(coef);
        }
    }

    private static long addressOrNull(CudaBackend gpu, Operand t) {
        return t == null ? 0 : gpu.address(t);
    }
}
