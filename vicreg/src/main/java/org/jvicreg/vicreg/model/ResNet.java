package org.jvicreg.vicreg.model;

import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.nn.BatchNorm;
import org.jvicreg.nn.Conv2d;
import org.jvicreg.nn.Init;
import org.jvicreg.nn.Layers;
import org.jvicreg.nn.Module;
import org.jvicreg.nn.Sequential;

import java.util.List;
import java.util.Locale;

/**
 * ResNet-18/34/50 in torchvision's v1.5 layout (stride on the 3x3 convolution, 1x1 conv + BN
 * downsample), returning the globally pooled features without the fc head (512 or 2048 at width 64).
 * Parameter names match torchvision's state dicts. Options: input channels, base width (64 in
 * torchvision; 16 gives channels 16/32/64/128), a small-image stem (3x3 stride 1, no max-pool) for
 * 28-32 px inputs, and zero_init_residual (last BN of each block starts at 0, as VICReg uses).
 */
public final class ResNet extends Module {
    /** The architectures {@link Config} accepts. */
    public static final List<String> ARCHITECTURES = List.of("resnet18", "resnet34", "resnet50");

    /** Architecture options. */
    public record Config(String arch, int inChannels, int width, boolean smallStem, boolean zeroInitResidual) {
        public Config {
            if (!ARCHITECTURES.contains(arch)) {
                throw new IllegalArgumentException("unknown architecture '" + arch + "' (expected resnet18, resnet34 or resnet50)");
            }
            if (inChannels < 1) throw new IllegalArgumentException("input channels must be >= 1, got " + inChannels);
            if (width < 1) throw new IllegalArgumentException("width must be >= 1, got " + width);
        }

        /** torchvision's ResNet: 3 channels, width 64, ImageNet stem, no zero init. */
        public static Config torchvision(String arch) {
            return new Config(arch.toLowerCase(Locale.ROOT), 3, 64, false, false);
        }
    }

    private final Config config;
    private final boolean bottleneck;
    private final int featureDim;
    private final Conv2d conv1;
    private final BatchNorm bn1;
    private final Sequential[] stages = new Sequential[4];

    public ResNet(Config c, Rng rng) {
        this.config = c;
        int[] blocks = switch (c.arch()) {
            case "resnet18" -> new int[] {2, 2, 2, 2};
            case "resnet34", "resnet50" -> new int[] {3, 4, 6, 3};
            default -> throw new AssertionError(c.arch());
        };
        bottleneck = c.arch().equals("resnet50");
        int expansion = bottleneck ? 4 : 1;
        int w = c.width();
        conv1 = registerModule("conv1", c.smallStem()
                ? new Conv2d(c.inChannels(), w, 3, 1, 1, rng)
                : new Conv2d(c.inChannels(), w, 7, 2, 3, rng));
        bn1 = registerModule("bn1", BatchNorm.bn2d(w));
        int inplanes = w;
        for (int s = 0; s < 4; s++) {
            int planes = w << s, stride = s == 0 ? 1 : 2;
            Sequential stage = new Sequential();
            for (int b = 0; b < blocks[s]; b++) {
                int st = b == 0 ? stride : 1;
                boolean down = b == 0 && (st != 1 || inplanes != planes * expansion);
                stage.add(bottleneck ? new Bottleneck(inplanes, planes, st, down, rng) : new BasicBlock(inplanes, planes, st, down, rng));
                inplanes = planes * expansion;
            }
            stages[s] = registerModule("layer" + (s + 1), stage);
        }
        featureDim = inplanes;
        initialise(rng, c.zeroInitResidual());
    }

