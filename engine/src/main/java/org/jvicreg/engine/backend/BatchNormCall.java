package org.jvicreg.engine.backend;

/**
 * One batch norm as {@link Backend#batchNormForward} and {@link Backend#batchNormBackward} take it: x viewed as
 * (n, c, hw), the affine parameters gamma and beta (c each), eps, and what the call fuses after batch norm:
 * the residual add (when {@code residual} is non-null) and the ReLU.
 */
public record BatchNormCall(int n, int c, int hw, Operand gamma, Operand beta, float eps, Operand residual, boolean relu) {

    /** Where the forward pass takes its per-channel mean and variance from. */
    public sealed interface Statistics permits FromBatch, Given {}

    /**
     * From the batch (training): mean and biased variance over the n*hw values of each channel. Writes saveMean
     * and saveInvStd = 1 / sqrt(var + eps) (c each) for the backward pass; where runMean and runVar are
     * non-null, updates them in place: run = (1 - momentum) * run + momentum * stat, the variance unbiased
     * (n*hw / (n*hw - 1)).
     */
    public record FromBatch(float momentum, Operand runMean, Operand runVar, Operand saveMean, Operand saveInvStd)
            implements Statistics {}

    /** Given per-channel mean and (biased) variance: eval mode's running statistics, or reduced batch statistics. */
    public record Given(Operand mean, Operand var) implements Statistics {}

    /** The backward pass's outputs: dx, the residual's gradient (null where not wanted), dgamma and dbeta. */
    public record Gradients(Operand dx, Operand dResidual, Operand dgamma, Operand dbeta) {}

    /** Whether the call is plain batch norm, with neither the residual add nor the ReLU. */
    public boolean plain() {
        return residual == null && !relu;
    }
}
