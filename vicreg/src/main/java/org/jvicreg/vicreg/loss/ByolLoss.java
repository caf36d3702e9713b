package org.jvicreg.vicreg.loss;

import org.jvicreg.engine.Tensor;

/**
 * BYOL's loss (Grill et al., 2020): the normalised mean squared error between an online prediction p and a
 * target projection z of the other view, ||p/||p|| - z/||z|| ||^2 = 2 - 2 cos(p, z), per sample (each norm
 * at least 1e-12, as F.normalize); symmetrised by adding the loss with the views swapped, and averaged over
 * the batch, as the paper and its reference implementations: values in [0, 8]. The target projections are
 * constants (no gradient reaches the target network). Per sample, so on data-parallel ranks the mean of the
 * ranks' losses over their own rows is the loss of the global batch.
 */
public final class ByolLoss {
    private ByolLoss() {}

    /** 2 - 2 cos(p_i, z_i) averaged over the rows i of two (N, D) matrices. */
    public static Tensor normalizedMse(Tensor p, Tensor z) {
        SslLoss.checkPair("byol", p, z);
        Tensor cos = SslLoss.unitRows(p).mul(SslLoss.unitRows(z)).sum(1, false);
        return cos.mul(-2f).add(2f).mean();
    }

    /** normalizedMse(p1, z2) + normalizedMse(p2, z1): each view's prediction of the other view's target. */
    public static Tensor symmetric(Tensor p1, Tensor p2, Tensor targetZ1, Tensor targetZ2) {
        return normalizedMse(p1, targetZ2).add(normalizedMse(p2, targetZ1));
    }
}
