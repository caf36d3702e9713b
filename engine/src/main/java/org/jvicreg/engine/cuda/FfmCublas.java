package org.jvicreg.engine.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * cuBLAS through the JDK's FFM API, for machines whose libcublas.so.* is not the one JCublas2 was
 * built against (CUDA 13 and later). It binds five functions. Device pointers travel as 64-bit
 * integers; alpha and beta are host floats (CUBLAS_POINTER_MODE_HOST, the default).
 */
final class FfmCublas implements Blas {
    /** cublasOperation_t and cublasMath_t values. */
    static final int OP_N = 0, OP_T = 1, DEFAULT_MATH = 0, TF32_TENSOR_OP_MATH = 3;

    private final NativeLibrary lib;
    private final MethodHandle destroy, setMathMode, sgemm, statusString;
    private final MemorySegment handle;
    private final MemorySegment alphaBeta = Arena.global().allocate(JAVA_FLOAT, 2);
    private final int version;
    private int mathMode = -1;

    private FfmCublas(NativeLibrary lib) throws Throwable {
        this.lib = lib;
        MethodHandle create = lib.function("cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        MethodHandle getVersion = lib.function("cublasGetVersion_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        destroy = lib.function("cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        setMathMode = lib.function("cublasSetMathMode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        sgemm = lib.function("cublasSgemmStridedBatched", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG,
                JAVA_LONG, JAVA_INT, JAVA_LONG,
                ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
        statusString = lib.optionalFunction("cublasGetStatusString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cublasCreate", (int) create.invokeExact(out));
            handle = out.get(ADDRESS, 0);
            MemorySegment v = a.allocate(JAVA_INT);
            check("cublasGetVersion", (int) getVersion.invokeExact(handle, v));
            version = v.get(JAVA_INT, 0);
        }
    }

    /** Opens the first library of {@code found} that loads and creates a handle. */
    static FfmCublas open(LibraryLocator.Found found) throws Throwable {
        return new FfmCublas(NativeLibrary.open(found.path(), found.major(), List.of("cublasLt")));
    }

    @Override
    public String describe() {
        return "cuBLAS " + version + " through FFM (" + lib.path + ")";
    }

    @Override
    public synchronized void sgemm(GemmCall g, float alpha, float beta, boolean tf32) {
        if (g.empty()) return;
        int mode = tf32 ? TF32_TENSOR_OP_MATH : DEFAULT_MATH;
        try {
            if (mode != mathMode) {
                check("cublasSetMathMode", (int) setMathMode.invokeExact(handle, mode));
                mathMode = mode;
            }
            alphaBeta.set(JAVA_FLOAT, 0, alpha);
            alphaBeta.set(JAVA_FLOAT, 4, beta);
            int st = (int) sgemm.invokeExact(handle, g.transA() ? OP_T : OP_N, g.transB() ? OP_T : OP_N, g.m(), g.n(), g.k(),
                    alphaBeta, g.a(), g.lda(), g.strideA(), g.b(), g.ldb(), g.strideB(),
                    alphaBeta.asSlice(4), g.c(), g.ldc(), g.strideC(), g.batch());
            check("cublasSgemmStridedBatched", st);
        } catch (CudaError e) {
            throw e;
        } catch (Throwable t) {
            throw new CudaError("cublasSgemmStridedBatched: " + t);
        }
    }

    private void check(String call, int status) throws Throwable {
        if (status == 0) return;
        String name = "CUBLAS_STATUS_" + status;
        if (statusString != null) name = ((MemorySegment) statusString.invokeExact(status)).reinterpret(256).getString(0);
        throw new CudaError(call, status, name);
    }

    @Override
    public synchronized void close() {
        try {
            int ignored = (int) destroy.invokeExact(handle);
        } catch (Throwable t) {
            throw new CudaError("cublasDestroy: " + t);
        }
    }
}
