package org.jvicreg.nn;

import org.jvicreg.engine.F;
import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.dist.Collective;
import org.jvicreg.engine.ops.SyncBatchNorm;

/**
 * BatchNorm1d (input (N, C) or (N, C, L)) and BatchNorm2d (input (N, C, H, W)) with PyTorch's
 * semantics: weight 1, bias 0, running_mean 0, running_var 1, momentum 0.1, eps 1e-5; training mode
 * normalises with batch statistics and updates the running ones; num_batches_tracked counts updates.
 * {@link #synchronize} makes it PyTorch's SyncBatchNorm: training statistics over the batch of every rank
 * of a group.
 */
public final class BatchNorm extends Module {
    private final int features, spatialDims;
    private final float eps, momentum;
    /** The ranks whose batches training statistics span; null (or a group of one) for this batch alone. */
    private Collective group;

    private BatchNorm(int features, int spatialDims, float eps, float momentum) {
        this.features = features;
        this.spatialDims = spatialDims;
        this.eps = eps;
        this.momentum = momentum;
        registerParameter("weight", Tensor.ones(features));
        registerParameter("bias", Tensor.zeros(features));
        registerBuffer("running_mean", Tensor.zeros(features));
        registerBuffer("running_var", Tensor.ones(features));
        registerBuffer("num_batches_tracked", Tensor.zeros(new int[0]));
    }

    public static BatchNorm bn1d(int features) {
        return new BatchNorm(features, 1, 1e-5f, 0.1f);
    }

    public static BatchNorm bn2d(int features) {
        return new BatchNorm(features, 2, 1e-5f, 0.1f);
    }

    /** Computes training statistics over the batches of all ranks of {@code group} (null: this batch alone). */
    public void synchronize(Collective group) {
        this.group = group;
    }

    @Override
    public Tensor forward(Tensor x) {
        prepare(x);
        if (synchronised()) return sync(x, null, false);
        return F.batchNorm(x, buffer("running_mean"), buffer("running_var"), param("weight"), param("bias"),
                isTraining(), momentum, eps);
    }

    /** relu(forward(x)) in one fused pass. */
    public Tensor forwardRelu(Tensor x) {
        prepare(x);
        if (synchronised()) return sync(x, null, true);
        return F.batchNormRelu(x, buffer("running_mean"), buffer("running_var"), param("weight"), param("bias"),
                isTraining(), momentum, eps);
    }

    /** relu(forward(x) + residual) in one fused pass: the end of a ResNet block. */
    public Tensor forwardAddRelu(Tensor x, Tensor residual) {
        prepare(x);
        if (synchronised()) return sync(x, residual, true);
        return F.batchNormAddRelu(x, residual, buffer("running_mean"), buffer("running_var"), param("weight"), param("bias"),
                isTraining(), momentum, eps);
    }

    private boolean synchronised() {
        return group != null && group.size() > 1 && isTraining();
    }

    private Tensor sync(Tensor x, Tensor residual, boolean relu) {
        return SyncBatchNorm.batchNorm(group, x, residual, relu, buffer("running_mean"), buffer("running_var"), param("weight"),
                param("bias"), momentum, eps);
    }

    /** Checks the input and counts the batch in training mode. */
    private void prepare(Tensor x) {
        boolean ok = spatialDims == 2 ? x.dim() == 4 : x.dim() == 2 || x.dim() == 3;
        if (!ok || x.size(1) != features) {
            throw new IllegalArgumentException("BatchNorm" + spatialDims + "d(" + features + "): bad input shape "
                    + Shape.str(x.shape()) + " (expected " + (spatialDims == 2 ? "(N, C, H, W)" : "(N, C) or (N, C, L)")
                    + " with C = " + features + ")");
        }
        if (isTraining()) {
            try (var g = Grad.off()) {
                Tensor n = buffer("num_batches_tracked");
                n.assignInPlace(n.add(1f));
            }
        }
    }

    public Tensor weight() {
        return param("weight");
    }

    public Tensor bias() {
        return param("bias");
    }
}
