package org.jvicreg.engine.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The legacy cuDNN convolution and batch-norm API (still present, deprecated, in cuDNN 9) through the
 * JDK's FFM API, for machines whose libcudnn.so.* is not the libcudnn.so.8 JCudnn binds. Descriptors
 * are the C pointers as MemorySegments; device pointers travel as 64-bit integers.
 */
final class FfmCudnnApi implements CudnnApi<MemorySegment> {
    /** cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t: all three share this 48-byte layout. */
    static final StructLayout PERF = MemoryLayout.structLayout(
            JAVA_INT.withName("algo"), JAVA_INT.withName("status"), JAVA_FLOAT.withName("time"), MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("memory"), JAVA_INT.withName("determinism"), JAVA_INT.withName("mathType"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("reserved"), MemoryLayout.paddingLayout(4));

    private static final FunctionDescriptor STATUS_OUT = FunctionDescriptor.of(JAVA_INT, ADDRESS);
    private static final FunctionDescriptor STATUS_IN = FunctionDescriptor.of(JAVA_INT, ADDRESS);

    private final NativeLibrary lib;
    private final long version;
    private final MemorySegment handle;
    private final MemorySegment scalars = Arena.global().allocate(JAVA_FLOAT, 2);
    private final MethodHandle destroy, errorString, createTensor, setTensor, destroyTensor, createFilter, setFilter,
            destroyFilter, createConv, setConv, setGroups, setMath, destroyConv,
            fwdCount, bwdDataCount, bwdFilterCount, fwdAlgos, bwdDataAlgos, bwdFilterAlgos,
            fwdFind, bwdDataFind, bwdFilterFind, fwdWs, bwdDataWs, bwdFilterWs, fwd, bwdData, bwdFilter,
            bnTraining, bnInference, bnBackward;

    private FfmCudnnApi(NativeLibrary lib) throws Throwable {
        this.lib = lib;
        MethodHandle create = lib.function("cudnnCreate", STATUS_OUT);
        MethodHandle getVersion = lib.function("cudnnGetVersion", FunctionDescriptor.of(JAVA_LONG));
        destroy = lib.function("cudnnDestroy", STATUS_IN);
        errorString = lib.function("cudnnGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        createTensor = lib.function("cudnnCreateTensorDescriptor", STATUS_OUT);
        setTensor = lib.function("cudnnSetTensor4dDescriptor",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        destroyTensor = lib.function("cudnnDestroyTensorDescriptor", STATUS_IN);
        createFilter = lib.function("cudnnCreateFilterDescriptor", STATUS_OUT);
        setFilter = lib.function("cudnnSetFilter4dDescriptor",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        destroyFilter = lib.function("cudnnDestroyFilterDescriptor", STATUS_IN);
        createConv = lib.function("cudnnCreateConvolutionDescriptor", STATUS_OUT);
        setConv = lib.function("cudnnSetConvolution2dDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        setGroups = lib.function("cudnnSetConvolutionGroupCount", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        setMath = lib.function("cudnnSetConvolutionMathType", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        destroyConv = lib.function("cudnnDestroyConvolutionDescriptor", STATUS_IN);
        FunctionDescriptor count = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        fwdCount = lib.function("cudnnGetConvolutionForwardAlgorithmMaxCount", count);
        bwdDataCount = lib.function("cudnnGetConvolutionBackwardDataAlgorithmMaxCount", count);
        bwdFilterCount = lib.function("cudnnGetConvolutionBackwardFilterAlgorithmMaxCount", count);
        FunctionDescriptor algos = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT,
                ADDRESS, ADDRESS);
        fwdAlgos = lib.function("cudnnGetConvolutionForwardAlgorithm_v7", algos);
        bwdDataAlgos = lib.function("cudnnGetConvolutionBackwardDataAlgorithm_v7", algos);
        bwdFilterAlgos = lib.function("cudnnGetConvolutionBackwardFilterAlgorithm_v7", algos);
        // the measured ranking takes the same arguments; optional, as only jvicreg.cuda.benchmark needs it
        fwdFind = lib.optionalFunction("cudnnFindConvolutionForwardAlgorithm", algos);
        bwdDataFind = lib.optionalFunction("cudnnFindConvolutionBackwardDataAlgorithm", algos);
        bwdFilterFind = lib.optionalFunction("cudnnFindConvolutionBackwardFilterAlgorithm", algos);
        FunctionDescriptor ws = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
        fwdWs = lib.function("cudnnGetConvolutionForwardWorkspaceSize", ws);
        bwdDataWs = lib.function("cudnnGetConvolutionBackwardDataWorkspaceSize", ws);
        bwdFilterWs = lib.function("cudnnGetConvolutionBackwardFilterWorkspaceSize", ws);
        // (handle, alpha, desc, ptr, desc, ptr, conv, algo, workspace, workspaceBytes, beta, desc, ptr)
        FunctionDescriptor run = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG,
                ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG);
        fwd = lib.function("cudnnConvolutionForward", run);
        bwdData = lib.function("cudnnConvolutionBackwardData", run);
        bwdFilter = lib.function("cudnnConvolutionBackwardFilter", run);
        // batch norm is optional: without it the backend runs its own kernels (batchNormUnavailable)
        // (handle, mode, alpha, beta, xDesc, x, yDesc, y, paramDesc, gamma, beta, factor, runMean, runVar, eps,
        //  saveMean, saveInvStd)
        bnTraining = lib.optionalFunction("cudnnBatchNormalizationForwardTraining", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_DOUBLE, JAVA_LONG,
                JAVA_LONG, JAVA_DOUBLE, JAVA_LONG, JAVA_LONG));
        // (handle, mode, alpha, beta, xDesc, x, yDesc, y, paramDesc, gamma, beta, mean, var, eps)
        bnInference = lib.optionalFunction("cudnnBatchNormalizationForwardInference", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                JAVA_DOUBLE));
        // (handle, mode, alphaData, betaData, alphaParam, betaParam, xDesc, x, dyDesc, dy, dxDesc, dx, paramDesc, gamma,
        //  dgamma, dbeta, eps, saveMean, saveInvStd)
        bnBackward = lib.optionalFunction("cudnnBatchNormalizationBackward", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_DOUBLE, JAVA_LONG, JAVA_LONG));
        version = (long) getVersion.invokeExact();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cudnnCreate", (int) create.invokeExact(out));
            handle = out.get(ADDRESS, 0);
        }
        scalars.set(JAVA_FLOAT, 0, 1f);
        scalars.set(JAVA_FLOAT, 4, 0f);
    }

    /** cuDNN 9 is split into sub-libraries; they load first, in whatever order their dependencies allow. */
    static FfmCudnnApi open(LibraryLocator.Found found) throws Throwable {
        return new FfmCudnnApi(NativeLibrary.open(found.path(), found.major(), List.of("cudnn_graph", "cudnn_ops",
                "cudnn_cnn", "cudnn_adv", "cudnn_engines_precompiled", "cudnn_engines_runtime_compiled", "cudnn_heuristic",
                "cudnn_ops_infer", "cudnn_ops_train", "cudnn_cnn_infer", "cudnn_cnn_train")));
    }

    /** The perf structs cuDNN wrote into {@code perfs}. */
    static List<ConvAlgorithm> readPerfs(MemorySegment perfs, int count) {
        List<ConvAlgorithm> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            MemorySegment p = perfs.asSlice(i * PERF.byteSize(), PERF.byteSize());
            out.add(new ConvAlgorithm(p.get(JAVA_INT, 0), p.get(JAVA_INT, 4), p.get(JAVA_FLOAT, 8), p.get(JAVA_LONG, 16),
                    p.get(JAVA_INT, 24), p.get(JAVA_INT, 28)));
        }
        return out;
    }

    @Override
    public String describe() {
        return "cuDNN " + version + " through FFM (" + lib.path + ")";
    }

    @Override
    public CudnnGraphConvolutions graphConvolutions(Workspace workspace, Runnable synchronize, List<String> why) {
        return CudnnGraphConvolutions.open(lib, handle, this::check, workspace, synchronize, why);
    }

    private void check(String call, int status) {
        if (status == 0) return;
        String name;
        try {
            name = ((MemorySegment) errorString.invokeExact(status)).reinterpret(256).getString(0);
        } catch (Throwable t) {
            name = "CUDNN_STATUS_" + status;
        }
        throw new CudaError(call, status, name);
    }

    @Override
    public String batchNormUnavailable() {
        return bnTraining != null && bnInference != null && bnBackward != null ? null
                : lib.path.getFileName() + " lacks the cudnnBatchNormalization* functions";
    }

    /** One cuDNN function returning a status. */
    private interface Status {
        int call() throws Throwable;
    }

    /** Runs a call and throws {@link CudaError} naming it unless it returns success. */
    private void call(String name, Status status) {
        try {
            check(name, status.call());
        } catch (Throwable t) {
            throw wrap(name, t);
        }
    }

    private static CudaError wrap(String call, Throwable t) {
        return t instanceof CudaError e ? e : new CudaError(call + ": " + t);
    }

    private MemorySegment create(String call, MethodHandle h) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check(call, (int) h.invokeExact(out));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw wrap(call, t);
        }
    }

    private void destroy(String name, MethodHandle h, MemorySegment d) {
        call(name, () -> (int) h.invokeExact(d));
    }

    @Override
    public MemorySegment tensor4d(int n, int c, int h, int w) {
        MemorySegment d = create("cudnnCreateTensorDescriptor", createTensor);
        call("cudnnSetTensor4dDescriptor", () -> (int) setTensor.invokeExact(d, TENSOR_NCHW, DATA_FLOAT, n, c, h, w));
        return d;
    }

    @Override
    public MemorySegment filter4d(int k, int c, int h, int w) {
        MemorySegment d = create("cudnnCreateFilterDescriptor", createFilter);
        call("cudnnSetFilter4dDescriptor", () -> (int) setFilter.invokeExact(d, DATA_FLOAT, TENSOR_NCHW, k, c, h, w));
        return d;
    }

    @Override
    public MemorySegment convolution(int padH, int padW, int strideH, int strideW, int dilH, int dilW, int groups) {
        MemorySegment d = create("cudnnCreateConvolutionDescriptor", createConv);
        call("cudnnSetConvolution2dDescriptor", () -> (int) setConv.invokeExact(d, padH, padW, strideH, strideW, dilH, dilW,
                CROSS_CORRELATION, DATA_FLOAT));
        call("cudnnSetConvolutionGroupCount", () -> (int) setGroups.invokeExact(d, groups));
        return d;
    }

    @Override
    public void setMathType(MemorySegment conv, int mathType) {
        call("cudnnSetConvolutionMathType", () -> (int) setMath.invokeExact(conv, mathType));
    }

    @Override
    public void destroyTensor(MemorySegment d) {
        destroy("cudnnDestroyTensorDescriptor", destroyTensor, d);
    }

    @Override
    public void destroyFilter(MemorySegment d) {
        destroy("cudnnDestroyFilterDescriptor", destroyFilter, d);
    }

    @Override
    public void destroyConvolution(MemorySegment d) {
        destroy("cudnnDestroyConvolutionDescriptor", destroyConv, d);
    }

    private List<ConvAlgorithm> algorithms(String call, MethodHandle countFn, MethodHandle fn, MemorySegment a, MemorySegment b,
                                           MemorySegment conv, MemorySegment c) {
        if (fn == null) {
            throw new CudaError(lib.path.getFileName() + " has no " + call + " (needed by " + CudaOptions.BENCHMARK_PROPERTY + ")");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment max = arena.allocate(JAVA_INT);
            check(call + "MaxCount", (int) countFn.invokeExact(handle, max));
            int requested = Math.max(1, max.get(JAVA_INT, 0));
            MemorySegment returned = arena.allocate(JAVA_INT);
            MemorySegment perfs = arena.allocate(PERF, requested);
            check(call, (int) fn.invokeExact(handle, a, b, conv, c, requested, returned, perfs));
            return readPerfs(perfs, returned.get(JAVA_INT, 0));
        } catch (Throwable t) {
            throw wrap(call, t);
        }
    }

    private long workspace(String call, MethodHandle fn, MemorySegment a, MemorySegment b, MemorySegment conv,
                           MemorySegment c, int algo) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(JAVA_LONG);
            check(call, (int) fn.invokeExact(handle, a, b, conv, c, algo, size));
            return size.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw wrap(call, t);
        }
    }

    private void run(String name, MethodHandle fn, MemorySegment a, long ap, MemorySegment b, long bp, MemorySegment conv,
                     int algo, long ws, long wsBytes, MemorySegment c, long cp) {
        call(name, () -> (int) fn.invokeExact(handle, scalars, a, ap, b, bp, conv, algo, ws, wsBytes, scalars.asSlice(4), c, cp));
    }

    @Override
    public List<ConvAlgorithm> forwardAlgorithms(MemorySegment x, MemorySegment w, MemorySegment conv, MemorySegment y,
                                                 boolean measure) {
        return measure ? algorithms("cudnnFindConvolutionForwardAlgorithm", fwdCount, fwdFind, x, w, conv, y)
                : algorithms("cudnnGetConvolutionForwardAlgorithm_v7", fwdCount, fwdAlgos, x, w, conv, y);
    }

    @Override
    public List<ConvAlgorithm> backwardDataAlgorithms(MemorySegment w, MemorySegment dy, MemorySegment conv, MemorySegment dx,
                                                      boolean measure) {
        return measure ? algorithms("cudnnFindConvolutionBackwardDataAlgorithm", bwdDataCount, bwdDataFind, w, dy, conv, dx)
                : algorithms("cudnnGetConvolutionBackwardDataAlgorithm_v7", bwdDataCount, bwdDataAlgos, w, dy, conv, dx);
    }

    @Override
    public List<ConvAlgorithm> backwardFilterAlgorithms(MemorySegment x, MemorySegment dy, MemorySegment conv, MemorySegment dw,
                                                        boolean measure) {
        return measure ? algorithms("cudnnFindConvolutionBackwardFilterAlgorithm", bwdFilterCount, bwdFilterFind, x, dy, conv, dw)
                : algorithms("cudnnGetConvolutionBackwardFilterAlgorithm_v7", bwdFilterCount, bwdFilterAlgos, x, dy, conv, dw);
    }

    @Override
    public long forwardWorkspace(MemorySegment x, MemorySegment w, MemorySegment conv, MemorySegment y, int algo) {
        return workspace("cudnnGetConvolutionForwardWorkspaceSize", fwdWs, x, w, conv, y, algo);
    }

    @Override
    public long backwardDataWorkspace(MemorySegment w, MemorySegment dy, MemorySegment conv, MemorySegment dx, int algo) {
        return workspace("cudnnGetConvolutionBackwardDataWorkspaceSize", bwdDataWs, w, dy, conv, dx, algo);
    }

    @Override
    public long backwardFilterWorkspace(MemorySegment x, MemorySegment dy, MemorySegment conv, MemorySegment dw, int algo) {
        return workspace("cudnnGetConvolutionBackwardFilterWorkspaceSize", bwdFilterWs, x, dy, conv, dw, algo);
    }

    @Override
    public void forward(MemorySegment x, long xp, MemorySegment w, long wp, MemorySegment conv, int algo, long ws, long wsBytes,
                        MemorySegment y, long yp) {
        run("cudnnConvolutionForward", fwd, x, xp, w, wp, conv, algo, ws, wsBytes, y, yp);
    }

    @Override
    public void backwardData(MemorySegment w, long wp, MemorySegment dy, long dyp, MemorySegment conv, int algo, long ws,
                             long wsBytes, MemorySegment dx, long dxp) {
        run("cudnnConvolutionBackwardData", bwdData, w, wp, dy, dyp, conv, algo, ws, wsBytes, dx, dxp);
    }

    @Override
    public void backwardFilter(MemorySegment x, long xp, MemorySegment dy, long dyp, MemorySegment conv, int algo, long ws,
                               long wsBytes, MemorySegment dw, long dwp) {
        run("cudnnConvolutionBackwardFilter", bwdFilter, x, xp, dy, dyp, conv, algo, ws, wsBytes, dw, dwp);
    }

    @Override
    public void batchNormForwardTraining(MemorySegment x, long xp, MemorySegment y, long yp, MemorySegment param, long gamma,
                                         long beta, double factor, long runMean, long runVar, double eps, long saveMean,
                                         long saveInvStd) {
        call("cudnnBatchNormalizationForwardTraining", () -> (int) bnTraining.invokeExact(handle, BATCHNORM_SPATIAL, scalars,
                scalars.asSlice(4), x, xp, y, yp, param, gamma, beta, factor, runMean, runVar, eps, saveMean, saveInvStd));
    }

    @Override
    public void batchNormForwardInference(MemorySegment x, long xp, MemorySegment y, long yp, MemorySegment param, long gamma,
                                          long beta, long mean, long var, double eps) {
        call("cudnnBatchNormalizationForwardInference", () -> (int) bnInference.invokeExact(handle, BATCHNORM_SPATIAL, scalars,
                scalars.asSlice(4), x, xp, y, yp, param, gamma, beta, mean, var, eps));
    }

    @Override
    public void batchNormBackward(MemorySegment x, long xp, MemorySegment dy, long dyp, MemorySegment dx, long dxp,
                                  MemorySegment param, long gamma, long dgamma, long dbeta, double eps, long saveMean,
                                  long saveInvStd) {
        call("cudnnBatchNormalizationBackward", () -> (int) bnBackward.invokeExact(handle, BATCHNORM_SPATIAL, scalars,
                scalars.asSlice(4), scalars, scalars.asSlice(4), x, xp, dy, dyp, dx, dxp, param, gamma, dgamma, dbeta, eps,
                saveMean, saveInvStd));
    }

    @Override
    public void close() {
        destroy("cudnnDestroy", destroy, handle);
    }
}
