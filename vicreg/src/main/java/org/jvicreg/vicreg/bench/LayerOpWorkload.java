package org.jvicreg.vicreg.bench;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.F;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;

import java.util.Arrays;

/**
 * One of a ResNet's memory-bound layers through autograd, forward then backward, as a training step runs
 * it: train-mode batch norm alone, fused with a ReLU, or fused with the residual add and ReLU that end a
 * block; or the stem's 3x3 stride-2 max pooling. The defaults are ResNet-50's largest such tensors at
 * batch 16 and 224 px: batch norm on 256 channels of 56 x 56 (each layer1 block's last, and the
 * downsample's), pooling on the stem's 64 channels of 112 x 112. batchnorm1d is the expander's batch norm over
 * (batch, channels) rows, 8192 channels by default. No flops are counted (gflops is 0): these
 * layers are bound by memory traffic, so the time is the figure.
 */
public final class LayerOpWorkload extends Workload {
    /** The layers, by their command-line names. */
    public enum Op {
        BATCHNORM("batchnorm"), BATCHNORM_RELU("batchnorm-relu"), BATCHNORM_ADD_RELU("batchnorm-add-relu"),
        MAXPOOL("maxpool"), BATCHNORM1D("batchnorm1d");

        public final String cli;

        Op(String cli) {
            this.cli = cli;
        }

        /** The op whose command-line name is name, or null. */
        public static Op byName(String name) {
            return Arrays.stream(values()).filter(o -> o.cli.equals(name)).findFirst().orElse(null);
        }

        /**
         * The default (channels, size) at ResNet-50's 224 px input; for batchnorm1d, whose input is (batch,
         * channels), the official expander's 8192 channels (size 1).
         */
        public int[] defaultShape() {
            return switch (this) {
                case MAXPOOL -> new int[] {64, 112};
                case BATCHNORM1D -> new int[] {8192, 1};
                default -> new int[] {256, 56};
            };
        }
    }

    private final Op op;
    private final Tensor x, residual, gy, weight, bias, runMean, runVar;

    public LayerOpWorkload(Op op, int batch, int channels, int size, Device device) {
        super("layer-op", "op=" + op.cli + " batch=" + batch + " channels=" + channels
                + (op == Op.BATCHNORM1D ? "" : " size=" + size), device, batch);
        this.op = op;
        Rng rng = new Rng(4);
        int out = op == Op.MAXPOOL ? (size - 1) / 2 + 1 : size;
        int[] in = op == Op.BATCHNORM1D ? new int[] {batch, channels} : new int[] {batch, channels, size, size};
        x = Tensor.randn(rng, in).to(device).requiresGrad(true);
        residual = op == Op.BATCHNORM_ADD_RELU ? Tensor.randn(rng, in).to(device).requiresGrad(true) : null;
        gy = Tensor.randn(rng, op == Op.BATCHNORM1D ? in : new int[] {batch, channels, out, out}).to(device);
        weight = Tensor.randn(rng, channels).mul(0.1f).add(1f).to(device).requiresGrad(true);
        bias = Tensor.randn(rng, channels).mul(0.1f).to(device).requiresGrad(true);
        runMean = Tensor.zeros(channels).to(device);
        runVar = Tensor.ones(channels).to(device);
    }

    @Override
    public double flops() {
        return 0;
    }

    @Override
    protected void work() {
        Tensor y = switch (op) {
            case BATCHNORM, BATCHNORM1D -> F.batchNorm(x, runMean, runVar, weight, bias, true, 0.1f, 1e-5f);
            case BATCHNORM_RELU -> F.batchNormRelu(x, runMean, runVar, weight, bias, true, 0.1f, 1e-5f);
            case BATCHNORM_ADD_RELU -> F.batchNormAddRelu(x, residual, runMean, runVar, weight, bias, true, 0.1f, 1e-5f);
            case MAXPOOL -> F.maxPool2d(x, 3, 2, 1);
        };
        y.backward(gy);
        for (Tensor t : new Tensor[] {x, residual, weight, bias}) {
            if (t != null) t.zeroGrad();
        }
    }
}
