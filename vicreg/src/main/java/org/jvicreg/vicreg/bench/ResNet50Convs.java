package org.jvicreg.vicreg.bench;

import java.util.List;

/**
 * Every distinct convolution of torchvision's ResNet-50 (v1.5) at 224 x 224 input, named after its first
 * module in the network, with how many times the shape occurs. bench/pytorch/workloads.py lists the
 * same table.
 */
public final class ResNet50Convs {
    private ResNet50Convs() {}

    /** One convolution shape: in/out channels, input height = width, square filter, stride, padding. */
    public record Layer(String name, int in, int out, int size, int filter, int stride, int pad, int count) {
        public int outSize() {
            return (size + 2 * pad - filter) / stride + 1;
        }

        /** Forward flops for a batch. */
        public double flops(int batch) {
            return 2.0 * batch * out * outSize() * outSize() * in * filter * filter;
        }
    }

    /**
     * Flops of one training pass over these layers, each {@code count} times: forward and both gradients,
     * but no input gradient for the stem ("conv1"), whose input is the image.
     */
    public static double trainingFlops(List<Layer> layers, int batch) {
        double total = 0;
        for (Layer l : layers) total += l.count() * l.flops(batch) * (l.name().equals("conv1") ? 2 : 3);
        return total;
    }

    public static final List<Layer> ALL = List.of(
            new Layer("conv1", 3, 64, 224, 7, 2, 3, 1),
            new Layer("layer1.0.conv1", 64, 64, 56, 1, 1, 0, 1),
            new Layer("layer1.0.conv2", 64, 64, 56, 3, 1, 1, 3),
            new Layer("layer1.0.conv3", 64, 256, 56, 1, 1, 0, 4),   // and layer1.0.downsample
            new Layer("layer1.1.conv1", 256, 64, 56, 1, 1, 0, 2),
            new Layer("layer2.0.conv1", 256, 128, 56, 1, 1, 0, 1),
            new Layer("layer2.0.conv2", 128, 128, 56, 3, 2, 1, 1),
            new Layer("layer2.0.conv3", 128, 512, 28, 1, 1, 0, 4),
            new Layer("layer2.0.downsample", 256, 512, 56, 1, 2, 0, 1),
            new Layer("layer2.1.conv1", 512, 128, 28, 1, 1, 0, 3),
            new Layer("layer2.1.conv2", 128, 128, 28, 3, 1, 1, 3),
            new Layer("layer3.0.conv1", 512, 256, 28, 1, 1, 0, 1),
            new Layer("layer3.0.conv2", 256, 256, 28, 3, 2, 1, 1),
            new Layer("layer3.0.conv3", 256, 1024, 14, 1, 1, 0, 6),
            new Layer("layer3.0.downsample", 512, 1024, 28, 1, 2, 0, 1),
            new Layer("layer3.1.conv1", 1024, 256, 14, 1, 1, 0, 5),
            new Layer("layer3.1.conv2", 256, 256, 14, 3, 1, 1, 5),
            new Layer("layer4.0.conv1", 1024, 512, 14, 1, 1, 0, 1),
            new Layer("layer4.0.conv2", 512, 512, 14, 3, 2, 1, 1),
            new Layer("layer4.0.conv3", 512, 2048, 7, 1, 1, 0, 3),
            new Layer("layer4.0.downsample", 1024, 2048, 14, 1, 2, 0, 1),
            new Layer("layer4.1.conv1", 2048, 512, 7, 1, 1, 0, 2),
            new Layer("layer4.1.conv2", 512, 512, 7, 3, 1, 1, 2));

    public static Layer byName(String name) {
        for (Layer l : ALL) if (l.name().equals(name)) return l;
        return null;
    }
}
