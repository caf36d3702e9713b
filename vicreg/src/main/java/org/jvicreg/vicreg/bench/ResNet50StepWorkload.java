package org.jvicreg.vicreg.bench;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.nn.optim.Sgd;
import org.jvicreg.vicreg.model.ResNet;

/**
 * One ResNet-50 training step: train-mode batch norm, forward to the 2048-d pooled features, the loss
 * mean(features^2), backward, and SGD (lr 0.1, momentum 0.9, weight decay 1e-4) on every parameter.
 * bench/pytorch/workloads.py runs the same step on torchvision's resnet50 with fc = Identity.
 */
public final class ResNet50StepWorkload extends Workload {
    private final int batch, size;
    private final ResNet model;
    private final Sgd sgd;
    private final Tensor images;

    public ResNet50StepWorkload(int batch, int size, Device device) {
        super("resnet50-step", "batch=" + batch + " size=" + size, device, batch);
        this.batch = batch;
        this.size = size;
        Rng rng = new Rng(4);
        model = new ResNet(ResNet.Config.torchvision("resnet50"), rng);
        model.to(device);
        model.train(true);
        sgd = new Sgd(model.parameters(), 0.1, 0.9, 1e-4, false);
        images = Tensor.randn(rng, batch, 3, size, size).to(device);
    }

    /** Convolution flops of forward + backward (no input gradient for the stem); the rest is small. */
    @Override
    public double flops() {
        return convolutionFlops(batch, size);
    }

    /** ResNet-50's convolution flops, forward + backward (no input gradient for the stem), for batch images of size x size. */
    static double convolutionFlops(int batch, int size) {
        return ResNet50Convs.trainingFlops(ResNet50Convs.ALL, batch) * ((double) size * size / (224.0 * 224.0));
    }

    @Override
    protected void work() {
        model.zeroGrad();
        Tensor features = model.forward(images);
        features.square().mean().backward();
        sgd.step();
    }
}
