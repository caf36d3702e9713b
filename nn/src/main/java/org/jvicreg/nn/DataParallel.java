package org.jvicreg.nn;

import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.dist.Collective;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Data-parallel training of one module over the ranks of a {@link Collective}, as PyTorch's
 * DistributedDataParallel does it: every rank holds the whole model and trains on its slice of the global
 * batch. On construction the parameters and buffers are broadcast from rank 0 and every batch norm is
 * synchronised ({@link BatchNorm#synchronize}: statistics over the global batch). During the backward pass
 * the gradients are averaged over the ranks by all-reduce in buckets of about {@code bucketBytes}: parameters
 * are bucketed in reverse order of registration, roughly the order backward finishes them, and a bucket's
 * all-reduce starts as soon as its last gradient is ready, so that communication overlaps the rest of the
 * backward pass. {@link #synchronizeGradients()} after {@code backward()} starts what is left (a parameter the
 * loss did not reach counts as a zero gradient), waits, and writes the averaged gradients back.
 *
 * <pre>{@code
 * DataParallel ddp = new DataParallel(model, group, DataParallel.DEFAULT_BUCKET_BYTES);
 * loss.backward();
 * ddp.synchronizeGradients();
 * optimizer.step();
 * }</pre>
 */
public final class DataParallel {
    /** PyTorch's default bucket size. */
    public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

    private final Collective group;
    private final List<Bucket> buckets = new ArrayList<>();
    private final Map<Tensor, Bucket> bucketOf = new IdentityHashMap<>();

    public DataParallel(Module model, Collective group, long bucketBytes) {
        if (bucketBytes < Float.BYTES) throw new IllegalArgumentException("bucket size must be at least one float, got " + bucketBytes);
        this.group = group;
        replicate(model, group);
        List<Tensor> reversed = new ArrayList<>(model.parameters());
        Collections.reverse(reversed);
        Bucket current = null;
        for (Tensor p : reversed) {
            if (current == null || (current.floats + p.numel()) * (long) Float.BYTES > bucketBytes && !current.params.isEmpty()) {
                current = new Bucket();
                buckets.add(current);
            }
            current.params.add(p);
            current.floats += p.numel();
            bucketOf.put(p, current);
            p.onGradientReady(this::ready);
        }
    }

    /** The buckets' sizes in floats, in the order they are reduced. */
    public long[] bucketSizes() {
        return buckets.stream().mapToLong(b -> b.floats).toArray();
    }

    /**
     * Makes {@code module} one replica of a data-parallel model: its parameters and buffers broadcast from rank 0,
     * every batch norm in it synchronised over {@code group}. The constructor does this to the trained model; a
     * module that runs on each rank's slice of the batch but is not trained by gradients (BYOL's target network,
     * moved by a moving average of the trained one) needs it alone.
     */
    public static void replicate(Module module, Collective group) {
        synchronizeBatchNorms(module, group);
        try (var g = Grad.off()) {
            for (Tensor p : module.parameters()) group.broadcast(p, 0);
            for (Tensor b : module.namedBuffers().values()) group.broadcast(b, 0);
        }
    }

    private static void synchronizeBatchNorms(Module m, Collective group) {
        if (m instanceof BatchNorm bn) bn.synchronize(group);
        for (Module child : m.children().values()) synchronizeBatchNorms(child, group);
    }

    private void ready(Tensor p) {
        Bucket b = bucketOf.get(p);
        if (++b.ready == b.params.size()) b.launch();
    }

    /** Reduces every bucket not yet reduced, waits for all, and sets each parameter's gradient to the average. */
    public void synchronizeGradients() {
        for (Bucket b : buckets) if (b.pending == null) b.launch();
        float scale = 1f / group.size();
        try (var g = Grad.off()) {
            for (Bucket b : buckets) {
                b.pending.await();
                long offset = 0;
                for (Tensor p : b.params) {
                    Tensor avg = b.flat.narrow(0, (int) offset, p.numel()).mul(scale).reshape(p.shape());
                    p.setGrad(avg);
                    offset += p.numel();
                }
                b.pending = null;
                b.flat = null;
                b.ready = 0;
            }
        }
    }

    /** Parameters whose gradients are reduced together, as one flat tensor. */
    private final class Bucket {
        final List<Tensor> params = new ArrayList<>();
        long floats;
        int ready;
        Tensor flat;
        Collective.Pending pending;

        void launch() {
            List<Tensor> parts = new ArrayList<>(params.size());
            try (var g = Grad.off()) {
                for (Tensor p : params) parts.add(p.grad() != null ? p.grad().reshape(p.numel()) : Tensor.zeros(p.device(), p.numel()));
                flat = Tensor.cat(parts, 0);
            }
            pending = group.allReduceSumAsync(flat);
        }
    }
}
