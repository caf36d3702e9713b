package org.jvicreg.nn.optim;

import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.SgdStep;

import java.util.List;
import java.util.Map;

/**
 * SGD as torch.optim.SGD: d = g + wd * p; buf = momentum * buf + (1 - dampening) * d (buf = d on the
 * first step); d = nesterov ? d + momentum * buf : buf; p -= lr * d.
 */
public final class Sgd extends Optimizer {
    private final double momentum, weightDecay, dampening;
    private final boolean nesterov;
    private final StateSlots buffers;

    public Sgd(List<Tensor> params, double lr, double momentum, double weightDecay, boolean nesterov) {
        super(params, lr);
        if (nesterov && momentum <= 0) throw new IllegalArgumentException("Sgd: nesterov needs momentum > 0");
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.dampening = 0;
        this.nesterov = nesterov;
        this.buffers = new StateSlots("momentum_buffer", params.size());
    }

    @Override
    public void step() {
        SgdStep hyper = new SgdStep((float) lr, (float) momentum, (float) dampening, (float) weightDecay, nesterov);
        try (var g = Grad.off()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                if (p.grad() == null) continue;
                boolean first = momentum != 0 && !buffers.has(i);
                Tensor buf = momentum != 0 ? buffers.get(i, p) : null;
                p.backend().sgdStep(hyper, p, p.grad(), buf, first);
            }
        }
    }

    @Override
    public Map<String, Tensor> state() {
        return StateSlots.collect(buffers);
    }

    @Override
    public void loadState(Map<String, Tensor> state) {
        buffers.loadFrom(state, params);
    }
}
