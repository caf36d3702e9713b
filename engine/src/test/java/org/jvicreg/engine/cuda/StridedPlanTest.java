package org.jvicreg.engine.cuda;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Shape;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StridedPlanTest {

    /** Offset of flat index i under the original (unmerged) shape and strides. */
    private static long naive(int[] shape, long[] strides, long i) {
        long off = 0;
        for (int d = shape.length - 1; d >= 0; d--) {
            off += (i % shape[d]) * strides[d];
            i /= shape[d];
        }
        return off;
    }

    @Test
    void contiguousOperandsMergeIntoOneAxis() {
        int[] shape = {4, 1, 3, 5};
        long[] st = Shape.strides(shape);
        StridedPlan p = StridedPlan.of(shape, st, st);
        assertArrayEquals(new int[] {60}, p.shape);
        assertTrue(p.contiguous(0) && p.contiguous(1));
    }

    @Test
    void broadcastAndTransposeKeepTheirAxes() {
        // a (4, 3) row broadcast to (2, 4, 3) against a contiguous output
        StridedPlan p = StridedPlan.of(new int[] {2, 4, 3}, new long[] {0, 3, 1}, new long[] {12, 3, 1});
        assertArrayEquals(new int[] {2, 12}, p.shape);
        assertArrayEquals(new long[] {0, 1}, p.strides[0]);
        assertFalse(p.contiguous(0));
        StridedPlan t = StridedPlan.of(new int[] {3, 5}, new long[] {1, 3}, new long[] {5, 1});
        assertEquals(2, t.rank());
        StridedPlan scalar = StridedPlan.of(new int[0], new long[0], new long[0]);
        assertArrayEquals(new int[] {1}, scalar.shape);
        assertEquals(1, scalar.numel());
    }

    @Test
    void mergedOffsetsEqualTheOriginalOnesForRandomLayouts() {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 300; trial++) {
            int rank = rnd.nextInt(6);
            int[] shape = new int[rank];
            for (int d = 0; d < rank; d++) shape[d] = 1 + rnd.nextInt(4);
            long[] a = new long[rank], b = Shape.strides(shape);
            // a: a random permutation of a contiguous layout, with some axes broadcast
            int[] perm = new int[rank];
            for (int d = 0; d < rank; d++) perm[d] = d;
            for (int d = rank - 1; d > 0; d--) {
                int j = rnd.nextInt(d + 1), tmp = perm[d];
                perm[d] = perm[j];
                perm[j] = tmp;
            }
            long s = 1;
            for (int d = rank - 1; d >= 0; d--) {
                a[perm[d]] = rnd.nextInt(4) == 0 ? 0 : s;
                s *= shape[perm[d]];
            }
            StridedPlan p = StridedPlan.of(shape, a, b);
            assertEquals(Shape.numel(shape), p.numel());
            for (long i = 0; i < p.numel(); i++) {
                assertEquals(naive(shape, a, i), p.offset(0, i), "operand a, index " + i);
                assertEquals(naive(shape, b, i), p.offset(1, i), "operand b, index " + i);
            }
        }
    }

    @Test
    void tooManyUnmergeableAxesAreRefused() {
        int[] shape = new int[9];
        long[] st = new long[9];
        long s = 1;
        for (int d = 8; d >= 0; d--) {
            shape[d] = 2;
            st[d] = s * 3; // gaps between axes: nothing merges
            s *= 6;
        }
        var e = assertThrows(IllegalArgumentException.class, () -> StridedPlan.of(shape, st));
        assertTrue(e.getMessage().contains("9"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StridedPlan.of(new int[] {2}, new long[] {1, 1}));
    }
}
