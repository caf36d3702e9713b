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
        // small-stem ResNet-18 width 16: stem 1->16 at size, then stages of 16/32/64/128 channels
        double total = 0;
        int hw = size, in = 16;
        total += 2.0 * hw * hw * 16 * 1 * 9 * 2; // stem: forward + filter gradient
        for (int stage = 0; stage < 4; stage++) {
            int out = 16 << stage;
            int stride = stage == 0 ? 1 : 2;
            int o = (hw + 2 - 3) / stride + 1;
            total += 3 * 2.0 * o * o * out * in * 9; // first 3x3 of the stage
            total += 3 * 3 * 2.0 * o * o * out * out * 9; // the other three 3x3
            if (stride != 1 || in != out) total += 3 * 2.0 * o * o * out * in; // 1x1 downsample
            hw = o;
            in = out;
        }
        return 2 * batch * total;
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
