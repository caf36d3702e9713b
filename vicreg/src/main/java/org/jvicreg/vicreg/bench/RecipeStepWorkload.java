package org.jvicreg.vicreg.bench;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.nn.optim.Lars;
import org.jvicreg.vicreg.loss.VicregLoss;
import org.jvicreg.vicreg.model.ResNet;
import org.jvicreg.vicreg.model.Vicreg;

/**
 * One step of recipe R without the data loader: two views of {@code batch} 1 x size x size images through
 * ResNet-18 width 16 with the small-image stem and the 512-512-512 expander, the official VICReg loss,
 * backward, LARS (lr 0.3, weight decay 1e-6, momentum 0.9, eta 0.001). This is what `vicreg pretrain`
 * repeats 234 times per Fashion-MNIST epoch; bench/pytorch/workloads.py runs the same step with
 * recipe_r.py's model and LARS.
 */
public final class RecipeStepWorkload implements Workload {
    private final int batch, size;
    private final Vicreg model;
    private final Lars lars;
    private final Tensor view1, view2;
    private final Device device;

    public RecipeStepWorkload(int batch, int size, Device device) {
        this.batch = batch;
        this.size = size;
        this.device = device;
        Rng rng = new Rng(5);
        model = new Vicreg(new ResNet.Config("resnet18", 1, 16, true, true), "512-512-512", rng);
        model.to(device);
        model.train(true);
        lars = new Lars(model.parameters(), 0.3, 1e-6, 0.9, 0.001);
        view1 = Tensor.randn(rng, batch, 1, size, size).to(device);
        view2 = Tensor.randn(rng, batch, 1, size, size).to(device);
    }

    @Override
    public String name() {
        return "recipe-step";
    }

    @Override
    public String describe() {
        return "batch=" + batch + " size=" + size;
    }

    /** Convolution flops of both views, forward + backward (no input gradient for the stem). */
    @Override
    public double flops() {
        double total = 0;
        for (ResNet50Convs.Layer l : RecipeConvs.forSize(size)) {
            total += l.count() * l.flops(batch) * (l.name().equals("conv1") ? 2 : 3);
        }
        return 2 * total;
    }

    @Override
    public int items() {
        return batch;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public void work() {
        Vicreg.Views v = model.embed(view1, view2);
        VicregLoss.Result r = v.loss(VicregLoss.official());
        lars.zeroGrad();
        r.loss().backward();
        lars.step();
    }
}
