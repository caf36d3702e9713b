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

    /**
     * The column-major call computing row-major C (m x n) = op(A) (m x k) * op(B) (k x n), per batch.
     * A valid row-major call already meets cuBLAS's leading-dimension rules; only a degenerate one
     * (k = 0, where nothing is read) may need them raised to cuBLAS's minimum of 1.
     */
    static GemmCall fromRowMajor(boolean transA, boolean transB, int m, int n, int k,
                                 long a, int lda, long strideA, long b, int ldb, long strideB,
                                 long c, int ldc, long strideC, int batch) {
        int ldaCol = Math.max(ldb, Math.max(1, transB ? k : n));
        int ldbCol = Math.max(lda, Math.max(1, transA ? m : k));
        int ldcCol = Math.max(ldc, Math.max(1, n));
        return new GemmCall(transB, transA, n, m, k, b, ldaCol, strideB, a, ldbCol, strideA, c, ldcCol, strideC, batch);
    }

    /** Whether the call has nothing to compute. */
    boolean empty() {
        return m == 0 || n == 0 || batch == 0;
    }
}
