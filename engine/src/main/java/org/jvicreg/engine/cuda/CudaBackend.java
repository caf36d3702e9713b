package org.jvicreg.engine.cuda;

import org.jvicreg.engine.backend.Backend;
import org.jvicreg.engine.backend.Operand;
import org.jvicreg.engine.backend.BatchLastByPermute;
import org.jvicreg.engine.backend.BatchNormCall;
import org.jvicreg.engine.backend.BinaryOp;
import org.jvicreg.engine.backend.ConvGeometry;
import org.jvicreg.engine.backend.PoolGeometry;
import org.jvicreg.engine.backend.ReduceOp;
import org.jvicreg.engine.backend.SgdStep;
import org.jvicreg.engine.backend.Storage;
import org.jvicreg.engine.backend.UnaryOp;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The Backend on an NVIDIA GPU. JCuda's driver API owns the context, memory, copies and launches
 * ({@link JCudaDevice}); matrix products go to cuBLAS ({@link Blas}), convolutions to cuDNN
 * ({@link Dnn}), each through JCublas2/JCudnn where their natives bind and through the JDK's FFM API
 * otherwise; everything else is the project's own kernels ({@link KernelModules}). Device memory
 * comes from a caching allocator and returns to it when memory scopes close.
 *
 * <p>float32 GEMM and convolutions run in full float32 unless TF32 is allowed
 * ({@link CudaOptions#tf32()}, {@link #setTf32}).
 */
public final class CudaBackend implements Backend {
    private static final System.Logger LOG = System.getLogger("org.jvicreg.engine.cuda");

    private final DeviceRuntime device;
    private final DeviceAllocator allocator;
    private final Workspace workspace;
    private final Blas blas;
    private final Dnn dnn;
    private final String description;
    /** Why plain batch norm no longer goes to cuDNN (a missing function, or a call that failed), or null. */
    private volatile String cudnnBatchNormOff;
    private volatile boolean tf32;
    private volatile boolean convBenchmark;
    private volatile String convolutionPath;

    /**
     * A backend on {@code device} with the given cuBLAS provider and, from the backend's convolution
     * workspace, its cuDNN provider; tf32, convBenchmark and cudnnGraph as {@link CudaOptions}.
     */
    CudaBackend(DeviceRuntime device, ProviderChoice.Choice<Blas> b, Function<Workspace, ProviderChoice.Choice<Dnn>> dnnFor,
                boolean tf32, boolean convBenchmark, boolean cudnnGraph) {
        this.device = device;
        device.bind();
        allocator = new DeviceAllocator(device);
        workspace = new Workspace(allocator);
        ProviderChoice.Choice<Dnn> d = dnnFor.apply(workspace);
        blas = b.provider();
        dnn = d.provider();
        this.tf32 = tf32;
        this.convBenchmark = convBenchmark;
        convolutionPath = dnn.setGraphApi(cudnnGraph);
        cudnnBatchNormOff = dnn.batchNormUnavailable();
        description = "cuda: " + device.describe()
                + "\n  BLAS: " + blas.describe() + rejected(b.rejected())
                + "\n  DNN:  " + dnn.describe() + rejected(d.rejected());
    }

    /** Opens the device named by the options; throws with the reason when CUDA cannot run here. */
    public static CudaBackend open(CudaOptions options) {
        DeviceRuntime device = new JCudaDevice(options.device());
        LibraryLocator locator = LibraryLocator.forSystem(options);
        CudaBackend b = new CudaBackend(device, ProviderChoice.first("cuBLAS", blasCandidates(options, locator)),
                ws -> CudaBackendProvider.withPrivateNatives(
                        () -> ProviderChoice.first("cuDNN", dnnCandidates(options, locator, ws, device::synchronize))), options.tf32(),
                options.benchmark(), options.cudnnGraph());
        LOG.log(System.Logger.Level.INFO, b.describe());
        return b;
    }

    private static String rejected(List<String> reasons) {
        return reasons.isEmpty() ? "" : "; did not load: " + String.join("; ", reasons);
    }

    static List<ProviderChoice.Candidate<Blas>> blasCandidates(CudaOptions o, LibraryLocator locator) {
        List<ProviderChoice.Candidate<Blas>> out = new ArrayList<>();
        if (o.provider().allowsJCuda()) out.add(new ProviderChoice.Candidate<>("JCublas2 12.6.0", JCublasBlas::open));
        if (o.provider().allowsFfm()) {
            List<LibraryLocator.Found> found = locator.find("cublas");
            for (LibraryLocator.Found f : found) {
                out.add(new ProviderChoice.Candidate<>("FFM " + f.path(), () -> FfmCublas.open(f)));
            }
            if (found.isEmpty()) out.add(notFound("libcublas.so.*", locator));
        }
        return out;
    }

    static List<ProviderChoice.Candidate<Dnn>> dnnCandidates(CudaOptions o, LibraryLocator locator, Workspace ws,
                                                             Runnable synchronize) {
        List<ProviderChoice.Candidate<Dnn>> out = new ArrayList<>();
        if (o.provider().allowsJCuda()) {
            out.add(new ProviderChoice.Candidate<>("JCudnn 11.7.0", () -> new Cudnn<>(JCudnnApi.open(), ws, synchronize)));
        }
        if (o.provider().allowsFfm()) {
            List<LibraryLocator.Found> found = locator.find("cudnn");
            for (LibraryLocator.Found f : found) {
                out.add(new ProviderChoice.Candidate<>("FFM " + f.path(), () -> new Cudnn<>(FfmCudnnApi.open(f), ws, synchronize)));
            }
            if (found.isEmpty()) out.add(notFound("libcudnn.so.*", locator));
        }
        return out;
    }

    private static <T> ProviderChoice.Candidate<T> notFound(String what, LibraryLocator locator) {
        return new ProviderChoice.Candidate<>("FFM", () -> {
            throw new IllegalStateException("no " + what + " in " + locator.dirs() + "; name its directory with -D"
                    + CudaOptions.LIBS_PROPERTY + " or " + CudaOptions.LIBS_ENV);
        });
    }

    /**
     * The device, the providers in use (and why the others did not load), and the settings as they are
     * now: TF32, how convolution algorithms are chosen, where batch norm runs.
     */
    public String describe() {
        String off = cudnnBatchNormOff;
        return description
                + "\n  TF32 " + (tf32 ? "on" : "off") + " (" + CudaOptions.TF32_PROPERTY + "), convolution algorithms "
                + (convBenchmark ? "timed per shape" : "from cuDNN's heuristics") + " (" + CudaOptions.BENCHMARK_PROPERTY + ")"
                + "\n  convolutions: cuDNN " + convolutionPath + " (" + CudaOptions.CUDNN_GRAPH_PROPERTY + ")"
                + "\n  batch norm: " + (off == null ? "cuDNN, fused with add/ReLU on the project's kernels"
                : "the project's kernels (not cuDNN: " + off + ")");
    }

    public boolean tf32() {
        return tf32;
    }

    /** Lets (true) or forbids (false) TF32 tensor cores for float32 GEMM and convolutions from now on. */
    public void setTf32(boolean allow) {
        tf32 = allow;
    }

    public boolean convBenchmark() {
        return convBenchmark;
    }

    /**
     * From now on, choose each new convolution shape's cuDNN algorithm by timing them all once (true,
     * PyTorch's {@code cudnn.benchmark}) or by cuDNN's heuristics (false, the default; see
     * {@link CudaOptions#benchmark}). Shapes already planned under the other setting keep their choice.
     */
    public void setConvBenchmark(boolean measure) {
        convBenchmark = measure;
    }

    /**
     * Runs convolutions from now on through cuDNN's graph API with an execution plan kept per shape (true,
     * the default where the library has the API) or through the legacy cudnnConvolution* calls (false).
     */
    public void setCudnnGraph(boolean on) {
        convolutionPath = dnn.setGraphApi(on);
    }

    /** The caching allocator's counters (bytes in use, cached, peak; see {@link DeviceAllocator.Stats}). */
    public String memoryStats() {
        return allocator.stats().toString();
    }

    DeviceAllocator.Stats allocatorStats() {
        return allocator.stats();
    }

    /** Bytes of device memory currently handed out to live buffers. */
    public long bytesInUse() {
        return allocator.stats().inUse();
    }

    /** Returns cached, unused device memory to the driver. */
    public void emptyCache() {
        device.bind();
        allocator.emptyCache();
    }

    // ---- helpers for the kernel-launch classes ---------------------------------------------------

    DeviceRuntime device() {
        return device;
    }

    int multiprocessors() {
        return device.multiprocessors();
    }

    /** The device address of a tensor's first element. */
    long address(Operand t) {
        if (!(t.storage() instanceof CudaStorage s) || s.backend() != this) {
            throw new IllegalArgumentException("expected a CUDA tensor, got one on " + t.storage().backend().name());
        }
        return s.address() + t.offset() * Float.BYTES;
    }

    void launch(LaunchGeometry g, KernelArgs args) {
        device.launch(g, args);
    }

    /** Scratch device memory for one operation; give it back with {@link #release} once its kernels are queued. */
    DeviceAllocator.Block scratch(long bytes) {
        return allocator.allocate(bytes);
    }

    void release(DeviceAllocator.Block block) {
        allocator.free(block);
    }

    // ---- Backend -------------------------------------------------------------------------------------

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Storage allocate(long numel) {
        CudaStorage s = storage(numel);
        device.memset32(s.address(), 0, numel);
        return s;
    }

    @Override
    public Storage allocateUninitialized(long numel) {
        return storage(numel);
    }

    /** A new buffer of numel floats from the caching allocator, contents as the allocator left them. */
    private CudaStorage storage(long numel) {
        device.bind();
        return new CudaStorage(this, allocator, numel);
    }

    @Override
    public Storage upload(float[] host, int off, int n) {
        CudaStorage s = storage(n);
        device.upload(host, off, n, s.address());
        return s;
    }

    @Override
    public void download(Operand src, float[] dst, int dstOff) {
        device.download(address(src), dst, dstOff, src.numel());
    }

    @Override
    public void fill(Operand dst, float value) {
        device.memset32(address(dst), Float.floatToRawIntBits(value), dst.numel());
    }

    @Override
    public void copyStrided(Operand src, long srcOff, long[] srcStrides, int[] shape, Operand dst, long dstOff, long[] dstStrides) {
        CudaPointwise.copyStrided(this, src, srcOff, srcStrides, shape, dst, dstOff, dstStrides);
    }

    @Override
    public void unary(UnaryOp op, Operand x, Operand y, float a, float b) {
        CudaPointwise.unary(this, op, x, y, a, b);
    }

    @Override
    public void binary(BinaryOp op, Operand a, long[] aStrides, Operand b, long[] bStrides, Operand y) {
        CudaPointwise.binary(this, op, a, aStrides, b, bStrides, y);
    }

    @Override
    public void axpy(float alpha, Operand x, Operand y) {
        CudaPointwise.axpy(this, alpha, x, y);
    }

    @Override
    public void sgdStep(SgdStep step, Operand p, Operand g, Operand buf, boolean first) {
        CudaPointwise.sgdStep(this, step, p, g, buf, first);
    }

    @Override
    public void movingAverage(float decay, Operand x, Operand average) {
        CudaPointwise.movingAverage(this, decay, x, average);
    }

    @Override
    public void where(Operand cond, long[] cs, Operand a, long[] as, Operand b, long[] bs, Operand y) {
        CudaPointwise.where(this, cond, cs, a, as, b, bs, y);
    }

    @Override
    public void reduce(ReduceOp op, Operand x, int outer, int n, int inner, Operand y) {
        CudaReduce.reduce(this, op, x, outer, n, inner, y);
    }

    @Override
    public void gatherAxis(Operand x, int outer, int n, int inner, Operand idx, Operand y) {
        CudaReduce.gather(this, x, outer, n, inner, idx, y);
    }

    @Override
    public void scatterAxis(Operand src, int outer, int n, int inner, Operand idx, Operand y) {
        CudaReduce.scatter(this, src, outer, n, inner, idx, y);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     Operand a, long aOff, int lda, long strideA, Operand b, long bOff, int ldb, long strideB,
                     float beta, Operand c, long cOff, int ldc, long strideC, int batch) {
        device.bind();
        blas.sgemm(GemmCall.fromRowMajor(transA, transB, m, n, k,
                address(a) + aOff * Float.BYTES, lda, strideA, address(b) + bOff * Float.BYTES, ldb, strideB,
                address(c) + cOff * Float.BYTES, ldc, strideC, batch), alpha, beta, tf32);
    }

    private static boolean empty(ConvGeometry g) {
        return g.n() == 0 || g.k() == 0 || g.c() == 0 || g.p() <= 0 || g.q() <= 0;
    }

    /** The result of a convolution with nothing to sum: zeros (the output may be uninitialized). */
    private void zeros(Operand out) {
        if (out.numel() > 0) fill(out, 0f);
    }

    @Override
    public void conv2dForward(ConvGeometry g, Operand x, Operand w, Operand y) {
        if (g.isBatchLast()) {
            BatchLastByPermute.forward(this, g, x, w, y);
            return;
        }
        if (empty(g)) {
            zeros(y);
            return;
        }
        device.bind();
        dnn.convForward(g, address(x), address(w), address(y), tf32, convBenchmark);
    }

    @Override
    public void conv2dBackwardData(ConvGeometry g, Operand dy, Operand w, Operand dx) {
        if (g.isBatchLast()) {
            BatchLastByPermute.backwardData(this, g, dy, w, dx);
            return;
        }
        if (empty(g)) {
            zeros(dx);
            return;
        }
        device.bind();
        dnn.convBackwardData(g, address(dy), address(w), address(dx), tf32, convBenchmark);
    }

    @Override
    public void conv2dBackwardFilter(ConvGeometry g, Operand x, Operand dy, Operand dw) {
        if (g.isBatchLast()) {
            BatchLastByPermute.backwardFilter(this, g, x, dy, dw);
            return;
        }
        if (empty(g)) {
            zeros(dw);
            return;
        }
        device.bind();
        dnn.convBackwardFilter(g, address(x), address(dy), address(dw), tf32, convBenchmark);
    }

    /**
     * The epsilon cuDNN gets for a batch norm that goes to it, else NaN: plain batch norm goes to cuDNN;
     * batch norm fused with a residual add or ReLU (which cuDNN's float32 NCHW API does not fuse), an
     * epsilon below cuDNN's bound, or an empty shape runs on the project's kernels (CudaBatchNorm). The
     * float's shortest decimal (1e-5f as 1e-5) is what the user wrote.
     */
    private double cudnnEpsilon(BatchNormCall call) {
        double e = Double.parseDouble(Float.toString(call.eps()));
        boolean plain = call.plain() && call.n() > 0 && call.c() > 0 && call.hw() > 0;
        return plain && e >= Dnn.BATCH_NORM_MIN_EPSILON && cudnnBatchNormOff == null ? e : Double.NaN;
    }

    /**
     * Runs one cuDNN batch-norm call; if cuDNN refuses it, says why (once, as a warning), sends batch norm
     * to the project's kernels from then on and returns false, so the caller runs them instead. Their
     * saved statistics (mean, 1 / sqrt(var + eps)) are cuDNN's, so either backward follows either forward.
     */
    private boolean ranOnCudnn(Runnable call) {
        try {
            device.bind();
            call.run();
            return true;
        } catch (CudaError e) {
            cudnnBatchNormOff = e.getMessage();
            LOG.log(System.Logger.Level.WARNING, "cuda: batch norm falls back to the project's kernels: " + e.getMessage());
            return false;
        }
    }

    @Override
    public void batchNormForward(BatchNormCall call, Operand x, BatchNormCall.Statistics statistics, Operand y) {
        double e = cudnnEpsilon(call);
        int n = call.n(), c = call.c(), hw = call.hw();
        switch (statistics) {
            case BatchNormCall.FromBatch s -> {
                boolean running = s.runMean() != null && s.runVar() != null;
                if (Double.isNaN(e) || !ranOnCudnn(() -> dnn.batchNormTrain(n, c, hw, address(x), address(y),
                        address(call.gamma()), address(call.beta()), s.momentum(), running ? address(s.runMean()) : 0,
                        running ? address(s.runVar()) : 0, e, address(s.saveMean()), address(s.saveInvStd())))) {
                    CudaBatchNorm.train(this, call, s, x, y);
                }
            }
            case BatchNormCall.Given s -> {
                if (Double.isNaN(e) || !ranOnCudnn(() -> dnn.batchNormEval(n, c, hw, address(x), address(y),
                        address(call.gamma()), address(call.beta()), address(s.mean()), address(s.var()), e))) {
                    CudaBatchNorm.given(this, call, s, x, y);
                }
            }
        }
    }

    @Override
    public void batchNormBackward(BatchNormCall call, Operand x, Operand y, Operand dy, Operand saveMean, Operand saveInvStd,
                                  BatchNormCall.Gradients out) {
        double e = cudnnEpsilon(call);
        if (Double.isNaN(e) || !ranOnCudnn(() -> dnn.batchNormBackward(call.n(), call.c(), call.hw(), address(x), address(dy),
                address(out.dx()), address(call.gamma()), address(out.dgamma()), address(out.dbeta()), e, address(saveMean),
                address(saveInvStd)))) {
            CudaBatchNorm.backward(this, call, x, y, dy, saveMean, saveInvStd, out);
        }
    }

    @Override
    public void maxPool2dForward(PoolGeometry g, Operand x, Operand y) {
        CudaPool.maxForward(this, g, x, y);
    }

    @Override
    public void maxPool2dBackward(PoolGeometry g, Operand x, Operand dy, Operand dx) {
        CudaPool.maxBackward(this, g, x, dy, dx);
    }

    @Override
    public void avgPool2dForward(PoolGeometry g, Operand x, Operand y) {
        CudaPool.avgForward(this, g, x, y);
    }

    @Override
    public void avgPool2dBackward(PoolGeometry g, Operand dy, Operand dx) {
        CudaPool.avgBackward(this, g, dy, dx);
    }

    @Override
    public void adaptiveAvgPool2dForward(int nc, int h, int w, int oh, int ow, Operand x, Operand y) {
        CudaPool.adaptiveAvgForward(this, nc, h, w, oh, ow, x, y);
    }

    @Override
    public void adaptiveAvgPool2dBackward(int nc, int h, int w, int oh, int ow, Operand dy, Operand dx) {
        CudaPool.adaptiveAvgBackward(this, nc, h, w, oh, ow, dy, dx);
    }

    @Override
    public void softmax(int outer, int n, int inner, Operand x, Operand y, boolean log) {
        CudaReduce.softmax(this, outer, n, inner, x, y, log);
    }

    @Override
    public void softmaxBackward(int outer, int n, int inner, Operand y, Operand dy, Operand dx, boolean log) {
        CudaReduce.softmaxBackward(this, outer, n, inner, y, dy, dx, log);
    }

    @Override
    public void columnStdHinge(int n, int d, Operand z, float eps, Operand zc, Operand std, Operand hingeGrad) {
        if (n < 2) throw new IllegalArgumentException("column std and hinge need n >= 2 rows, got " + n);
        if (d == 0) return;
        launch(LaunchGeometry.columns(n, d), KernelArgs.of(Kernel.COLUMN_STD_HINGE)
                .ptr(address(z)).ptr(address(zc)).ptr(address(std)).ptr(address(hingeGrad)).i32(n).i32(d).f32(eps));
    }

    @Override
    public void synchronize() {
        device.synchronize();
    }

    @Override
    public String toString() {
        return "cuda (" + device + ", convolution algorithms " + (convBenchmark ? "timed" : "from cuDNN's heuristics") + ")";
    }
}
