package org.jvicreg.engine.ops;

import org.jvicreg.engine.Autograd;
import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.dist.Collective;

/**
 * The ranks' tensors stacked along axis 0, differentiable: the forward pass all-gathers; the backward pass
 * all-reduces (sums) the gradient of the whole stack and keeps this rank's rows, as the official VICReg
 * code's FullGatherLayer does. Every rank's loss on the gathered batch thus sends its gradient to every
 * rank's rows, and a data-parallel average of the parameter gradients gives the single-process gradient.
 * On a group of one it returns its input.
 */
public final class AllGather {
    private AllGather() {}

    public static Tensor rows(Collective group, Tensor local) {
        if (group.size() == 1) return local;
        return rows(group, local, group.allGatherInts(local.size(0)));
    }

    /** Both views' rows ({@code a} and {@code b} with as many rows each), the row counts exchanged once. */
    public static Tensor[] rows(Collective group, Tensor a, Tensor b) {
        if (group.size() == 1) return new Tensor[] {a, b};
        if (a.size(0) != b.size(0)) {
            throw new IllegalArgumentException("all-gather of two views: " + a.size(0) + " and " + b.size(0) + " rows");
        }
        int[] counts = group.allGatherInts(a.size(0));
        return new Tensor[] {rows(group, a, counts), rows(group, b, counts)};
    }

    private static Tensor rows(Collective group, Tensor local, int[] rows) {
        int offset = 0;
        for (int r = 0; r < group.rank(); r++) offset += rows[r];
        Tensor all;
        try (var g = Grad.off()) {
            all = group.allGather(local.detach(), rows);
        }
        int start = offset, mine = rows[group.rank()];
        return Autograd.record("all_gather", all, g -> {
            Tensor sum;
            try (var off = Grad.off()) {
                sum = g.copy();
                group.allReduceSum(sum);
            }
            return new Tensor[] {sum.narrow(0, start, mine)};
        }, local);
    }
}
