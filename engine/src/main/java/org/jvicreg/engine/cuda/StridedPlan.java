package org.jvicreg.engine.cuda;

import org.jvicreg.engine.backend.CoalescedAxes;

import java.util.Arrays;

/**
 * The shape and per-operand strides a strided kernel walks, its axes merged as far as every operand
 * allows ({@link CoalescedAxes}), so the kernels' per-element index math runs over as few axes as possible (at most {@link #MAX_RANK}, the kernels' fixed struct size).
 */
final class StridedPlan {
    /** Must equal MAX_RANK in common.cuh. */
    static final int MAX_RANK = 8;

    final int[] shape;
    final long[][] strides;

    private StridedPlan(int[] shape, long[][] strides) {
        this.shape = shape;
        this.strides = strides;
    }

    static StridedPlan of(int[] shape, long[]... operandStrides) {
        CoalescedAxes axes = CoalescedAxes.of(shape, operandStrides);
        if (axes.rank() > MAX_RANK) {
            throw new IllegalArgumentException("cuda: a strided operation over " + axes.rank()
                    + " non-mergeable axes exceeds the kernels' " + MAX_RANK);
        }
        return new StridedPlan(axes.shape(), axes.strides());
    }

    int rank() {
        return shape.length;
    }

    long numel() {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** Whether operand k walks its memory contiguously (one axis of stride 1). */
    boolean contiguous(int k) {
        return shape.length == 1 && strides[k][0] == 1;
    }

    /** The shape padded to {@link #MAX_RANK} (the kernels' Dims struct). */
    int[] dims() {
        return Arrays.copyOf(shape, MAX_RANK);
    }

    /** Operand k's strides padded to {@link #MAX_RANK} (the kernels' Strides struct). */
    long[] strides(int k) {
        return Arrays.copyOf(strides[k], MAX_RANK);
    }

    /** Element offset of flat index i for operand k: the kernels' strided_offset, for tests. */
    long offset(int k, long i) {
        long off = 0;
        for (int d = shape.length - 1; d >= 0; d--) {
            off += (i % shape[d]) * strides[k][d];
            i /= shape[d];
        }
        return off;
    }
}
