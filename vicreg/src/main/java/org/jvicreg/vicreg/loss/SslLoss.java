package org.jvicreg.vicreg.loss;

import org.jvicreg.engine.Tensor;

import java.util.Map;

/**
 * A joint-embedding self-supervised objective on the embeddings x, y (N, D) of two views of the same
 * N images. Implementations: {@link VicregLoss}, {@link BarlowTwinsLoss}, {@link NtXentLoss} (SimCLR),
 * so the same backbone and trainer can compare them.
 */
public interface SslLoss {
    /** The command-line name: vicreg, barlow, simclr. */
    String name();

    /** The loss (recorded for autograd) and its named terms, for logs. */
    Terms evaluate(Tensor x, Tensor y);

    record Terms(Tensor loss, Map<String, Double> values) {}

    /** The loss a name selects, with its main hyper-parameter where it has one. */
    static SslLoss of(String name, double sim, double std, double cov, double lambd, double temperature) {
        return switch (name) {
            case "vicreg" -> new VicregLoss(sim, std, cov, VicregLoss.CovPath.AUTO);
            case "barlow" -> new BarlowTwinsLoss(lambd);
            case "simclr" -> new NtXentLoss(temperature);
            default -> throw new IllegalArgumentException("unknown loss '" + name + "' (expected vicreg, barlow or simclr)");
        };
    }

    /** Shapes every loss here needs: two (N, D) matrices, N >= 2, on one device. */
    static void checkPair(String loss, Tensor x, Tensor y) {
        checkPair(loss, x, y, "");
    }

    /** {@link #checkPair(String, Tensor, Tensor)}, with {@code whyTwo} after the message for fewer than 2 samples. */
    static void checkPair(String loss, Tensor x, Tensor y, String whyTwo) {
        if (x.dim() != 2 || !java.util.Arrays.equals(x.shape(), y.shape())) {
            throw new IllegalArgumentException(loss + " loss: embeddings must be two (N, D) matrices of the same shape, got "
                    + org.jvicreg.engine.Shape.str(x.shape()) + " and " + org.jvicreg.engine.Shape.str(y.shape()));
        }
        if (x.storage().backend() != y.storage().backend()) {
            throw new IllegalArgumentException(loss + " loss: x and y are on different devices (" + x.backend().name() + " and "
                    + y.backend().name() + ")");
        }
        if (x.size(0) < 2) throw new IllegalArgumentException(loss + " loss: needs at least 2 samples, got N=" + x.size(0) + whyTwo);
    }

    /**
     * Each row of x divided by max(||row||, 1e-12), as F.normalize(x, dim=1). The squared norm is clamped at
     * 1e-24 before the square root, the same value, so that a zero row gets F.normalize's gradient instead of
     * the square root's 0 / 0 at zero.
     */
    static Tensor unitRows(Tensor x) {
        return x.div(x.square().sum(1, true).clamp(1e-24f, Float.MAX_VALUE).sqrt());
    }
}
