package org.jvicreg.nn.optim;

import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.LarsStep;

import java.util.List;
import java.util.Map;

/**
 * LARS exactly as the official VICReg code (facebookresearch/vicreg, main_vicreg.py): for every
 * parameter with more than one axis, d = g + wd * p and d *= eta * ||p|| / ||d|| (1 when either norm is
 * 0); parameters with one axis (biases, BatchNorm) get neither decay nor adaptation. Then
 * mu = momentum * mu + d (mu starts at 0) and p -= lr * mu. As there, the trust ratio is computed in
 * float32 on the parameter's device ({@code torch.where} on the norms), so a step never waits for the
 * device to hand a number back.
 */
public final class Lars extends Optimizer {
    private final double momentum, weightDecay, eta;
    private final StateSlots mu;

    public Lars(List<Tensor> params, double lr, double weightDecay, double momentum, double eta) {
        super(params, lr);
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.eta = eta;
        this.mu = new StateSlots("mu", params.size());
    }

    /** The official defaults: momentum 0.9, eta 0.001, weight decay 1e-6. */
    public static Lars official(List<Tensor> params, double lr) {
        return new Lars(params, lr, 1e-6, 0.9, 0.001);
    }

    /**
     * The factor LARS scales the update of a parameter with more than one axis by, as a scalar tensor on
     * the parameter's device: eta * ||p|| / ||update||, or 1 when either norm is 0.
     */
    public Tensor trustRatio(Tensor p, Tensor update) {
        Tensor pn = p.square().sum().sqrt(), un = update.square().sum().sqrt();
        Tensor zero = Tensor.zeros(p.device()), one = Tensor.full(p.device(), 1f);
        return Tensor.where(pn.gt(zero), Tensor.where(un.gt(zero), pn.mul((float) eta).div(un), one), one);
    }

    /**
     * One step for every parameter with a gradient: in one fused kernel where the backend has one
     * ({@link org.jvicreg.engine.backend.Backend#larsStep}), else composed of tensor operations ({@link
     * #composedStep}), with the same results.
     */
    @Override
    public void step() {
        try (var g = Grad.off()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                if (p.grad() == null) continue;
                Tensor m = mu.get(i, p);
                LarsStep hyper = new LarsStep((float) lr, (float) momentum, (float) weightDecay, (float) eta, p.dim() != 1);
                if (!p.backend().larsStep(hyper, p, p.grad(), m)) composedStep(p, m);
            }
        }
    }

    /** One parameter's step of tensor operations: the definition the fused kernels follow. */
    void composedStep(Tensor p, Tensor m) {
        Tensor d = p.grad();
        if (p.dim() != 1) {
            if (weightDecay != 0) d = d.add(p.mul((float) weightDecay));
            d = d.mul(trustRatio(p, d));
        }
        m.mulInPlace((float) momentum).addInPlace(d, 1f);
        p.addInPlace(m, (float) -lr);
    }

    /** Parameter i's momentum buffer (zeros until its first step). */
    Tensor momentumBuffer(int i) {
        return mu.get(i, params.get(i));
    }

    @Override
    public Map<String, Tensor> state() {
        return StateSlots.collect(mu);
    }

    @Override
    public void loadState(Map<String, Tensor> state) {
        mu.loadFrom(state, params);
    }
}
