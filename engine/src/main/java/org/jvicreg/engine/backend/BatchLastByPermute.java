package org.jvicreg.engine.backend;

import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;

/**
 * Batch-last convolutions ({@link ConvGeometry.Layout#BATCH_LAST}) run as NCHW ones on a backend that has no
 * batch-last kernel for them: the operands are permuted to (n, c, h, w) copies, the result back.
 */
public final class BatchLastByPermute {
    private BatchLastByPermute() {}

    public static void forward(Backend b, ConvGeometry g, Tensor x, Tensor w, Tensor y) {
        Tensor yn = Tensor.allocate(b, g.n(), g.k(), g.p(), g.q());
        b.conv2dForward(g.withLayout(ConvGeometry.Layout.NCHW), batchFirst(b, x, g.c(), g.h(), g.w(), g.n()), w, yn);
        batchLastInto(b, yn, y);
    }

    public static void backwardData(Backend b, ConvGeometry g, Tensor dy, Tensor w, Tensor dx) {
        Tensor dxn = Tensor.allocate(b, g.n(), g.c(), g.h(), g.w());
        b.conv2dBackwardData(g.withLayout(ConvGeometry.Layout.NCHW), batchFirst(b, dy, g.k(), g.p(), g.q(), g.n()), w, dxn);
        batchLastInto(b, dxn, dx);
    }

    public static void backwardFilter(Backend b, ConvGeometry g, Tensor x, Tensor dy, Tensor dw) {
        b.conv2dBackwardFilter(g.withLayout(ConvGeometry.Layout.NCHW), batchFirst(b, x, g.c(), g.h(), g.w(), g.n()),
                batchFirst(b, dy, g.k(), g.p(), g.q(), g.n()), dw);
    }

    /** A new (n, c, h, w) copy of a batch-last (c, h, w, n) tensor. */
    private static Tensor batchFirst(Backend b, Tensor t, int c, int h, int w, int n) {
        Tensor out = Tensor.allocate(b, n, c, h, w);
        b.copyStrided(t, 0, new long[] {1, (long) h * w * n, (long) w * n, n}, new int[] {n, c, h, w},
                out, 0, Shape.strides(out.shape()));
        return out;
    }

    /** Copies an (n, c, h, w) tensor into the batch-last (c, h, w, n) tensor dst. */
    private static void batchLastInto(Backend b, Tensor t, Tensor dst) {
        int[] s = t.shape();
        long n = s[0], h = s[2], w = s[3];
        b.copyStrided(t, 0, Shape.strides(s), s, dst, 0, new long[] {1, h * w * n, w * n, n});
    }
}
