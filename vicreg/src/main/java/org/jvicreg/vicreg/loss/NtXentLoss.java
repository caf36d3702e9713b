package org.jvicreg.vicreg.loss;

import org.jvicreg.engine.F;
import org.jvicreg.engine.Tensor;

import java.util.Map;

/**
 * SimCLR's NT-Xent (Chen et al., 2020): the 2N embeddings L2-normalised, cosine similarities divided by
 * the temperature, each view's positive is the other view of its image and the 2N - 2 other views are
 * negatives; the mean cross-entropy over all 2N views. Composed from autograd ops.
 */
public final class NtXentLoss implements SslLoss {
    private final double temperature;

    public NtXentLoss(double temperature) {
        if (!(temperature > 0)) throw new IllegalArgumentException("simclr loss: temperature must be positive, got " + temperature);
        this.temperature = temperature;
    }

    @Override
    public String name() {
        return "simclr";
    }

    @Override
    public Terms evaluate(Tensor x, Tensor y) {
        SslLoss.checkPair("simclr", x, y);
        int n = x.size(0);
        Tensor z = Tensor.cat(java.util.List.of(x, y), 0);
        Tensor unit = SslLoss.unitRows(z);
        Tensor sim = unit.matmul(unit, false, true).mul((float) (1 / temperature));
        float[] self = new float[4 * n * n];
        float[] target = new float[2 * n];
        for (int i = 0; i < 2 * n; i++) {
            self[i * 2 * n + i] = -1e9f;     // a view is not its own negative
            target[i] = (i + n) % (2 * n);
        }
        Tensor logits = sim.add(Tensor.of(self, 2 * n, 2 * n).to(x.device()));
        Tensor loss = F.crossEntropy(logits, Tensor.of(target).to(x.device()));
        return new Terms(loss, Map.of("nt_xent", (double) loss.item()));
    }
}
