package org.jvicreg.vicreg.bench;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.nn.optim.Lars;
import org.jvicreg.vicreg.loss.VicregLoss;
import org.jvicreg.vicreg.model.ResNet;
import org.jvicreg.vicreg.model.Vicreg;

/**
 * One VICReg training step without the data loader: two views of {@code batch} random images through
 * the backbone and expander, the official VICReg loss, backward, LARS (weight decay 1e-6, momentum 0.9,
 * eta 0.001). Two models:
 * <ul>
 *   <li>{@link #recipe}: recipe R's ResNet-18 width 16 with the small-image stem on 1-channel images and
 *       the 512-512-512 expander, LARS lr 0.3, what `vicreg pretrain` repeats 234 times per
 *       Fashion-MNIST epoch;</li>
 *   <li>{@link #resnet50}: the official recipe's model, torchvision's ResNet-50 (zero-initialised
 *       residual branches) on 3-channel images and the 8192-8192-8192 expander, LARS at the official
 *       base lr 0.2 x batch / 256.</li>
 * </ul>
 * bench/pytorch/workloads.py runs the same steps (recipe-step, vicreg-step) with recipe_r.py's LARS.
 */
public final class VicregStepWorkload extends Workload {
    private final double flops;
    private final Vicreg model;
    private final Lars lars;
    private final Tensor view1, view2;

    private VicregStepWorkload(String name, ResNet.Config backbone, String expander, double lr, int batch, int size,
                               double flops, Device device) {
        super(name, "batch=" + batch + " size=" + size, device, batch);
        this.flops = flops;
        Rng rng = new Rng(5);
        model = new Vicreg(backbone, expander, rng);
        model.to(device);
        model.train(true);
        lars = new Lars(model.parameters(), lr, 1e-6, 0.9, 0.001);
        view1 = Tensor.randn(rng, batch, backbone.inChannels(), size, size).to(device);
        view2 = Tensor.randn(rng, batch, backbone.inChannels(), size, size).to(device);
    }

    /** Recipe R's step (`vicreg bench recipe-step`). */
    public static VicregStepWorkload recipe(int batch, int size, Device device) {
        double convs = ResNet50Convs.trainingFlops(RecipeConvs.forSize(size), batch);
        return new VicregStepWorkload("recipe-step", new ResNet.Config("resnet18", 1, 16, true, true), "512-512-512", 0.3,
                batch, size, 2 * convs, device);
    }

    /** The official recipe's ResNet-50 step (`vicreg bench vicreg-step`). */
    public static VicregStepWorkload resnet50(int batch, int size, Device device) {
        double convs = ResNet50StepWorkload.convolutionFlops(batch, size);
        double expander = 3 * 2.0 * batch * (2048.0 * 8192 + 2 * 8192.0 * 8192); // forward + both gradients
        return new VicregStepWorkload("vicreg-step", new ResNet.Config("resnet50", 3, 64, false, true), "8192-8192-8192",
                0.2 * batch / 256, batch, size, 2 * (convs + expander), device);
    }

    /** Convolution (and, for ResNet-50, expander) flops of both views, forward + backward. */
    @Override
    public double flops() {
        return flops;
    }

    @Override
    protected void work() {
        Vicreg.Views v = model.embed(view1, view2);
        VicregLoss.Result r = v.loss(VicregLoss.official());
        lars.zeroGrad();
        r.loss().backward();
        lars.step();
    }
}
