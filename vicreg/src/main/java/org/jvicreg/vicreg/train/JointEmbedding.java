package org.jvicreg.vicreg.train;

import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.dist.Collective;
import org.jvicreg.vicreg.loss.SslLoss;
import org.jvicreg.vicreg.model.Vicreg;

/** One network embeds both views and a loss compares the two embeddings (VICReg, Barlow Twins, SimCLR). */
record JointEmbedding(Vicreg network, SslLoss loss) implements PretrainMethod {
    @Override
    public Vicreg encoder() {
        return network;
    }

    @Override
    public Pretrainer.StepResult step(Tensor view1, Tensor view2, long step, Collective group) {
        Vicreg.Views v = network.embed(view1, view2);
        return Pretrainer.StepResult.of(loss, v.x(), v.y(), group);
    }
}
