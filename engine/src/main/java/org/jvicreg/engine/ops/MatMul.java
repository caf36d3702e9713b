package org.jvicreg.engine.ops;

import org.jvicreg.engine.Autograd;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;

import java.util.Arrays;

/**
 * Matrix products op(A) @ op(B) over the last two axes, where op optionally transposes without a copy.
 * Batch axes follow torch.matmul: a 2-D operand is shared by every batch, otherwise batch axes must
 * broadcast.
 */
public final class MatMul {
    private MatMul() {}

    public static Tensor matmul(Tensor a, Tensor b, boolean ta, boolean tb) {
        Arithmetic.sameBackend("matmul", a, b);
        if (a.dim() < 2 || b.dim() < 2) {
            throw new IllegalArgumentException("matmul: operands need at least 2 axes, got " + Shape.str(a.shape())
                    + " and " + Shape.str(b.shape()));
        }
        int[] as = a.shape(), bs = b.shape();
        int ra = as.length, rb = bs.length;
        int m = ta ? as[ra - 1] : as[ra - 2];
        int ka = ta ? as[ra - 2] : as[ra - 1];
        int kb = tb ? bs[rb - 1] : bs[rb - 2];
        int n = tb ? bs[rb - 2] : bs[rb - 1];
        if (ka != kb) {
            throw new IllegalArgumentException("matmul: inner dimensions differ: " + Shape.str(as) + (ta ? "^T" : "")
                    + " @ " + Shape.str(bs) + (tb ? "^T" : "") + " (" + ka + " vs " + kb + ")");
        }
        int[] batchA = Arrays.copyOf(as, ra - 2), batchB = Arrays.copyOf(bs, rb - 2);
        int[] batch = Shape.broadcast("matmul", batchA, batchB);
        int nb = (int) Shape.numel(batch);
        boolean aBroadcast = Shape.numel(batchA) != nb, bBroadcast = Shape.numel(batchB) != nb;
        if ((aBroadcast && Shape.numel(batchA) != 1) || (bBroadcast && Shape.numel(batchB) != 1)) {
            throw new IllegalArgumentException("matmul: batch axes " + Shape.str(batchA) + " and " + Shape.str(batchB)
                    + " must be equal, or one of them absent or all ones");
        }
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        // an empty inner dimension leaves the product all zeros, which no GEMM call writes
        Tensor c = ka == 0 ? Tensor.allocate(a.backend(), outShape) : Tensor.uninitialized(a.backend(), outShape);
        int lda = as[ra - 1], ldb = bs[rb - 1];
        if (m > 0 && n > 0) {
            if (!ta && bBroadcast && nb > 1) {
                // rows of every batch of A stack into one tall matrix: one big GEMM instead of nb small ones
                a.backend().gemm(false, tb, nb * m, n, ka, 1f, a, 0, lda, 0, b, 0, ldb, 0, 0f, c, 0, n, 0, 1);
            } else {
                a.backend().gemm(ta, tb, m, n, ka, 1f, a, 0, lda, aBroadcast ? 0 : (long) m * ka,
                        b, 0, ldb, bBroadcast ? 0 : (long) ka * n, 0f, c, 0, n, (long) m * n, nb);
            }
        }
        return Autograd.record("matmul", c, g -> {
            Tensor da = null, db = null;
            if (a.requiresGrad()) {
                da = ta ? matmul(b, g, tb, true) : matmul(g, b, false, !tb);
                da = Reductions.sumTo(da, as);
            }
            if (b.requiresGrad()) {
                db = tb ? matmul(g, a, true, ta) : matmul(a, g, !ta, false);
                db = Reductions.sumTo(db, bs);
            }
            return new Tensor[] {da, db};
        }, a, b);
    }
}
