package org.jvicreg.engine.backend;

import java.util.Arrays;

/**
 * A shape read by several operands through their own strides, with size-1 axes dropped and neighbouring
 * axes merged wherever every operand allows (axis i folds into the one before it when, for each operand,
 * the outer stride equals the inner stride times the inner size), so loops over it run over as few axes,
 * with as long an innermost run, as possible. Backends' strided loops start from it: the CPU's row
 * splitting and the CUDA kernels' index math. A shape with no axis left keeps one of size 1.
 *
 * @param shape   the merged axes, at least one
 * @param strides strides[k][d]: operand k's stride along merged axis d, in elements
 */
public record CoalescedAxes(int[] shape, long[][] strides) {

    /** Merges the axes of shape read through operandStrides[k] by operand k (each of shape's rank). */
    public static CoalescedAxes of(int[] shape, long[]... operandStrides) {
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
        long[][] kept = new long[ops][];
        for (int k = 0; k < ops; k++) kept[k] = Arrays.copyOf(st[k], r);
        return new CoalescedAxes(Arrays.copyOf(dims, r), kept);
    }

    public int rank() {
        return shape.length;
    }
}
