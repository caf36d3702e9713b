package org.jvicreg.nn.optim;

import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Tensor;

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
        try (var g = Grad.off()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                if (p.grad() == null) continue;
                boolean first = momentum != 0 && !buffers.has(i);
                Tensor buf = momentum != 0 ? buffers.get(i, p) : null;
                // one kernel where the backend fuses the step (CUDA); else the operations below
                if (p.backend().fusedSgdStep(p, p.grad(), buf, (float) lr, (float) momentum, (float) dampening,
                        (float) weightDecay, nesterov, first)) {
                    continue;
                }
                Tensor d = p.grad();
                if (weightDecay != 0) d = d.add(p.mul((float) weightDecay));
                if (momentum != 0) {
                    if (first) buf.assignInPlace(d);
                    else buf.mulInPlace((float) momentum).addInPlace(d, (float) (1 - dampening));
                    d = nesterov ? d.add(buf.mul((float) momentum)) : buf;
                }
                p.addInPlace(d, (float) -lr);
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
