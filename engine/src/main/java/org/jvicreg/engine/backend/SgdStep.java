package org.jvicreg.engine.backend;

/** The hyper-parameters of one torch.optim.SGD step ({@link Backend#sgdStep}). */
public record SgdStep(float lr, float momentum, float dampening, float weightDecay, boolean nesterov) {
}
