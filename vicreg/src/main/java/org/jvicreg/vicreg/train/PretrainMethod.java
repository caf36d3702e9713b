package org.jvicreg.vicreg.train;

import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.dist.Collective;
import org.jvicreg.nn.Module;
import org.jvicreg.vicreg.model.Byol;
import org.jvicreg.vicreg.model.Vicreg;

import java.util.Map;

/**
 * What a pre-training run trains and how one step turns a batch's two views into its loss: a joint-embedding
 * loss on one network's two embeddings ({@link JointEmbedding}: VICReg, Barlow Twins, SimCLR) or BYOL's online
 * and target networks ({@link ByolMethod}). {@link Pretrainer} runs either with the same loop, optimizer,
 * checkpoints and data-parallel training.
 */
sealed interface PretrainMethod permits JointEmbedding, ByolMethod {

    /** The method of {@code config} around {@code network} (from {@link Pretrainer#model}), for a run of {@code totalSteps}. */
    static PretrainMethod of(PretrainConfig config, Module network, long totalSteps) {
        return network instanceof Byol b ? new ByolMethod(b, config.byolMomentum(), totalSteps)
                : new JointEmbedding((Vicreg) network, config.objective());
    }

    /** The network the optimizer trains: "model.*" in checkpoints, replicated by data-parallel training. */
    Module network();

    /** Its backbone and projector, the representations being learnt: what backbone.safetensors, the probes and the spectra take. */
    Vicreg encoder();

    /** Modules the run keeps beside the network, by checkpoint prefix (BYOL's target under "target"). */
    default Map<String, Module> companions() {
        return Map.of();
    }

    /** On data-parallel ranks: makes the companions replicas as the network is (batch norms over all ranks). */
    default void distribute(Collective group) {}

    /** Optimizer step {@code step}'s (from 0) losses on this rank's views; {@code loss()} is recorded for autograd. */
    Pretrainer.StepResult step(Tensor view1, Tensor view2, long step, Collective group);

    /** After the optimizer's step {@code step}. */
    default void afterOptimizerStep(long step) {}
}
