package org.jvicreg.vicreg.bench;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.F;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;

/**
 * One ResNet-50 convolution through autograd, as a training step runs it: forward alone, or forward then
 * backward (filter gradient always, input gradient except for the stem, whose input is the image).
 */
public final class ConvWorkload extends Workload {
    private final ResNet50Convs.Layer layer;
    private final int batch;
    private final boolean backward;
    private final Tensor x, w, gy;

    public ConvWorkload(ResNet50Convs.Layer layer, int batch, boolean backward, Device device) {
        super("conv", "layer=" + layer.name() + " batch=" + batch + " pass=" + (backward ? "fwdbwd" : "fwd"), device, batch);
        this.layer = layer;
        this.batch = batch;
        this.backward = backward;
        Rng rng = new Rng(3);
        boolean inputGrad = backward && !layer.name().equals("conv1");
        x = Tensor.randn(rng, batch, layer.in(), layer.size(), layer.size()).to(device).requiresGrad(inputGrad);
        w = Tensor.randn(rng, layer.out(), layer.in(), layer.filter(), layer.filter()).mul(0.05f).to(device)
                .requiresGrad(backward);
        gy = Tensor.randn(rng, batch, layer.out(), layer.outSize(), layer.outSize()).to(device);
    }

    @Override
    public double flops() {
        if (!backward) return layer.flops(batch);
        return layer.flops(batch) * (x.requiresGrad() ? 3 : 2);
    }

    @Override
    protected void work() {
        Tensor y = F.conv2d(x, w, layer.stride(), layer.pad());
        if (backward) {
            y.backward(gy);
            x.zeroGrad();
            w.zeroGrad();
        }
    }
}
