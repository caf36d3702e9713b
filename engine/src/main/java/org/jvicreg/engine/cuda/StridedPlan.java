package org.jvicreg.engine.cuda;

import java.util.Arrays;

/**
 * The shape and per-operand strides a strided kernel walks, with size-1 axes dropped and
 * neighbouring axes merged wherever every operand allows, so the kernels' per-element index math
 * runs over as few axes as possible (at most {@link #MAX_RANK}, the kernels' fixed struct size).
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
        int ops = operandStrides.length;
        for (long[] s : operandStrides) {
            if (s.length != shape.length) {
                throw new IllegalArgumentException("strides of rank " + s.length + " for a shape of rank " + shape.length);
            }
        }
        int[] dims = new int[Math.max(1, shape.length)];
        long[][] st = new long[ops][dims.length];
        int r = 0;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1) continue;
            if (r > 0) {
                boolean merge = true;
                for (int k = 0; k < ops && merge; k++) merge = st[k][r - 1] == operandStrides[k][i] * shape[i];
                if (merge) {
                    dims[r - 1] *= shape[i];
                    for (int k = 0; k < ops; k++) st[k][r - 1] = operandStrides[k][i];
                    continue;
                }
            }
            dims[r] = shape[i];
            for (int k = 0; k < ops; k++) st[k][r] = operandStrides[k][i];
            r++;
        }
        if (r == 0) {
            dims[0] = 1;
            r = 1;
        }
        if (r > MAX_RANK) {
            throw new IllegalArgumentException("cuda: a strided operation over " + r + " non-mergeable axes exceeds the kernels' "
                    + MAX_RANK);
        }
        long[][] fst = new long[ops][];
        for (int k = 0; k < ops; k++) fst[k] = Arrays.copyOf(st[k], r);
        return new StridedPlan(Arrays.copyOf(dims, r), fst);
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
