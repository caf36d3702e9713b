package org.jvicreg.vicreg.model;

import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.nn.Module;
import org.jvicreg.vicreg.loss.VicregLoss;

/**
 * The VICReg network: a ResNet backbone ("backbone.*") whose pooled features go through the expander
 * ("projector.*", the official code's name); the loss compares the two views' embeddings.
 */
public final class Vicreg extends Module {
    private final ResNet backbone;
    private final Expander projector;

    public Vicreg(ResNet.Config backboneConfig, String mlp, Rng rng) {
        backbone = registerModule("backbone", new ResNet(backboneConfig, rng));
        projector = registerModule("projector", new Expander(backbone.featureDim(), mlp, rng));
    }

    public ResNet backbone() {
        return backbone;
    }

    public Expander projector() {
        return projector;
    }

    /** Embedding of one batch of images. */
    @Override
    public Tensor forward(Tensor images) {
        return projector.forward(backbone.forward(images));
    }

    /** Both views through the network (one pass over their concatenation would mix BN statistics; the official code runs them separately). */
    public Views embed(Tensor view1, Tensor view2) {
        return new Views(forward(view1), forward(view2));
    }

    public record Views(Tensor x, Tensor y) {
        public VicregLoss.Result loss(VicregLoss loss) {
            return loss.compute(x, y);
        }
    }
}