    /** torchvision's init: Kaiming normal (fan_out, relu) for every conv; BN weight 1, bias 0. */
    private void initialise(Rng rng, boolean zeroInitResidual) {
        try (var g = org.jvicreg.engine.Grad.off()) {
            for (var e : namedParameters().entrySet()) {
                Tensor p = e.getValue();
                if (p.dim() == 4) p.assignInPlace(Init.kaimingNormalFanOut(rng, p.shape()));
            }
            if (zeroInitResidual) {
                for (Sequential stage : stages) {
                    for (int b = 0; b < stage.size(); b++) {
                        Module block = stage.get(b);
                        BatchNorm last = (BatchNorm) block.children().get(bottleneck ? "bn3" : "bn2");
                        last.weight().fillInPlace(0f);
                    }
                }
            }
        }
    }

    /**
     * Whether AUTO may choose batch-last: for the networks where it measured faster, basic blocks with the
     * small-image stem. Not for bottlenecks, whose 1x1 layers with many channels run slower batch-last, nor
     * the ImageNet stem (unmeasured). bench/RESULTS.md, "CPU kernel choices", has the measurements.
     */
    private boolean autoBatchLast() {
        return !bottleneck && config.smallStem();
    }

    /** How forward() lays out activations; every layout computes the same function. */
    public enum Layout {
        /**
         * Batch-last for small-stem basic-block networks where the backend prefers it for the batch
         * ({@code Backend.prefersBatchLast}: on the CPU, batches of 32k images), else NCHW.
         */
        AUTO,
        /** (N, C, H, W) throughout. */
        NCHW,
        /** (C, H, W, N) from the first convolution (after the max-pool of the ImageNet stem) to the pooling. */
        BATCH_LAST
    }

    private Layout layout = Layout.AUTO;

    /** Sets the activation layout of forward() (AUTO by default); returns this. */
    public ResNet layout(Layout l) {
        layout = java.util.Objects.requireNonNull(l);
        return this;
    }

    public Config config() {
        return config;
    }

