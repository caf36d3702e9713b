package org.jvicreg.vicreg.bench;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.vicreg.loss.VicregLoss;

/**
 * The VICReg loss of two (n, d) embedding batches, forward and backward to both inputs, with the official
 * coefficients and the automatic covariance path (the N x N Gram form when n < d).
 */
public final class VicregLossWorkload extends Workload {
    private final int n, d;
    private final Tensor x, y;
    private final VicregLoss loss = VicregLoss.official();

    public VicregLossWorkload(int n, int d, Device device) {
        super("vicreg-loss", "n=" + n + " d=" + d, device, n);
        this.n = n;
        this.d = d;
        Rng rng = new Rng(5);
        x = Tensor.randn(rng, n, d).to(device).requiresGrad(true);
        y = Tensor.randn(rng, n, d).mul(0.5f).to(device).requiresGrad(true);
    }

    /** The Gram-path products: per branch K = Xc Xc^T (2 n^2 d) forward and K Xc (2 n^2 d) backward. */
    @Override
    public double flops() {
        return n < d ? 2 * 2 * 2.0 * n * n * d : 2 * 2 * 2.0 * n * d * d;
    }

    @Override
    protected void work() {
        loss.compute(x, y).loss().backward();
        x.zeroGrad();
        y.zeroGrad();
    }
}
