package org.jvicreg.engine.ops;

import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;

import java.util.Arrays;

/** Losses composed from recorded ops, so their gradients follow from the parts. */
public final class Losses {
    private Losses() {}

    /**
     * Mean cross-entropy of logits (N, C) against class indices (N) stored as floats, as
     * F.cross_entropy with reduction='mean'.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        if (logits.dim() != 2) {
            throw new IllegalArgumentException("cross_entropy: logits must be (N, C), got " + Shape.str(logits.shape()));
        }
        if (target.dim() != 1 || target.size(0) != logits.size(0)) {
            throw new IllegalArgumentException("cross_entropy: target must be (N) = [" + logits.size(0) + "], got "
                    + Shape.str(target.shape()));
        }
        Tensor logp = Softmax.softmax(logits, 1, true);
        Tensor picked = Indexing.gather(logp, 1, target.reshape(target.size(0), 1));
        return picked.mean().neg();
    }

    /** Mean of (a - b)^2 over all elements, as F.mse_loss; shapes must be equal. */
    public static Tensor mseLoss(Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("mse_loss: shapes " + Shape.str(a.shape()) + " and " + Shape.str(b.shape())
                    + " differ");
        }
        return a.sub(b).square().mean();
    }
}