    /** Size of the pooled feature vector. */
    public int featureDim() {
        return featureDim;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() != 4 || x.size(1) != config.inChannels()) {
            throw new IllegalArgumentException(config.arch() + ": expected input (N, " + config.inChannels() + ", H, W), got "
                    + org.jvicreg.engine.Shape.str(x.shape()));
        }
        boolean batchLast = layout == Layout.BATCH_LAST
                || (layout == Layout.AUTO && autoBatchLast() && x.backend().prefersBatchLast(x.size(0)));
        if (!batchLast) {
            Tensor h = bn1.forwardRelu(conv1.forward(x));
            if (!config.smallStem()) h = org.jvicreg.engine.F.maxPool2d(h, 3, 2, 1);
            for (Sequential s : stages) h = s.forward(h);
            return org.jvicreg.engine.F.adaptiveAvgPool2d(h, 1, 1).flatten(1);
        }
        // the backend's convolutions run faster on batch-last (C, H, W, N) activations: permute once on the
        // way in (after the ImageNet stem's max-pool, which works on NCHW) and pool straight to (N, C)
        Tensor h;
        if (config.smallStem()) {
            h = batchNorm(bn1, conv1.forwardBatchLast(x.permute(1, 2, 3, 0)), null, true);
        } else {
            h = org.jvicreg.engine.F.maxPool2d(bn1.forwardRelu(conv1.forward(x)), 3, 2, 1).permute(1, 2, 3, 0);
        }
        for (Sequential s : stages) {
            for (int i = 0; i < s.size(); i++) h = ((Block) s.get(i)).forwardBatchLast(h);
        }
        return h.mean(new int[] {1, 2}, false).t();
    }

    /**
     * Batch norm of batch-last activations (C, H, W, N), plus the residual and ReLU when asked: through the
     * (1, C, H, W*N) view of the same memory, whose per-channel statistics over N*H*W values are the same.
     */
    private static Tensor batchNorm(BatchNorm bn, Tensor x, Tensor residual, boolean relu) {
        int[] s = x.shape();
        Tensor v = x.reshape(1, s[0], s[1], s[2] * s[3]);
        Tensor y = residual != null ? bn.forwardAddRelu(v, residual.reshape(v.shape()))
                : relu ? bn.forwardRelu(v) : bn.forward(v);
        return y.reshape(s);
    }

    /** A residual block: forward() on NCHW images, forwardBatchLast() on batch-last ones, the same function. */
    interface Block {
        Tensor forwardBatchLast(Tensor x);
    }

    /** The 1x1 convolution + BN downsample of a block input, batch-last. */
    private static Tensor downsampleBatchLast(Sequential downsample, Tensor x) {
        return batchNorm((BatchNorm) downsample.get(1), ((Conv2d) downsample.get(0)).forwardBatchLast(x), null, false);
    }

    /** conv3x3-BN-ReLU-conv3x3-BN plus the (downsampled) input, then ReLU. */
    static final class BasicBlock extends Module implements Block {
        private final Conv2d conv1, conv2;
        private final BatchNorm bn1, bn2;
        private final Sequential downsample;

        BasicBlock(int inplanes, int planes, int stride, boolean down, Rng rng) {
            conv1 = registerModule("conv1", new Conv2d(inplanes, planes, 3, stride, 1, rng));
            bn1 = registerModule("bn1", BatchNorm.bn2d(planes));
            conv2 = registerModule("conv2", new Conv2d(planes, planes, 3, 1, 1, rng));
            bn2 = registerModule("bn2", BatchNorm.bn2d(planes));
            downsample = down ? registerModule("downsample",
                    new Sequential(new Conv2d(inplanes, planes, 1, stride, 0, rng), BatchNorm.bn2d(planes))) : null;
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor out = bn1.forwardRelu(conv1.forward(x));
            Tensor identity = downsample == null ? x : downsample.forward(x);
            return bn2.forwardAddRelu(conv2.forward(out), identity);
        }

        @Override
        public Tensor forwardBatchLast(Tensor x) {
            Tensor out = batchNorm(bn1, conv1.forwardBatchLast(x), null, true);
            Tensor identity = downsample == null ? x : downsampleBatchLast(downsample, x);
            return batchNorm(bn2, conv2.forwardBatchLast(out), identity, true);
        }
    }

    /** 1x1 reduce, 3x3 (strided, v1.5), 1x1 expand x4, each with BN; plus the (downsampled) input; ReLU. */
    static final class Bottleneck extends Module implements Block {
        private final Conv2d conv1, conv2, conv3;
        private final BatchNorm bn1, bn2, bn3;
        private final Sequential downsample;

        Bottleneck(int inplanes, int planes, int stride, boolean down, Rng rng) {
            conv1 = registerModule("conv1", new Conv2d(inplanes, planes, 1, 1, 0, rng));
            bn1 = registerModule("bn1", BatchNorm.bn2d(planes));
            conv2 = registerModule("conv2", new Conv2d(planes, planes, 3, stride, 1, rng));
            bn2 = registerModule("bn2", BatchNorm.bn2d(planes));
            conv3 = registerModule("conv3", new Conv2d(planes, planes * 4, 1, 1, 0, rng));
            bn3 = registerModule("bn3", BatchNorm.bn2d(planes * 4));
            downsample = down ? registerModule("downsample",
                    new Sequential(new Conv2d(inplanes, planes * 4, 1, stride, 0, rng), BatchNorm.bn2d(planes * 4))) : null;
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor out = bn1.forwardRelu(conv1.forward(x));
            out = bn2.forwardRelu(conv2.forward(out));
            Tensor identity = downsample == null ? x : downsample.forward(x);
            return bn3.forwardAddRelu(conv3.forward(out), identity);
        }

        @Override
        public Tensor forwardBatchLast(Tensor x) {
            Tensor out = batchNorm(bn1, conv1.forwardBatchLast(x), null, true);
            out = batchNorm(bn2, conv2.forwardBatchLast(out), null, true);
            Tensor identity = downsample == null ? x : downsampleBatchLast(downsample, x);
            return batchNorm(bn3, conv3.forwardBatchLast(out), identity, true);
        }
    }
}
