package org.jvicreg.engine.backend;

/**
 * Batch-last convolutions ({@link ConvGeometry.Layout#BATCH_LAST}) run as NCHW ones on a backend that has no
 * batch-last kernel for them: the operands are permuted to (n, c, h, w) copies, the result back. The copies
 * go back to the backend once the work is queued.
 */
public final class BatchLastByPermute {
    private BatchLastByPermute() {}

    /** A zero-filled buffer of the given shape on b. */
    private record Buffer(Storage storage, int[] dims) implements Operand {
        static Buffer allocate(Backend b, int... shape) {
            long numel = 1;
            for (int d : shape) numel *= d;
            return new Buffer(b.allocate(numel), shape.clone());
        }

        @Override
        public long offset() {
            return 0;
        }

        @Override
        public int[] shape() {
            return dims.clone();
        }

        @Override
        public int numel() {
            return (int) storage.size();
        }
    }

    public static void forward(Backend b, ConvGeometry g, Operand x, Operand w, Operand y) {
        Buffer xn = batchFirst(b, x, g.c(), g.h(), g.w(), g.n()), yn = Buffer.allocate(b, g.n(), g.k(), g.p(), g.q());
        b.conv2dForward(g.withLayout(ConvGeometry.Layout.NCHW), xn, w, yn);
        batchLastInto(b, yn, y);
        release(xn, yn);
    }

    public static void backwardData(Backend b, ConvGeometry g, Operand dy, Operand w, Operand dx) {
        Buffer dyn = batchFirst(b, dy, g.k(), g.p(), g.q(), g.n()), dxn = Buffer.allocate(b, g.n(), g.c(), g.h(), g.w());
        b.conv2dBackwardData(g.withLayout(ConvGeometry.Layout.NCHW), dyn, w, dxn);
        batchLastInto(b, dxn, dx);
        release(dyn, dxn);
    }

    public static void backwardFilter(Backend b, ConvGeometry g, Operand x, Operand dy, Operand dw) {
        Buffer xn = batchFirst(b, x, g.c(), g.h(), g.w(), g.n()), dyn = batchFirst(b, dy, g.k(), g.p(), g.q(), g.n());
        b.conv2dBackwardFilter(g.withLayout(ConvGeometry.Layout.NCHW), xn, dyn, dw);
        release(xn, dyn);
    }

    private static void release(Buffer... buffers) {
        for (Buffer t : buffers) t.storage().release();
    }

    /** A new (n, c, h, w) copy of a batch-last (c, h, w, n) operand. */
    private static Buffer batchFirst(Backend b, Operand t, int c, int h, int w, int n) {
        Buffer out = Buffer.allocate(b, n, c, h, w);
        b.copyStrided(t, 0, new long[] {1, (long) h * w * n, (long) w * n, n}, new int[] {n, c, h, w},
                out, 0, new long[] {(long) c * h * w, (long) h * w, w, 1});
        return out;
    }

    /** Copies an (n, c, h, w) buffer into the batch-last (c, h, w, n) operand dst. */
    private static void batchLastInto(Backend b, Buffer t, Operand dst) {
        int[] s = t.dims();
        long n = s[0], c = s[1], h = s[2], w = s[3];
        b.copyStrided(t, 0, new long[] {c * h * w, h * w, w, 1}, s, dst, 0, new long[] {1, h * w * n, w * n, n});
    }
}
