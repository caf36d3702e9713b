package org.jvicreg.nn.optim;

import org.jvicreg.engine.Tensor;

import java.util.List;
import java.util.Map;

/**
 * Updates parameters in place from their gradients (under Grad.off). The learning rate is set per step
 * by a schedule. Parameters without a gradient are skipped, as in PyTorch.
 */
public abstract class Optimizer {
    protected final List<Tensor> params;
    protected double lr;

    protected Optimizer(List<Tensor> params, double lr) {
        if (params.isEmpty()) throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameters to optimise");
        if (!(lr >= 0)) throw new IllegalArgumentException(getClass().getSimpleName() + ": learning rate must be >= 0, got " + lr);
        this.params = List.copyOf(params);
        this.lr = lr;
    }

    public abstract void step();

    public double lr() {
        return lr;
    }

    public void setLr(double lr) {
        this.lr = lr;
    }

    public void zeroGrad() {
        for (Tensor p : params) p.zeroGrad();
    }

    public List<Tensor> params() {
        return params;
    }

    /** Per-parameter state tensors (momentum buffers, Adam moments) under "index.name" keys, for checkpoints. */
    public abstract Map<String, Tensor> state();

    /** Restores what {@link #state()} returned (shapes must match). */
    public abstract void loadState(Map<String, Tensor> state);
}
