package org.jvicreg.engine.cpu;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Transpose16Test {
    /** Every element lands at its swapped row and column, within strided rows, and nothing else is written. */
    @Test
    void blockSwapsRowsAndColumns() {
        Assumptions.assumeTrue(Transpose16.AVAILABLE, "needs 512-bit vectors");
        int srcStride = 21, dstStride = 19, from = 5, to = 3;
        float[] src = new float[from + 15 * srcStride + 16], dst = new float[to + 15 * dstStride + 16 + 7];
        for (int i = 0; i < src.length; i++) src[i] = i + 0.5f;
        java.util.Arrays.fill(dst, -1f);
        Transpose16.block(src, from, srcStride, dst, to, dstStride);
        boolean[] written = new boolean[dst.length];
        for (int i = 0; i < 16; i++) {
            for (int j = 0; j < 16; j++) {
                assertEquals(src[from + i * srcStride + j], dst[to + j * dstStride + i], "row " + i + " column " + j);
                written[to + j * dstStride + i] = true;
            }
        }
        for (int d = 0; d < dst.length; d++) if (!written[d]) assertEquals(-1f, dst[d], "element " + d + " outside the block");
    }

    /** A matrix of any size: whole blocks and the scalar edges, within strided rows, nothing else written. */
    @Test
    void matrixOfAnySizeTransposes() {
        for (int[] shape : new int[][] {{16, 16}, {37, 50}, {5, 33}, {48, 3}, {1, 1}}) {
            int rows = shape[0], cols = shape[1], srcStride = cols + 3, dstStride = rows + 5, from = 2, to = 7;
            float[] src = new float[from + rows * srcStride], dst = new float[to + cols * dstStride];
            for (int i = 0; i < src.length; i++) src[i] = i + 0.25f;
            java.util.Arrays.fill(dst, -1f);
            Transpose16.matrix(src, from, srcStride, dst, to, dstStride, rows, cols);
            boolean[] written = new boolean[dst.length];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    assertEquals(src[from + i * srcStride + j], dst[to + j * dstStride + i], rows + "x" + cols + " at " + i + ", " + j);
                    written[to + j * dstStride + i] = true;
                }
            }
            for (int d = 0; d < dst.length; d++) if (!written[d]) assertEquals(-1f, dst[d], rows + "x" + cols + ": element " + d + " outside");
        }
    }
}
