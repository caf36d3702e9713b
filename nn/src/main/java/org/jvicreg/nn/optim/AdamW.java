package org.jvicreg.nn.optim;

import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Tensor;

import java.util.List;
import java.util.Map;

/**
 * AdamW as torch.optim.AdamW: p *= 1 - lr * wd; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 * p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
 */
public final class AdamW extends Optimizer {
    private final double beta1, beta2, eps, weightDecay;
    private final StateSlots m, v;
    private long t;

    public AdamW(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        super(params, lr);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.m = new StateSlots("exp_avg", params.size());
        this.v = new StateSlots("exp_avg_sq", params.size());
    }

    /** PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public static AdamW defaults(List<Tensor> params, double lr) {
        return new AdamW(params, lr, 0.9, 0.999, 1e-8, 0.01);
    }

    @Override
    public void step() {
        t++;
        double c1 = 1 - Math.pow(beta1, t), c2 = 1 - Math.pow(beta2, t);
        try (var g = Grad.off()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                Tensor grad = p.grad();
                if (grad == null) continue;
                if (weightDecay != 0) p.mulInPlace((float) (1 - lr * weightDecay));
                Tensor mi = m.get(i, p), vi = v.get(i, p);
                mi.mulInPlace((float) beta1).addInPlace(grad, (float) (1 - beta1));
                vi.mulInPlace((float) beta2).addInPlace(grad.square(), (float) (1 - beta2));
                Tensor denom = vi.mul((float) (1 / c2)).sqrt().add((float) eps);
                p.addInPlace(mi.div(denom), (float) (-lr / c1));
            }
        }
    }

    public long steps() {
        return t;
    }

    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> s = StateSlots.collect(m, v);
        s.put("step", Tensor.scalar(t));
        return s;
    }

    @Override
    public void loadState(Map<String, Tensor> state) {
        m.loadFrom(state, params);
        v.loadFrom(state, params);
        Tensor step = state.get("step");
        t = step == null ? 0 : (long) step.item();
    }
}
