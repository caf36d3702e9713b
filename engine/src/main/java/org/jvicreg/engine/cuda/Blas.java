package org.jvicreg.engine.cuda;

/** The cuBLAS calls the backend makes, behind one small interface with a JCublas2 and an FFM implementation. */
interface Blas extends AutoCloseable {
    /** What this is, e.g. "cuBLAS 130100 through FFM (/usr/local/cuda/lib64/libcublas.so.13)". */
    String describe();

    /**
     * C = alpha * op(A) * op(B) + beta * C per batch, column-major, on the backend's stream. With
     * {@code tf32} the product may use TF32 tensor cores; without, it is computed in full float32.
     */
    void sgemm(GemmCall call, float alpha, float beta, boolean tf32);

    @Override
    void close();
}
