package org.jvicreg.engine.cpu;

import jdk.incubator.vector.FloatVector;

import static org.jvicreg.engine.cpu.SgemmKernel.S;
import static org.jvicreg.engine.cpu.SgemmKernel.VL;

/**
 * A 16 x 16 block of floats transposed in vector registers: sixteen row loads, four rounds of sixteen
 * two-vector permutes, sixteen row stores, against 256 scalar loads and stores. Round b (8, 4, 2, 1) swaps
 * bit b of the row index with bit b of the column index: rows i and i + b (bit b of i clear) become
 * <pre>
 *   lo[j] = (j &amp; b) == 0 ? row_i[j]     : row_{i+b}[j - b]
 *   hi[j] = (j &amp; b) == 0 ? row_i[j + b] : row_{i+b}[j]
 * </pre>
 * each one permute of the pair ({@code selectFrom} of two vectors), so after the four rounds every element
 * has its row and column swapped. Needs 512-bit vectors ({@link #AVAILABLE}); {@link #matrix} transposes a
 * matrix of any size, with scalar copies for the edges and for other vector widths.
 */
final class Transpose16 {
    private Transpose16() {}

    /** Whether the vectors hold 16 floats, as {@link #block} needs. */
    static final boolean AVAILABLE = VL == 16;

    private static final FloatVector LO1 = index(1, false), HI1 = index(1, true), LO2 = index(2, false), HI2 = index(2, true);
    private static final FloatVector LO4 = index(4, false), HI4 = index(4, true), LO8 = index(8, false), HI8 = index(8, true);

    /** The permute indices of round b: lanes below VL pick from the first vector, the rest from the second. */
    private static FloatVector index(int b, boolean hi) {
        float[] v = new float[VL];
        for (int j = 0; j < VL; j++) v[j] = (j & b) == 0 ? (hi ? j + b : j) : (hi ? VL + j : VL + j - b);
        return FloatVector.fromArray(S, v, 0);
    }

    /**
     * dst[to + j * dstStride + i] = src[from + i * srcStride + j] for i below rows, j below cols: whole 16 x 16
     * blocks by {@link #block} where {@link #AVAILABLE}, the edges (and everything without 512-bit vectors) one
     * value at a time, row of dst by row of dst so that the writes run contiguously.
     */
    static void matrix(float[] src, int from, int srcStride, float[] dst, int to, int dstStride, int rows, int cols) {
        int fullRows = AVAILABLE ? rows / VL * VL : 0, fullCols = AVAILABLE ? cols / VL * VL : 0;
        for (int j = 0; j < fullCols; j += VL) {
            for (int i = 0; i < fullRows; i += VL) block(src, from + i * srcStride + j, srcStride, dst, to + j * dstStride + i, dstStride);
        }
        for (int j = 0; j < cols; j++) {
            int d = to + j * dstStride, s = from + j;
            for (int i = j < fullCols ? fullRows : 0; i < rows; i++) dst[d + i] = src[s + i * srcStride];
        }
    }

