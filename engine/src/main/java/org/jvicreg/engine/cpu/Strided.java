package org.jvicreg.engine.cpu;

/**
 * An iteration plan over a shape read by several operands through their own strides: size-1 axes are
 * dropped and neighbouring axes merged wherever every operand allows, so the innermost run is as long
 * as possible. Rows (all but the innermost axis) are split across threads, or, when there are few
 * rows, the innermost run itself is split.
 */
final class Strided {
    /** Work on one stretch of the innermost axis: element j of operand k is at base[k] + j * innerStride[k]. */
    interface Run {
        void run(long[] base, int len);
    }

    final int[] shape;
    final long[][] strides;
    final int rank;
    final long rows;
    final int inner;

    private Strided(int[] shape, long[][] strides) {
        this.shape = shape;
        this.strides = strides;
        this.rank = shape.length;
        long r = 1;
        for (int i = 0; i < rank - 1; i++) r *= shape[i];
        this.rows = r;
        this.inner = shape[rank - 1];
    }

    static Strided of(int[] shape, long[]... operandStrides) {
        int ops = operandStrides.length;
        int[] s = new int[Math.max(1, shape.length)];
        long[][] st = new long[ops][s.length];
        int r = 0;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1) continue;
            if (r > 0) {
                boolean merge = true;
                for (int k = 0; k < ops && merge; k++) merge = st[k][r - 1] == operandStrides[k][i] * shape[i];
                if (merge) {
                    s[r - 1] *= shape[i];
                    for (int k = 0; k < ops; k++) st[k][r - 1] = operandStrides[k][i];
                    continue;
                }
            }
            s[r] = shape[i];
            for (int k = 0; k < ops; k++) st[k][r] = operandStrides[k][i];
            r++;
        }
        if (r == 0) {
            s[0] = 1;
            r = 1;
            for (int k = 0; k < ops; k++) st[k][0] = 0;
        }
        int[] fs = java.util.Arrays.copyOf(s, r);
        long[][] fst = new long[ops][];
        for (int k = 0; k < ops; k++) fst[k] = java.util.Arrays.copyOf(st[k], r);
        return new Strided(fs, fst);
    }

    long innerStride(int operand) {
        return strides[operand][rank - 1];
    }

    private void rowBase(long row, long[] base, long[] start) {
        for (int k = 0; k < base.length; k++) base[k] = start[k];
        for (int d = rank - 2; d >= 0; d--) {
            long i = row % shape[d];
            row /= shape[d];
            for (int k = 0; k < base.length; k++) base[k] += i * strides[k][d];
        }
    }

    /** Calls body for every stretch of the innermost axis; start[k] is operand k's base offset. */
    void forEach(long[] start, int grain, Run body) {
        int ops = start.length;
        if (rows >= Parallel.threads() || inner < 2L * grain) {
            int rowGrain = (int) Math.max(1, grain / Math.max(1, inner));
            Parallel.forRange((int) rows, rowGrain, (lo, hi) -> {
                long[] base = new long[ops];
                for (int r = lo; r < hi; r++) {
                    rowBase(r, base, start);
                    body.run(base, inner);
                }
            });
        } else {
            long[] rowStart = new long[ops];
            for (long r = 0; r < rows; r++) {
                rowBase(r, rowStart, start);
                Parallel.forRange(inner, grain, (lo, hi) -> {
                    long[] base = new long[ops];
                    for (int k = 0; k < ops; k++) base[k] = rowStart[k] + lo * strides[k][rank - 1];
                    body.run(base, hi - lo);
                });
            }
        }
    }
}
