package org.jvicreg.vicreg.train;

import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.dist.Collective;
import org.jvicreg.engine.ops.AllGather;
import org.jvicreg.nn.DataParallel;
import org.jvicreg.nn.Module;
import org.jvicreg.vicreg.loss.ByolLoss;
import org.jvicreg.vicreg.model.Byol;
import org.jvicreg.vicreg.model.Vicreg;

import java.util.Map;

/**
 * BYOL: the optimizer trains the online network (backbone, projector, predictor) on the symmetric normalised
 * MSE between each view's prediction and the target's projection of the other view ({@link ByolLoss}); after
 * every optimizer step k of K the target moves to tau_k * target + (1 - tau_k) * online, tau_k rising from the
 * base decay to 1 on a cosine ({@link Byol#targetDecay}). The checkpoint carries the target under "target.".
 * Logged: the loss, tau_k ("tau"), and the VICReg terms of the online projections of all ranks.
 *
 * <p>On data-parallel ranks the loss is per sample: each rank's mean over its own rows, averaged over the ranks
 * with the gradients, is the loss of the global batch. The target's batch norms span the ranks as the online
 * network's do, and its moving average, computed from the same averaged updates, is the same on every rank.
 */
record ByolMethod(Byol network, double baseDecay, long totalSteps) implements PretrainMethod {
    @Override
    public Vicreg encoder() {
        return network.online();
    }

    @Override
    public Map<String, Module> companions() {
        return Map.of("target", network.target());
    }

    @Override
    public void distribute(Collective group) {
        DataParallel.replicate(network.target(), group);
    }

    @Override
    public Pretrainer.StepResult step(Tensor view1, Tensor view2, long step, Collective group) {
        Byol.Views v = network.embed(view1, view2);
        Tensor loss = ByolLoss.symmetric(v.p1(), v.p2(), v.target1(), v.target2());
        Tensor z1, z2;
        try (var g = Grad.off()) {
            Tensor[] all = AllGather.rows(group, v.z1().detach(), v.z2().detach());
            z1 = all[0];
            z2 = all[1];
        }
        return new Pretrainer.StepResult(loss, loss.item(), Map.of("tau", tau(step)), Pretrainer.StepResult.diagnostics(z1, z2), z1);
    }

    @Override
    public void afterOptimizerStep(long step) {
        network.updateTarget(tau(step));
    }

    private double tau(long step) {
        return Byol.targetDecay(baseDecay, step, totalSteps);
    }
}
