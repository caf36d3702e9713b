package org.jvicreg.engine.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasStatus;

/**
 * cuBLAS through JCublas2 (org.jcuda:jcublas 12.6.0), whose native library links libcublas.so.12: it
 * loads on CUDA 12 machines only. Loading its class is the probe: on a machine without that library
 * the class initialiser throws UnsatisfiedLinkError, which {@link ProviderChoice} records.
 */
final class JCublasBlas implements Blas {
    private final cublasHandle handle = new cublasHandle();
    private final int version;
    private int mathMode = -1;

    private JCublasBlas() {
        JCublas2.setExceptionsEnabled(false);
        check("cublasCreate", JCublas2.cublasCreate(handle));
        int[] v = new int[1];
        check("cublasGetVersion", JCublas2.cublasGetVersion(handle, v));
        version = v[0];
    }

    static JCublasBlas open() {
        return new JCublasBlas();
    }

    @Override
    public String describe() {
        return "cuBLAS " + version + " through JCublas2 12.6.0";
    }

    @Override
    public synchronized void sgemm(GemmCall g, float alpha, float beta, boolean tf32) {
        if (g.empty()) return;
        int mode = tf32 ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH : cublasMath.CUBLAS_DEFAULT_MATH;
        if (mode != mathMode) {
            check("cublasSetMathMode", JCublas2.cublasSetMathMode(handle, mode));
            mathMode = mode;
        }
        check("cublasSgemmStridedBatched", JCublas2.cublasSgemmStridedBatched(handle,
                g.transA() ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                g.transB() ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                g.m(), g.n(), g.k(), Pointer.to(new float[] {alpha}),
                device(g.a()), g.lda(), g.strideA(), device(g.b()), g.ldb(), g.strideB(),
                Pointer.to(new float[] {beta}), device(g.c()), g.ldc(), g.strideC(), g.batch()));
    }

    private static Pointer device(long address) {
        return new CUdeviceptr().withByteOffset(address);
    }

    private static void check(String call, int status) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) throw new CudaError(call, status, cublasStatus.stringFor(status));
    }

    @Override
    public synchronized void close() {
        JCublas2.cublasDestroy(handle);
    }
}