    /**
     * dst[to + j * dstStride + i] = src[from + i * srcStride + j] for i, j below 16. Written out in full, as
     * an array of vectors would be boxed.
     */
    static void block(float[] src, int from, int srcStride, float[] dst, int to, int dstStride) {
        FloatVector r0 = FloatVector.fromArray(S, src, from), r1 = FloatVector.fromArray(S, src, from + srcStride);
        FloatVector r2 = FloatVector.fromArray(S, src, from + 2 * srcStride), r3 = FloatVector.fromArray(S, src, from + 3 * srcStride);
        FloatVector r4 = FloatVector.fromArray(S, src, from + 4 * srcStride), r5 = FloatVector.fromArray(S, src, from + 5 * srcStride);
        FloatVector r6 = FloatVector.fromArray(S, src, from + 6 * srcStride), r7 = FloatVector.fromArray(S, src, from + 7 * srcStride);
        FloatVector r8 = FloatVector.fromArray(S, src, from + 8 * srcStride), r9 = FloatVector.fromArray(S, src, from + 9 * srcStride);
        FloatVector r10 = FloatVector.fromArray(S, src, from + 10 * srcStride), r11 = FloatVector.fromArray(S, src, from + 11 * srcStride);
        FloatVector r12 = FloatVector.fromArray(S, src, from + 12 * srcStride), r13 = FloatVector.fromArray(S, src, from + 13 * srcStride);
        FloatVector r14 = FloatVector.fromArray(S, src, from + 14 * srcStride), r15 = FloatVector.fromArray(S, src, from + 15 * srcStride);
        FloatVector a0 = LO8.selectFrom(r0, r8), a8 = HI8.selectFrom(r0, r8);
        FloatVector a1 = LO8.selectFrom(r1, r9), a9 = HI8.selectFrom(r1, r9);
        FloatVector a2 = LO8.selectFrom(r2, r10), a10 = HI8.selectFrom(r2, r10);
        FloatVector a3 = LO8.selectFrom(r3, r11), a11 = HI8.selectFrom(r3, r11);
        FloatVector a4 = LO8.selectFrom(r4, r12), a12 = HI8.selectFrom(r4, r12);
        FloatVector a5 = LO8.selectFrom(r5, r13), a13 = HI8.selectFrom(r5, r13);
        FloatVector a6 = LO8.selectFrom(r6, r14), a14 = HI8.selectFrom(r6, r14);
        FloatVector a7 = LO8.selectFrom(r7, r15), a15 = HI8.selectFrom(r7, r15);
        FloatVector b0 = LO4.selectFrom(a0, a4), b4 = HI4.selectFrom(a0, a4);
        FloatVector b1 = LO4.selectFrom(a1, a5), b5 = HI4.selectFrom(a1, a5);
        FloatVector b2 = LO4.selectFrom(a2, a6), b6 = HI4.selectFrom(a2, a6);
        FloatVector b3 = LO4.selectFrom(a3, a7), b7 = HI4.selectFrom(a3, a7);
        FloatVector b8 = LO4.selectFrom(a8, a12), b12 = HI4.selectFrom(a8, a12);
        FloatVector b9 = LO4.selectFrom(a9, a13), b13 = HI4.selectFrom(a9, a13);
        FloatVector b10 = LO4.selectFrom(a10, a14), b14 = HI4.selectFrom(a10, a14);
        FloatVector b11 = LO4.selectFrom(a11, a15), b15 = HI4.selectFrom(a11, a15);
        FloatVector c0 = LO2.selectFrom(b0, b2), c2 = HI2.selectFrom(b0, b2);
        FloatVector c1 = LO2.selectFrom(b1, b3), c3 = HI2.selectFrom(b1, b3);
        FloatVector c4 = LO2.selectFrom(b4, b6), c6 = HI2.selectFrom(b4, b6);
        FloatVector c5 = LO2.selectFrom(b5, b7), c7 = HI2.selectFrom(b5, b7);
        FloatVector c8 = LO2.selectFrom(b8, b10), c10 = HI2.selectFrom(b8, b10);
        FloatVector c9 = LO2.selectFrom(b9, b11), c11 = HI2.selectFrom(b9, b11);
        FloatVector c12 = LO2.selectFrom(b12, b14), c14 = HI2.selectFrom(b12, b14);
        FloatVector c13 = LO2.selectFrom(b13, b15), c15 = HI2.selectFrom(b13, b15);
        FloatVector d0 = LO1.selectFrom(c0, c1), d1 = HI1.selectFrom(c0, c1);
        FloatVector d2 = LO1.selectFrom(c2, c3), d3 = HI1.selectFrom(c2, c3);
        FloatVector d4 = LO1.selectFrom(c4, c5), d5 = HI1.selectFrom(c4, c5);
        FloatVector d6 = LO1.selectFrom(c6, c7), d7 = HI1.selectFrom(c6, c7);
        FloatVector d8 = LO1.selectFrom(c8, c9), d9 = HI1.selectFrom(c8, c9);
        FloatVector d10 = LO1.selectFrom(c10, c11), d11 = HI1.selectFrom(c10, c11);
        FloatVector d12 = LO1.selectFrom(c12, c13), d13 = HI1.selectFrom(c12, c13);
        FloatVector d14 = LO1.selectFrom(c14, c15), d15 = HI1.selectFrom(c14, c15);
        d0.intoArray(dst, to);
        d1.intoArray(dst, to + dstStride);
        d2.intoArray(dst, to + 2 * dstStride);
        d3.intoArray(dst, to + 3 * dstStride);
        d4.intoArray(dst, to + 4 * dstStride);
        d5.intoArray(dst, to + 5 * dstStride);
        d6.intoArray(dst, to + 6 * dstStride);
        d7.intoArray(dst, to + 7 * dstStride);
        d8.intoArray(dst, to + 8 * dstStride);
        d9.intoArray(dst, to + 9 * dstStride);
        d10.intoArray(dst, to + 10 * dstStride);
        d11.intoArray(dst, to + 11 * dstStride);
        d12.intoArray(dst, to + 12 * dstStride);
        d13.intoArray(dst, to + 13 * dstStride);
        d14.intoArray(dst, to + 14 * dstStride);
        d15.intoArray(dst, to + 15 * dstStride);
    }
}
