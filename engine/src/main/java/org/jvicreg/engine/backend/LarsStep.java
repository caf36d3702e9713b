package org.jvicreg.engine.backend;

/**
 * The hyper-parameters of one LARS step of one parameter ({@link Backend#larsStep}); {@code adapt}: the
 * parameter has more than one axis, so it takes weight decay and the trust ratio.
 */
public record LarsStep(float lr, float momentum, float weightDecay, float eta, boolean adapt) {
}
