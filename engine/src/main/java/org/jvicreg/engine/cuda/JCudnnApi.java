package org.jvicreg.engine.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnConvolutionBwdDataAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionBwdFilterAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionDescriptor;
import jcuda.jcudnn.cudnnConvolutionFwdAlgoPerf;
import jcuda.jcudnn.cudnnFilterDescriptor;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnTensorDescriptor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The legacy cuDNN convolution and batch-norm API through JCudnn (org.jcuda:jcudnn 11.7.0), whose
 * native library links libcudnn.so.8: it loads on cuDNN 8 machines only (the class initialiser throws
 * UnsatisfiedLinkError elsewhere, which {@link ProviderChoice} records). Descriptors are JCudnn's
 * objects, typed here as their common supertype.
 */
final class JCudnnApi implements CudnnApi<NativePointerObject> {
    private final cudnnHandle handle = new cudnnHandle();
    private final long version;
    private final Pointer one = Pointer.to(new float[] {1f});
    private final Pointer zero = Pointer.to(new float[] {0f});

    private JCudnnApi() {
        JCudnn.setExceptionsEnabled(false);
        version = JCudnn.cudnnGetVersion();
        check("cudnnCreate", JCudnn.cudnnCreate(handle));
    }

    static JCudnnApi open() {
        return new JCudnnApi();
    }

    private static void check(String call, int status) {
        if (status != 0) throw new CudaError(call, status, JCudnn.cudnnGetErrorString(status));
    }

    private static Pointer device(long address) {
        return new CUdeviceptr().withByteOffset(address);
    }

    private static Pointer deviceOrNull(long address) {
        return address == 0 ? null : device(address);
    }

    @Override
    public String describe() {
        return "cuDNN " + version + " through JCudnn 11.7.0";
    }

    @Override
    public NativePointerObject tensor4d(int n, int c, int h, int w) {
        cudnnTensorDescriptor d = new cudnnTensorDescriptor();
        check("cudnnCreateTensorDescriptor", JCudnn.cudnnCreateTensorDescriptor(d));
        check("cudnnSetTensor4dDescriptor", JCudnn.cudnnSetTensor4dDescriptor(d, TENSOR_NCHW, DATA_FLOAT, n, c, h, w));
        return d;
    }

    @Override
    public NativePointerObject filter4d(int k, int c, int h, int w) {
        cudnnFilterDescriptor d = new cudnnFilterDescriptor();
        check("cudnnCreateFilterDescriptor", JCudnn.cudnnCreateFilterDescriptor(d));
        check("cudnnSetFilter4dDescriptor", JCudnn.cudnnSetFilter4dDescriptor(d, DATA_FLOAT, TENSOR_NCHW, k, c, h, w));
        return d;
    }

    @Override
    public NativePointerObject convolution(int padH, int padW, int strideH, int strideW, int dilH, int dilW, int groups) {
        cudnnConvolutionDescriptor d = new cudnnConvolutionDescriptor();
        check("cudnnCreateConvolutionDescriptor", JCudnn.cudnnCreateConvolutionDescriptor(d));
        check("cudnnSetConvolution2dDescriptor", JCudnn.cudnnSetConvolution2dDescriptor(d, padH, padW, strideH, strideW,
                dilH, dilW, CROSS_CORRELATION, DATA_FLOAT));
        check("cudnnSetConvolutionGroupCount", JCudnn.cudnnSetConvolutionGroupCount(d, groups));
        return d;
    }

    @Override
    public void setMathType(NativePointerObject conv, int mathType) {
        check("cudnnSetConvolutionMathType", JCudnn.cudnnSetConvolutionMathType((cudnnConvolutionDescriptor) conv, mathType));
    }

    @Override
    public void destroyTensor(NativePointerObject d) {
        check("cudnnDestroyTensorDescriptor", JCudnn.cudnnDestroyTensorDescriptor((cudnnTensorDescriptor) d));
    }

