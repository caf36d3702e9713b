package org.jvicreg.engine.cuda;

import org.jvicreg.engine.Tensor;

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

    /** See Backend#batchNormTrainActivation; residual may be null. */
    static void train(CudaBackend gpu, int n, int c, int hw, Tensor x, Tensor gamma, Tensor beta, float eps, float momentum,
                      Tensor runMean, Tensor runVar, Tensor residual, boolean relu, Tensor y, Tensor saveMean,
                      Tensor saveInvStd) {
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

    /** See Backend#batchNormEvalActivation; residual may be null. */
    static void eval(CudaBackend gpu, int n, int c, int hw, Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar,
                     float eps, Tensor residual, boolean relu, Tensor y) {
        long total = (long) n * c * hw;
        if (total == 0) return;
        gpu.launch(LaunchGeometry.elementwise(total, gpu.multiprocessors()), KernelArgs.of(Kernel.BN_EVAL)
                .ptr(gpu.address(x)).ptr(addressOrNull(gpu, residual)).ptr(gpu.address(y)).ptr(gpu.address(gamma))
                .ptr(gpu.address(beta)).ptr(gpu.address(runMean)).ptr(gpu.address(runVar)).f32(eps).i32(relu ? 1 : 0)
                .i32(n).i32(c).i32(hw));
    }

    /**
     * See Backend#batchNormBackwardActivation: with relu, dy is masked by y > 0 first (y is read only
     * then; it may be null otherwise); dResidual (may be null) receives the masked gradient.
     */
    static void backward(CudaBackend gpu, int n, int c, int hw, Tensor x, Tensor y, boolean relu, Tensor dy, Tensor gamma,
                         Tensor saveMean, Tensor saveInvStd, Tensor dx, Tensor dResidual, Tensor dgamma, Tensor dbeta) {
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

    private static long addressOrNull(CudaBackend gpu, Tensor t) {
        return t == null ? 0 : gpu.address(t);
    }
}
