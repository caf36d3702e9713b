package org.jvicreg.engine.cuda;

/**
 * A strided-batched column-major SGEMM call as cuBLAS takes it, made from the Backend's row-major
 * one. A row-major matrix with leading dimension ld is, read column-major, its transpose; so
 * row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands and m with n,
 * keep each operand's own transpose flag. Addresses are device addresses (or, in tests, offsets).
 */
record GemmCall(boolean transA, boolean transB, int m, int n, int k,
                long a, int lda, long strideA, long b, int ldb, long strideB,
                long c, int ldc, long strideC, int batch) {

    /** The column-major call computing row-major C (m x n) = op(A) (m x k) * op(B) (k x n), per batch. */
    static GemmCall fromRowMajor(boolean transA, boolean transB, int m, int n, int k,
                                 long a, int lda, long strideA, long b, int ldb, long strideB,
                                 long c, int ldc, long strideC, int batch) {
        return new GemmCall(transB, transA, n, m, k, b, ldb, strideB, a, lda, strideA, c, ldc, strideC, batch);
    }

    /** Whether the call has nothing to compute. */
    boolean empty() {
        return m == 0 || n == 0 || batch == 0;
    }
}
