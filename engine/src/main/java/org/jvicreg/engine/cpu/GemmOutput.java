package org.jvicreg.engine.cpu;

/**
 * Where each element of a GEMM result C lives in its array: columns come in blocks of {@code block},
 * so {@code C(i, j)} is at {@code base + i * rowStride + (j / block) * blockStride + j % block}.
 * A plain row-major matrix is one block ({@link #matrix}); a convolution's output, whose GEMM columns run
 * over (image, pixel), has one block per image, {@code blockStride} apart ({@link #images}).
 */
record GemmOutput(float[] data, int base, int rowStride, int block, int blockStride) {

    /** A row-major matrix with leading dimension ld starting at base. */
    static GemmOutput matrix(float[] data, int base, int ld) {
        return new GemmOutput(data, base, ld, Integer.MAX_VALUE, 0);
    }

    /** Rows are channels, columns run over {@code pixels} per image, images {@code imageStride} apart. */
    static GemmOutput images(float[] data, int base, int pixels, int imageStride) {
        return new GemmOutput(data, base, pixels, pixels, imageStride);
    }

    int offset(int i, int j) {
        return base + i * rowStride + (j / block) * blockStride + j % block;
    }

    /** Whether columns [j, j + n) lie in one block, i.e. each row of them is contiguous. */
    boolean contiguous(int j, int n) {
        return j % block + n <= block;
    }
}
