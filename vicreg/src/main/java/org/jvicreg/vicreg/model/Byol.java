package org.jvicreg.vicreg.model;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.nn.BatchNorm;
import org.jvicreg.nn.Layers;
import org.jvicreg.nn.Linear;
import org.jvicreg.nn.Module;
import org.jvicreg.nn.Sequential;

import java.util.Map;

/**
 * BYOL (Grill et al., 2020) on the VICReg network's parts. The online network is the backbone
 * ("backbone.*"), the expander as BYOL's projector ("projector.*") and a predictor ("predictor.*": Linear
 * D -> H, BatchNorm1d, ReLU, Linear H -> D, both linears with bias, named as nn.Sequential), D the projector's
 * output. The target network ({@link #target()}) is a copy of backbone and projector that gradients never
 * reach: it is not among this module's parameters or state dict, its parameters do not require grad and it
 * runs without recording. {@link #updateTarget} moves it towards the online network after every optimizer
 * step. {@link #to} and {@link #train} apply to both networks; the target runs in training mode (batch
 * statistics) as the online one does.
 */
public final class Byol extends Module {
    private final Vicreg online;
    private final Sequential predictor;
    private final Vicreg target;

    /**
     * The online network initialised from {@code rng} (backbone, projector, then predictor), and the target a
     * copy of its backbone and projector.
     */
    public Byol(ResNet.Config backboneConfig, String mlp, int predictorHidden, Rng rng) {
        if (predictorHidden < 1) throw new IllegalArgumentException("predictor hidden width must be positive, got " + predictorHidden);
        online = new Vicreg(backboneConfig, mlp, rng);
        // the online encoder's modules are this module's children: "backbone.*" and "projector.*" as in a VICReg network
        registerModule("backbone", online.backbone());
        registerModule("projector", online.projector());
        int d = online.projector().outDim();
        predictor = registerModule("predictor", new Sequential(new Linear(d, predictorHidden, true, rng),
                BatchNorm.bn1d(predictorHidden), new Layers.ReLU(), new Linear(predictorHidden, d, true, rng)));
        target = new Vicreg(backboneConfig, mlp, new Rng(0)); // its own draws are overwritten just below
        target.loadStateDict(stateDict(), true, "predictor.*");
        freezeTarget();
    }

    public ResNet backbone() {
        return online.backbone();
    }

    public Expander projector() {
        return online.projector();
    }

    /** The online network's backbone and projector (the modules of this one), without the predictor. */
    public Vicreg online() {
        return online;
    }

    public Sequential predictor() {
        return predictor;
    }

    /** The target network: "backbone.*" and "projector.*" as in the online network. */
    public Vicreg target() {
        return target;
    }

    /** The online projection of a batch of images. */
    @Override
    public Tensor forward(Tensor images) {
        return online.forward(images);
    }

    /**
     * Both views through both networks, each view on its own (batch statistics per view, as the reference
     * code): the online projections and predictions, and the target projections (not recorded).
     */
    public Views embed(Tensor view1, Tensor view2) {
        Tensor z1 = forward(view1), z2 = forward(view2);
        Tensor t1, t2;
        try (var g = Grad.off()) {
            t1 = target.forward(view1);
            t2 = target.forward(view2);
        }
        return new Views(z1, z2, predictor.forward(z1), predictor.forward(z2), t1, t2);
    }

    /** One step's outputs: online projections z, predictions p, target projections (without gradient). */
    public record Views(Tensor z1, Tensor z2, Tensor p1, Tensor p2, Tensor target1, Tensor target2) {}

    /**
     * The target's moving average of the online network, one fused update per parameter
     * ({@link org.jvicreg.engine.backend.Backend#movingAverage}): xi = tau * xi + (1 - tau) * theta for every
     * target parameter xi and the online parameter theta of the same name. Buffers (batch-norm running
     * statistics) are the target's own, from its forward passes, as in the reference code.
     */
    public void updateTarget(double tau) {
        if (!(tau >= 0 && tau <= 1)) throw new IllegalArgumentException("BYOL target decay must be in [0, 1], got " + tau);
        Map<String, Tensor> theta = namedParameters();
        try (var g = Grad.off()) {
            for (var e : target.namedParameters().entrySet()) {
                Tensor xi = e.getValue();
                xi.backend().movingAverage((float) tau, theta.get(e.getKey()), xi);
            }
        }
    }

    /**
     * The target's decay at optimizer step {@code step} (from 0) of {@code totalSteps}, as the BYOL paper:
     * tau = 1 - (1 - base) (cos(pi step / total) + 1) / 2, rising from base to 1 on a cosine.
     */
    public static double targetDecay(double base, long step, long totalSteps) {
        if (totalSteps < 1) throw new IllegalArgumentException("total steps must be positive, got " + totalSteps);
        return 1 - (1 - base) * (Math.cos(Math.PI * step / totalSteps) + 1) / 2;
    }

    /** Moves both networks; returns this. */
    @Override
    public Module to(Device device) {
        super.to(device);
        target.to(device);
        freezeTarget();
        return this;
    }

    /** Switches both networks' mode; returns this. */
    @Override
    public Module train(boolean on) {
        super.train(on);
        online.train(on);
        target.train(on);
        return this;
    }

    private void freezeTarget() {
        for (Tensor p : target.parameters()) p.requiresGrad(false);
    }
}