    @Override
    public void destroyFilter(NativePointerObject d) {
        check("cudnnDestroyFilterDescriptor", JCudnn.cudnnDestroyFilterDescriptor((cudnnFilterDescriptor) d));
    }

    @Override
    public void destroyConvolution(NativePointerObject d) {
        check("cudnnDestroyConvolutionDescriptor", JCudnn.cudnnDestroyConvolutionDescriptor((cudnnConvolutionDescriptor) d));
    }

    /** The first {@code count} perf results, converted (JCudnn's three perf classes share no type). */
    private static List<ConvAlgorithm> first(int count, IntFunction<ConvAlgorithm> convert) {
        List<ConvAlgorithm> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) out.add(convert.apply(i));
        return out;
    }

    @Override
    public List<ConvAlgorithm> forwardAlgorithms(NativePointerObject x, NativePointerObject w, NativePointerObject conv,
                                                 NativePointerObject y, boolean measure) {
        int[] max = new int[1];
        check("cudnnGetConvolutionForwardAlgorithmMaxCount", JCudnn.cudnnGetConvolutionForwardAlgorithmMaxCount(handle, max));
        cudnnConvolutionFwdAlgoPerf[] perfs = new cudnnConvolutionFwdAlgoPerf[Math.max(1, max[0])];
        for (int i = 0; i < perfs.length; i++) perfs[i] = new cudnnConvolutionFwdAlgoPerf();
        int[] returned = new int[1];
        cudnnTensorDescriptor ad = (cudnnTensorDescriptor) x;
        cudnnFilterDescriptor bd = (cudnnFilterDescriptor) w;
        cudnnConvolutionDescriptor convd = (cudnnConvolutionDescriptor) conv;
        cudnnTensorDescriptor cd = (cudnnTensorDescriptor) y;
        int status = measure ? JCudnn.cudnnFindConvolutionForwardAlgorithm(handle, ad, bd, convd, cd, perfs.length, returned, perfs)
                : JCudnn.cudnnGetConvolutionForwardAlgorithm_v7(handle, ad, bd, convd, cd, perfs.length, returned, perfs);
        check(measure ? "cudnnFindConvolutionForwardAlgorithm" : "cudnnGetConvolutionForwardAlgorithm_v7", status);
        return first(returned[0], i -> new ConvAlgorithm(perfs[i].algo, perfs[i].status, perfs[i].time, perfs[i].memory,
                perfs[i].determinism, perfs[i].mathType));
    }

    @Override
    public List<ConvAlgorithm> backwardDataAlgorithms(NativePointerObject w, NativePointerObject dy, NativePointerObject conv,
                                                      NativePointerObject dx, boolean measure) {
        int[] max = new int[1];
        check("cudnnGetConvolutionBackwardDataAlgorithmMaxCount",
                JCudnn.cudnnGetConvolutionBackwardDataAlgorithmMaxCount(handle, max));
        cudnnConvolutionBwdDataAlgoPerf[] perfs = new cudnnConvolutionBwdDataAlgoPerf[Math.max(1, max[0])];
        for (int i = 0; i < perfs.length; i++) perfs[i] = new cudnnConvolutionBwdDataAlgoPerf();
        int[] returned = new int[1];
        cudnnFilterDescriptor ad = (cudnnFilterDescriptor) w;
        cudnnTensorDescriptor bd = (cudnnTensorDescriptor) dy;
        cudnnConvolutionDescriptor convd = (cudnnConvolutionDescriptor) conv;
        cudnnTensorDescriptor cd = (cudnnTensorDescriptor) dx;
        int status = measure ? JCudnn.cudnnFindConvolutionBackwardDataAlgorithm(handle, ad, bd, convd, cd, perfs.length, returned, perfs)
                : JCudnn.cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, ad, bd, convd, cd, perfs.length, returned, perfs);
        check(measure ? "cudnnFindConvolutionBackwardDataAlgorithm" : "cudnnGetConvolutionBackwardDataAlgorithm_v7", status);
        return first(returned[0], i -> new ConvAlgorithm(perfs[i].algo, perfs[i].status, perfs[i].time, perfs[i].memory,
                perfs[i].determinism, perfs[i].mathType));
    }

    @Override
    public List<ConvAlgorithm> backwardFilterAlgorithms(NativePointerObject x, NativePointerObject dy, NativePointerObject conv,
                                                        NativePointerObject dw, boolean measure) {
        int[] max = new int[1];
        check("cudnnGetConvolutionBackwardFilterAlgorithmMaxCount",
                JCudnn.cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(handle, max));
        cudnnConvolutionBwdFilterAlgoPerf[] perfs = new cudnnConvolutionBwdFilterAlgoPerf[Math.max(1, max[0])];
        for (int i = 0; i < perfs.length; i++) perfs[i] = new cudnnConvolutionBwdFilterAlgoPerf();
        int[] returned = new int[1];
        cudnnTensorDescriptor ad = (cudnnTensorDescriptor) x;
        cudnnTensorDescriptor bd = (cudnnTensorDescriptor) dy;
        cudnnConvolutionDescriptor convd = (cudnnConvolutionDescriptor) conv;
        cudnnFilterDescriptor cd = (cudnnFilterDescriptor) dw;
        int status = measure ? JCudnn.cudnnFindConvolutionBackwardFilterAlgorithm(handle, ad, bd, convd, cd, perfs.length, returned, perfs)
                : JCudnn.cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, ad, bd, convd, cd, perfs.length, returned, perfs);
        check(measure ? "cudnnFindConvolutionBackwardFilterAlgorithm" : "cudnnGetConvolutionBackwardFilterAlgorithm_v7", status);
        return first(returned[0], i -> new ConvAlgorithm(perfs[i].algo, perfs[i].status, perfs[i].time, perfs[i].memory,
                perfs[i].determinism, perfs[i].mathType));
    }

    @Override
    public long forwardWorkspace(NativePointerObject x, NativePointerObject w, NativePointerObject conv, NativePointerObject y,
                                 int algo) {
        long[] size = new long[1];
        check("cudnnGetConvolutionForwardWorkspaceSize", JCudnn.cudnnGetConvolutionForwardWorkspaceSize(handle,
                (cudnnTensorDescriptor) x, (cudnnFilterDescriptor) w, (cudnnConvolutionDescriptor) conv,
                (cudnnTensorDescriptor) y, algo, size));
        return size[0];
    }

    @Override
    public long backwardDataWorkspace(NativePointerObject w, NativePointerObject dy, NativePointerObject conv,
                                      NativePointerObject dx, int algo) {
        long[] size = new long[1];
        check("cudnnGetConvolutionBackwardDataWorkspaceSize", JCudnn.cudnnGetConvolutionBackwardDataWorkspaceSize(handle,
                (cudnnFilterDescriptor) w, (cudnnTensorDescriptor) dy, (cudnnConvolutionDescriptor) conv,
                (cudnnTensorDescriptor) dx, algo, size));
        return size[0];
    }

    @Override
    public long backwardFilterWorkspace(NativePointerObject x, NativePointerObject dy, NativePointerObject conv,
                                        NativePointerObject dw, int algo) {
        long[] size = new long[1];
        check("cudnnGetConvolutionBackwardFilterWorkspaceSize", JCudnn.cudnnGetConvolutionBackwardFilterWorkspaceSize(handle,
                (cudnnTensorDescriptor) x, (cudnnTensorDescriptor) dy, (cudnnConvolutionDescriptor) conv,
                (cudnnFilterDescriptor) dw, algo, size));
        return size[0];
    }

    @Override
    public void forward(NativePointerObject x, long xp, NativePointerObject w, long wp, NativePointerObject conv, int algo,
                        long ws, long wsBytes, NativePointerObject y, long yp) {
        check("cudnnConvolutionForward", JCudnn.cudnnConvolutionForward(handle, one, (cudnnTensorDescriptor) x, device(xp),
                (cudnnFilterDescriptor) w, device(wp), (cudnnConvolutionDescriptor) conv, algo, device(ws), wsBytes, zero,
                (cudnnTensorDescriptor) y, device(yp)));
    }

    @Override
    public void backwardData(NativePointerObject w, long wp, NativePointerObject dy, long dyp, NativePointerObject conv, int algo,
                             long ws, long wsBytes, NativePointerObject dx, long dxp) {
        check("cudnnConvolutionBackwardData", JCudnn.cudnnConvolutionBackwardData(handle, one, (cudnnFilterDescriptor) w,
                device(wp), (cudnnTensorDescriptor) dy, device(dyp), (cudnnConvolutionDescriptor) conv, algo, device(ws),
                wsBytes, zero, (cudnnTensorDescriptor) dx, device(dxp)));
    }

    @Override
    public void backwardFilter(NativePointerObject x, long xp, NativePointerObject dy, long dyp, NativePointerObject conv,
                               int algo, long ws, long wsBytes, NativePointerObject dw, long dwp) {
        check("cudnnConvolutionBackwardFilter", JCudnn.cudnnConvolutionBackwardFilter(handle, one, (cudnnTensorDescriptor) x,
                device(xp), (cudnnTensorDescriptor) dy, device(dyp), (cudnnConvolutionDescriptor) conv, algo, device(ws),
                wsBytes, zero, (cudnnFilterDescriptor) dw, device(dwp)));
    }

    @Override
    public void batchNormForwardTraining(NativePointerObject x, long xp, NativePointerObject y, long yp, NativePointerObject param,
                                         long gamma, long beta, double factor, long runMean, long runVar, double eps,
                                         long saveMean, long saveInvStd) {
        check("cudnnBatchNormalizationForwardTraining", JCudnn.cudnnBatchNormalizationForwardTraining(handle, BATCHNORM_SPATIAL,
                one, zero, (cudnnTensorDescriptor) x, device(xp), (cudnnTensorDescriptor) y, device(yp),
                (cudnnTensorDescriptor) param, device(gamma), device(beta), factor, deviceOrNull(runMean),
                deviceOrNull(runVar), eps, device(saveMean), device(saveInvStd)));
    }

    @Override
    public void batchNormForwardInference(NativePointerObject x, long xp, NativePointerObject y, long yp,
                                          NativePointerObject param, long gamma, long beta, long mean, long var, double eps) {
        check("cudnnBatchNormalizationForwardInference", JCudnn.cudnnBatchNormalizationForwardInference(handle,
                BATCHNORM_SPATIAL, one, zero, (cudnnTensorDescriptor) x, device(xp), (cudnnTensorDescriptor) y, device(yp),
                (cudnnTensorDescriptor) param, device(gamma), device(beta), device(mean), device(var), eps));
    }

    @Override
    public void batchNormBackward(NativePointerObject x, long xp, NativePointerObject dy, long dyp, NativePointerObject dx,
                                  long dxp, NativePointerObject param, long gamma, long dgamma, long dbeta, double eps,
                                  long saveMean, long saveInvStd) {
        check("cudnnBatchNormalizationBackward", JCudnn.cudnnBatchNormalizationBackward(handle, BATCHNORM_SPATIAL, one, zero,
                one, zero, (cudnnTensorDescriptor) x, device(xp), (cudnnTensorDescriptor) dy, device(dyp),
                (cudnnTensorDescriptor) dx, device(dxp), (cudnnTensorDescriptor) param, device(gamma), device(dgamma),
                device(dbeta), eps, device(saveMean), device(saveInvStd)));
    }

    @Override
    public void close() {
        JCudnn.cudnnDestroy(handle);
    }
}
