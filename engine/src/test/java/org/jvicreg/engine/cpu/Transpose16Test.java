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
}
