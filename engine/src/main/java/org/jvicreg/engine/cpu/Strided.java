package org.jvicreg.engine.cpu;

import org.jvicreg.engine.backend.CoalescedAxes;

/**
 * An iteration plan over a shape read by several operands through their own strides, its axes merged
 * as far as every operand allows ({@link CoalescedAxes}) so the innermost run is as long as possible.
 * Rows (all but the innermost axis) are split across threads, or, when there are few rows, the
 * innermost run itself is split.
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
        CoalescedAxes axes = CoalescedAxes.of(shape, operandStrides);
        return new Strided(axes.shape(), axes.strides());
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
