package org.jvicreg.engine.cuda;

import org.jvicreg.engine.backend.BatchNormCalls;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Device;
import org.jvicreg.engine.F;
import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Memory;
import org.jvicreg.engine.Profiler;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.Backend;
import org.jvicreg.engine.backend.BinaryOp;
import org.jvicreg.engine.backend.ConvGeometry;
import org.jvicreg.engine.backend.PoolGeometry;
import org.jvicreg.engine.backend.ReduceOp;
import org.jvicreg.engine.backend.UnaryOp;
import org.jvicreg.engine.cpu.CpuBackend;

import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every Backend primitive on random inputs, on the GPU against the CPU backend: relative error at most
 * 1e-4 in float32 with TF32 off (1e-3 where a test turns TF32 on). Where there is no CUDA device the
 * same tests run the real launch code, kernels and FFM bindings on {@link EmulatedDevice} (g++ builds the
 * kernels and a host cuBLAS/cuDNN); without g++ either, they are skipped. With
 * -Djvicreg.cuda.required=true (native-kernels/gpu-check.sh) a missing GPU is a failure.
 */
class CudaBackendTest {
    /** Set on GPU machines (native-kernels/gpu-check.sh) so that CUDA failing to start fails instead of skipping. */
    static final String REQUIRED = "jvicreg.cuda.required";
    private static final Backend CPU = CpuBackend.INSTANCE;
    private static CudaBackend gpu;
    private static boolean emulated;
    private static EmulatedDevice emulator;
    private final Rng rng = new Rng(42);

    @BeforeAll
    static void open() throws Throwable {
        if (Device.cudaAvailable()) {
            gpu = (CudaBackend) Device.cuda().backend();
        } else {
            if (Boolean.getBoolean(REQUIRED)) {
                fail("CUDA is required here (-D" + REQUIRED + ") but unavailable: " + Device.cudaUnavailableReason());
            }
            emulator = EmulatedDevice.load();
            assumeTrue(emulator != null, () -> "no CUDA here (" + Device.cudaUnavailableReason() + ") and no g++ to emulate it");
            gpu = emulator.backend();
            emulated = true;
        }
        gpu.setTf32(false);
        System.out.println(gpu.describe());
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private Tensor randn(int... shape) {
        return Tensor.randn(rng, shape);
    }

    /** Uniform on [lo, hi). */
    private Tensor uniform(float lo, float hi, int... shape) {
        Tensor u = Tensor.rand(rng, shape);
        float[] v = u.toArray();
        for (int i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * v[i];
        return Tensor.of(v, shape);
    }

    private static Tensor onGpu(Tensor cpu) {
        return Tensor.fromStorage(gpu.upload(cpu.toArray(), 0, cpu.numel()), cpu.shape());
    }

    private static Tensor cpuOut(int... shape) {
        return Tensor.allocate(CPU, shape);
    }

    /**
     * An output buffer as the ops allocate it: uninitialized (all NaN on the emulator, whatever the
     * caching allocator held on a GPU), so a kernel that does not write every output element fails.
     */
    private static Tensor gpuOut(int... shape) {
        return Tensor.uninitialized(gpu, shape);
    }

    /** |gpu - cpu| <= tol * max(1, |cpu|) elementwise, NaN matching NaN. */
    static void assertClose(String what, Tensor expectedCpu, Tensor actualGpu, double tol) {
        float[] e = expectedCpu.toArray(), a = actualGpu.toArray();
        assertEquals(e.length, a.length, what + ": sizes");
        for (int i = 0; i < e.length; i++) {
            if (Float.isNaN(e[i]) && Float.isNaN(a[i])) continue;
            double err = Math.abs((double) e[i] - a[i]) / Math.max(1.0, Math.abs(e[i]));
            if (!(err <= tol)) fail(what + ": element " + i + " is " + a[i] + " on the GPU, " + e[i] + " on the CPU");
        }
    }

    /** max |gpu - cpu| <= tol * max |cpu|: the error measure of the "relative error" for whole outputs. */
    static void assertNormClose(String what, Tensor expectedCpu, Tensor actualGpu, double tol) {
        float[] e = expectedCpu.toArray(), a = actualGpu.toArray();
        assertEquals(e.length, a.length, what + ": sizes");
        double maxErr = 0, maxRef = 0;
        int worst = 0;
        for (int i = 0; i < e.length; i++) {
            double err = Math.abs((double) e[i] - a[i]);
            if (!(err <= maxErr)) { // NaN counts as the worst
                maxErr = err;
                worst = i;
            }
            maxRef = Math.max(maxRef, Math.abs(e[i]));
        }
        if (!(maxErr <= tol * maxRef)) {
            fail(what + ": largest error " + maxErr + " (element " + worst + ": " + a[worst] + " on the GPU, " + e[worst]
                    + " on the CPU) over largest value " + maxRef);
        }
    }

    static void assertClose(String what, Tensor expectedCpu, Tensor actualGpu) {
        assertClose(what, expectedCpu, actualGpu, 1e-4);
    }

    // ---- memory -------------------------------------------------------------------------------------

    @Test
    void uploadDownloadFillAndZeroedAllocation() {
        Tensor x = randn(3, 1000);
        assertClose("round trip", x, onGpu(x), 0);
        Tensor z = Tensor.allocate(gpu, 5000);
        assertClose("zeros", cpuOut(5000), z, 0);
        gpu.fill(z, 2.5f);
        assertClose("fill", Tensor.full(2.5f, 5000), z, 0);
        Tensor big = randn(PinnedBuffer.CHUNK_FLOATS + 17);
        assertClose("chunked transfer", big, onGpu(big), 0);
    }

    @Test
    void scopesReturnMemoryToTheAllocator() {
        long before = gpu.bytesInUse();
        try (var scope = Memory.scope()) {
            Tensor a = gpuOut(1 << 20);
            Tensor b = gpuOut(1 << 20);
            assertTrue(gpu.bytesInUse() >= before + 8L * (1 << 20));
            scope.keep(b);
            a.backend().fill(a, 1f);
        }
        assertTrue(gpu.bytesInUse() >= before + 4L * (1 << 20), "the kept tensor stays");
        Tensor state;
        try (var outer = Memory.scope()) {
            try (var inner = Memory.scope()) {
                state = Memory.persistent(gpuOut(16));
                state.backend().fill(state, 2f);
            }
        }
        assertEquals(32f, state.sum().item(), "a persistent tensor outlives every scope it was made in");
    }

    @Test
    void aBufferTheCollectorFreesWaitsForTheNextTensorAllocation() throws InterruptedException {
        int before = gpu.allocatorStats().collected();
        var storage = new java.lang.ref.WeakReference<>(gpuOut(1 << 16).storage()); // outside every scope, unreachable
        for (int i = 0; i < 100 && gpu.allocatorStats().collected() == before; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertTrue(storage.get() == null && gpu.allocatorStats().collected() > before,
                "the cleaner thread handed the block over: " + gpu.memoryStats());
        gpuOut(16); // a tensor allocation comes between backend calls
        assertEquals(0, gpu.allocatorStats().collected(), gpu.memoryStats());
    }

    @Test
    void aScopeHoldsItsDeviceBuffersUntilItCloses() {
        long before = gpu.bytesInUse();
        try (var scope = Memory.scope()) {
            gpuOut(1 << 20); // unreachable at once
            for (int i = 0; i < 5; i++) System.gc();
            // held strongly (Storage.collectableInScope): freed when the scope closes, not when the collector runs
            assertEquals(1, scope.size());
            assertTrue(gpu.bytesInUse() >= before + 4L * (1 << 20), "the scope still holds the buffer");
        }
        assertTrue(gpu.bytesInUse() <= before, "a scope's release frees at once: " + gpu.memoryStats());
    }

    @Test
    void backwardGivesTheGradientsItConsumedBackToTheAllocator() throws InterruptedException {
        System.gc(); // storages earlier tests left unreachable go back now, not while this test measures
        Thread.sleep(100);
        int rows = 512, cols = 512;
        long one = 4L * rows * cols;
        try (var scope = Memory.scope()) {
            Tensor x = onGpu(Tensor.randn(new Rng(3), rows, cols)).requiresGrad(true);
            Tensor h = x;
            for (int i = 0; i < 8; i++) h = h.mul(2f); // each backward step makes one gradient of x's size
            Tensor loss = h.sum(), seed = onGpu(Tensor.scalar(1f));
            long before = gpu.bytesInUse();
            loss.backward(seed);
            long grown = gpu.bytesInUse() - before;
            // x.grad stays; of the nine gradients the pass made (sum, eight products) one at most is left
            // waiting for the scope, where all nine would be without recycling
            assertTrue(grown <= 2 * one, "backward kept " + grown / one + " gradients' worth of device memory: " + gpu.memoryStats());
            assertClose("x.grad", Tensor.full(256f, rows, cols), x.grad(), 0);
        }
    }

    // ---- pointwise ----------------------------------------------------------------------------------

    @Test
    void everyUnaryOp() {
        for (UnaryOp op : UnaryOp.values()) {
            boolean positive = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT || op == UnaryOp.POW;
            Tensor x = positive ? uniform(0.1f, 4f, 37, 29) : randn(37, 29);
            float a = op == UnaryOp.POW ? 1.7f : -0.5f, b = 0.75f;
            Tensor ec = cpuOut(37, 29), eg = gpuOut(37, 29);
            CPU.unary(op, x, ec, a, b);
            gpu.unary(op, onGpu(x), eg, a, b);
            assertClose("unary " + op, ec, eg);
        }
        Tensor x = randn(100), xg = onGpu(x);
        gpu.unary(UnaryOp.MUL_SCALAR, xg, xg, 3f, 0f);
        CPU.unary(UnaryOp.MUL_SCALAR, x, x, 3f, 0f);
        assertClose("in place", x, xg);
    }

    @Test
    void everyBinaryOpWithBroadcasting() {
        int[] shape = {4, 5, 6};
        long[] full = Shape.strides(shape);
        long[] row = {0, 0, 1};        // a (6) vector broadcast over (4, 5)
        long[] transposed = {1, 4 * 6, 4}; // a (6, 5, 4) tensor read transposed
        for (BinaryOp op : BinaryOp.values()) {
            Tensor a = op == BinaryOp.POW ? uniform(0.5f, 2f, 4, 5, 6) : randn(4, 5, 6);
            Tensor b6 = op == BinaryOp.POW ? uniform(-1f, 2f, 6) : randn(6);
            Tensor bt = randn(6, 5, 4);
            if (op == BinaryOp.EQ) b6 = Tensor.of(new float[6], 6);
            for (long[][] st : new long[][][] {{full, full}, {full, row}, {row, full}, {transposed, full}}) {
                Tensor left = st[0] == row ? b6 : st[0] == transposed ? bt : a;
                Tensor right = st[1] == row ? b6 : a;
                Tensor ec = cpuOut(shape), eg = gpuOut(shape);
                CPU.binary(op, left, st[0], right, st[1], ec);
                gpu.binary(op, onGpu(left), st[0], onGpu(right), st[1], eg);
                assertClose("binary " + op, ec, eg);
            }
        }
    }

    @Test
    void whereCopyStridedAxpyAndMovingAverage() {
        int[] shape = {3, 4, 5};
        long[] full = Shape.strides(shape);
        Tensor c = Tensor.rand(rng, shape), a = randn(shape), b = randn(5);
        Tensor ec = cpuOut(shape), eg = gpuOut(shape);
        long[] cond = full, bs = {0, 0, 1};
        CPU.where(c.sub(0.5f), cond, a, full, b, bs, ec);
        gpu.where(onGpu(c.sub(0.5f)), cond, onGpu(a), full, onGpu(b), bs, eg);
        assertClose("where", ec, eg);

        // permute (3, 4, 5) -> (5, 3, 4) written into the middle of a larger buffer
        Tensor src = randn(3, 4, 5), dc = cpuOut(70), dg = Tensor.allocate(gpu, 70); // partly written: zeros around
        int[] outShape = {5, 3, 4};
        long[] srcSt = {1, 20, 5}, dstSt = Shape.strides(outShape);
        CPU.copyStrided(src, 0, srcSt, outShape, dc, 7, dstSt);
        gpu.copyStrided(onGpu(src), 0, srcSt, outShape, dg, 7, dstSt);
        assertClose("copyStrided permute", dc, dg, 0);
        // expand: a (4) row read with stride 0 into a (3, 4) block
        CPU.copyStrided(src, 2, new long[] {0, 1}, new int[] {3, 4}, dc, 50, new long[] {4, 1});
        gpu.copyStrided(onGpu(src), 2, new long[] {0, 1}, new int[] {3, 4}, dg, 50, new long[] {4, 1});
        assertClose("copyStrided expand", dc, dg, 0);
        CPU.copyStrided(src, 5, new long[] {1}, new int[] {40}, dc, 1, new long[] {1});
        gpu.copyStrided(onGpu(src), 5, new long[] {1}, new int[] {40}, dg, 1, new long[] {1});
        assertClose("copyStrided contiguous", dc, dg, 0);

        Tensor x = randn(1000), y = randn(1000), yg = onGpu(y);
        CPU.axpy(-0.3f, x, y);
        gpu.axpy(-0.3f, onGpu(x), yg);
        assertClose("axpy", y, yg);

        for (float decay : new float[] {0.996f, 0.5f, 1f}) { // bit for bit: no fused multiply-add on either side
            Tensor avg = randn(1000), avgG = onGpu(avg);
            CPU.movingAverage(decay, x, avg);
            gpu.movingAverage(decay, onGpu(x), avgG);
            assertClose("movingAverage " + decay, avg, avgG, 0);
        }
    }

    // ---- reductions, indexing, softmax -------------------------------------------------------------

    @Test
    void everyReductionAlongRowsAndColumns() {
        // the last two are long rows, reduced in chunks then over the chunks (CudaReduce.SPLIT_MIN)
        int[][] views = {{7, 300, 1}, {1, 5000, 1}, {4, 33, 50}, {1, 2048, 64}, {3, 1, 9}, {1, 70001, 1}, {2, 73733, 1}};
        for (ReduceOp op : ReduceOp.values()) {
            for (int[] v : views) {
                Tensor x = randn(v[0] * v[1] * v[2]);
                Tensor ec = cpuOut(v[0] * v[2]), eg = gpuOut(v[0] * v[2]);
                CPU.reduce(op, x, v[0], v[1], v[2], ec);
                gpu.reduce(op, onGpu(x), v[0], v[1], v[2], eg);
                assertClose("reduce " + op + " over " + java.util.Arrays.toString(v), ec, eg);
            }
        }
        for (ReduceOp op : ReduceOp.values()) {
            Tensor ec = cpuOut(6), eg = gpuOut(6);
            CPU.reduce(op, cpuOut(0), 2, 0, 3, ec);
            gpu.reduce(op, gpuOut(0), 2, 0, 3, eg);
            assertClose("reduce " + op + " over an empty axis", ec, eg, 0);
        }
        Tensor withNan = Tensor.of(new float[] {1, Float.NaN, 3, 2}, 4);
        Tensor eg = gpuOut(1);
        gpu.reduce(ReduceOp.ARGMAX, onGpu(withNan), 1, 4, 1, eg);
        assertEquals(1f, eg.item(), "a NaN is the maximum, as in Java");
        gpu.reduce(ReduceOp.MAX, onGpu(withNan), 1, 4, 1, eg);
        assertTrue(Float.isNaN(eg.item()));
    }

    @Test
    void gatherAndScatterAlongAnAxis() {
        int outer = 6, n = 10, inner = 3;
        Tensor x = randn(outer * n * inner);
        float[] idx = new float[outer * inner];
        for (int i = 0; i < idx.length; i++) idx[i] = (i * 7) % n;
        Tensor id = Tensor.of(idx, idx.length);
        Tensor ec = cpuOut(outer * inner), eg = gpuOut(outer * inner);
        CPU.gatherAxis(x, outer, n, inner, id, ec);
        gpu.gatherAxis(onGpu(x), outer, n, inner, onGpu(id), eg);
        assertClose("gather", ec, eg, 0);
        Tensor sc = cpuOut(outer * n * inner), sg = gpuOut(outer * n * inner);
        CPU.scatterAxis(ec, outer, n, inner, id, sc);
        gpu.scatterAxis(eg, outer, n, inner, onGpu(id), sg);
        assertClose("scatter", sc, sg, 0);
        idx[3] = n;
        Tensor bad = onGpu(Tensor.of(idx, idx.length));
        assertThrows(IndexOutOfBoundsException.class, () -> gpu.gatherAxis(onGpu(x), outer, n, inner, bad, eg));
    }

    @Test
    void softmaxAndLogSoftmaxWithGradients() {
        int[][] views = {{64, 10, 1}, {3, 1000, 1}, {2, 7, 5}};
        for (boolean log : new boolean[] {false, true}) {
            for (int[] v : views) {
                int size = v[0] * v[1] * v[2];
                Tensor x = randn(size).mul(3f), dy = randn(size);
                Tensor yc = cpuOut(size), yg = gpuOut(size);
                CPU.softmax(v[0], v[1], v[2], x, yc, log);
                gpu.softmax(v[0], v[1], v[2], onGpu(x), yg, log);
                assertClose("softmax log=" + log, yc, yg);
                Tensor dc = cpuOut(size), dg = gpuOut(size);
                CPU.softmaxBackward(v[0], v[1], v[2], yc, dy, dc, log);
                gpu.softmaxBackward(v[0], v[1], v[2], yg, onGpu(dy), dg, log);
                assertClose("softmax backward log=" + log, dc, dg);
            }
        }
    }

    // ---- dense algebra --------------------------------------------------------------------------------

    private void gemmCase(boolean ta, boolean tb, int m, int n, int k, int batch, boolean broadcastB, float beta, double tol) {
        int lda = ta ? m : k, ldb = tb ? k : n;
        long sa = (long) m * k, sb = broadcastB ? 0 : (long) k * n, sc = (long) m * n;
        Tensor a = randn(batch * m * k), b = randn((broadcastB ? 1 : batch) * k * n), c0 = randn(batch * m * n);
        Tensor cc = c0.copy(), cg = onGpu(c0);
        CPU.gemm(ta, tb, m, n, k, 0.5f, a, 0, lda, sa, b, 0, ldb, sb, beta, cc, 0, n, sc, batch);
        gpu.gemm(ta, tb, m, n, k, 0.5f, onGpu(a), 0, lda, sa, onGpu(b), 0, ldb, sb, beta, cg, 0, n, sc, batch);
        // the relative tolerance is per element; sums of k products carry sqrt(k) more rounding
        assertClose("gemm ta=" + ta + " tb=" + tb + " " + m + "x" + n + "x" + k + " batch " + batch, cc, cg,
                tol * Math.sqrt(Math.max(1, k)));
    }

    @Test
    void gemmTransposesBatchesAndBroadcasts() {
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                gemmCase(ta, tb, 33, 47, 65, 1, false, 0f, 1e-5);
                gemmCase(ta, tb, 16, 8, 300, 3, true, 1f, 1e-5);
            }
        }
        gemmCase(false, false, 256, 256, 2048, 1, false, 0f, 1e-5);
        gemmCase(false, false, 5, 7, 0, 2, false, 2f, 1e-5); // k = 0: C = beta * C
        gpu.setTf32(true);
        try {
            // TF32 keeps 10 mantissa bits: each product is off by up to 2^-11 relative, so elementwise bounds
            // fail on sums that cancel; the bound is on the largest error over the largest value
            int m = 128, n = 128, k = 512, batch = 2;
            Tensor a = randn(batch * m * k), b = randn(batch * k * n);
            Tensor cc = cpuOut(batch * m * n), cg = gpuOut(batch * m * n);
            CPU.gemm(false, true, m, n, k, 1f, a, 0, k, (long) m * k, b, 0, k, (long) k * n, 0f, cc, 0, n, (long) m * n, batch);
            gpu.gemm(false, true, m, n, k, 1f, onGpu(a), 0, k, (long) m * k, onGpu(b), 0, k, (long) k * n, 0f, cg, 0, n,
                    (long) m * n, batch);
            assertNormClose("gemm with TF32", cc, cg, 1e-3);
        } finally {
            gpu.setTf32(false);
        }
    }

    // ---- convolution ------------------------------------------------------------------------------------

    @Test
    void convolutionsForwardAndBothBackwards() {
        ConvGeometry[] cases = {
                new ConvGeometry(2, 3, 15, 13, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1),
                new ConvGeometry(2, 8, 16, 16, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1),
                new ConvGeometry(1, 8, 12, 12, 8, 3, 3, 1, 1, 2, 2, 2, 2, 4),
                new ConvGeometry(2, 16, 8, 8, 32, 1, 1, 1, 1, 0, 0, 1, 1, 1),
                new ConvGeometry(2, 3, 32, 32, 16, 7, 7, 2, 2, 3, 3, 1, 1, 1),
                new ConvGeometry(1, 4, 9, 11, 6, 2, 3, 1, 2, 0, 1, 1, 1, 2)};
        if (!emulated) { // ResNet-50's 1x1 and 3x3 layers and its stem on 64-pixel crops, batch 16
            cases = java.util.Arrays.copyOf(cases, cases.length + 5);
            cases[cases.length - 5] = new ConvGeometry(16, 64, 16, 16, 256, 1, 1, 1, 1, 0, 0, 1, 1, 1);
            cases[cases.length - 4] = new ConvGeometry(16, 256, 16, 16, 64, 1, 1, 1, 1, 0, 0, 1, 1, 1);
            cases[cases.length - 3] = new ConvGeometry(16, 256, 16, 16, 512, 1, 1, 2, 2, 0, 0, 1, 1, 1);
            cases[cases.length - 2] = new ConvGeometry(16, 64, 16, 16, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1);
            cases[cases.length - 1] = new ConvGeometry(16, 3, 64, 64, 64, 7, 7, 2, 2, 3, 3, 1, 1, 1);
        }
        for (ConvGeometry g : cases) convolutionCase(g);
    }

    /**
     * With algorithms timed per shape (cudnn.benchmark), results as with the heuristics' choice: through
     * the graph API, plans timed on the call's buffers; through the legacy API (grouped convolutions, or
     * the graph API off), cudnnFind*.
     */
    @Test
    void convolutionsWithMeasuredAlgorithms() {
        ConvGeometry plain = new ConvGeometry(2, 8, 16, 16, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1);
        ConvGeometry grouped = new ConvGeometry(1, 8, 12, 12, 8, 3, 3, 1, 1, 2, 2, 2, 2, 4);
        int findsBefore = emulated ? emulator.cudnnFindCalls() : 0, executesBefore = graphExecutes();
        gpu.setConvBenchmark(true);
        try {
            convolutionCase(plain);
            convolutionCase(grouped);
            // one measured ranking per direction of the grouped shape
            if (emulated) assertEquals(findsBefore + 3, emulator.cudnnFindCalls(), "cudnnFind* calls");
            // per direction, the emulator's two usable engines each run once to warm up and three times
            // timed, then the chosen one runs the call
            if (emulated) assertEquals(executesBefore + 3 * (2 * 4 + 1), graphExecutes(), "graph executions");
            // the heuristics rank the emulator's engine 1 first, but engine 0 is faster
            if (emulated) assertEquals(0, emulator.cudnnGraphLastEngine(), "measured engine");
            gpu.setCudnnGraph(false);
            convolutionCase(plain);
            if (emulated) assertEquals(findsBefore + 6, emulator.cudnnFindCalls(), "cudnnFind* calls, graph API off");
        } finally {
            gpu.setConvBenchmark(false);
            gpu.setCudnnGraph(true);
        }
    }

    /**
     * Convolutions run through the graph API's cached plans where one can be built (also on a pointer that
     * is only 4-byte aligned, which needs a plan of its own), through the legacy API where none can (the
     * emulated cuDNN offers no TF32-free engine for dilated convolutions) or when the graph API is off.
     */
    @Test
    void convolutionsRunThroughCudnnGraphPlansWhereTheyCan() {
        assertTrue(gpu.describe().contains("convolutions: cuDNN graph API"), gpu.describe());
        ConvGeometry plain = new ConvGeometry(2, 5, 9, 9, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        int before = graphExecutes();
        convolutionCase(plain);
        if (emulated) {
            assertEquals(before + 3, graphExecutes(), "graph executions, plain convolution");
            // the first engine that uses no tensor cores, compiles nothing at run time, keeps float32 inputs,
            // builds a plan and needs a workspace under the limit: the emulated one that needs 4 KiB
            assertEquals(1, emulator.cudnnGraphLastEngine(), "engine with TF32 off");
        }
        gpu.setTf32(true);
        try {
            Tensor x = randn(plain.n(), plain.c(), plain.h(), plain.w()), w = randn(plain.k(), plain.cg(), plain.r(), plain.s());
            forwardCase("conv forward with TF32", plain, x, w, onGpu(x), 1e-3);
            if (emulated) assertEquals(7, emulator.cudnnGraphLastEngine(), "engine with TF32 on: the tensor-core one");
        } finally {
            gpu.setTf32(false);
        }

        ConvGeometry dilated = new ConvGeometry(2, 4, 11, 11, 6, 3, 3, 1, 1, 2, 2, 2, 2, 1);
        before = graphExecutes();
        convolutionCase(dilated);
        if (emulated) assertEquals(before, graphExecutes(), "a convolution without a usable engine runs legacy");

        Rng r = new Rng(5);
        int numel = plain.n() * plain.c() * plain.h() * plain.w();
        Tensor x = Tensor.randn(r, plain.n(), plain.c(), plain.h(), plain.w());
        Tensor w = Tensor.randn(r, plain.k(), plain.cg(), plain.r(), plain.s());
        float[] shifted = new float[numel + 1];
        System.arraycopy(x.toArray(), 0, shifted, 1, numel);
        Tensor xOdd = onGpu(Tensor.of(shifted, numel + 1)).narrow(0, 1, numel).view(x.shape());
        before = graphExecutes();
        forwardCase("conv forward from a 4-byte aligned input", plain, x, w, xOdd, 1e-4);
        if (emulated) assertEquals(before + 1, graphExecutes(), "graph executions, 4-byte aligned input");

        gpu.setCudnnGraph(false);
        try {
            assertTrue(gpu.describe().contains("convolutions: cuDNN legacy API"), gpu.describe());
            before = graphExecutes();
            convolutionCase(plain);
            if (emulated) assertEquals(before, graphExecutes(), "graph API off");
        } finally {
            gpu.setCudnnGraph(true);
        }
    }

    private int graphExecutes() {
        return emulated ? emulator.cudnnGraphExecutes() : 0;
    }

    private void convolutionCase(ConvGeometry g) {
        Tensor x = randn(g.n(), g.c(), g.h(), g.w()), w = randn(g.k(), g.cg(), g.r(), g.s()).mul(0.3f);
        Tensor dy = randn(g.n(), g.k(), g.p(), g.q());
        // largest error over largest value (cuDNN may pick Winograd or FFT algorithms, whose rounding is
        // spread over the whole output rather than per element)
        forwardCase("conv forward " + g, g, x, w, onGpu(x), 1e-4);
        Tensor dxc = cpuOut(g.n(), g.c(), g.h(), g.w()), dxg = gpuOut(g.n(), g.c(), g.h(), g.w());
        CPU.conv2dBackwardData(g, dy, w, dxc);
        gpu.conv2dBackwardData(g, onGpu(dy), onGpu(w), dxg);
        assertNormClose("conv backward data " + g, dxc, dxg, 1e-4);
        Tensor dwc = cpuOut(g.k(), g.cg(), g.r(), g.s()), dwg = gpuOut(g.k(), g.cg(), g.r(), g.s());
        CPU.conv2dBackwardFilter(g, x, dy, dwc);
        gpu.conv2dBackwardFilter(g, onGpu(x), onGpu(dy), dwg);
        assertNormClose("conv backward filter " + g, dwc, dwg, 1e-4);
    }

    /** conv2dForward of x and w on the CPU against the GPU's of xg (x on the device) and w, within tol. */
    private void forwardCase(String what, ConvGeometry g, Tensor x, Tensor w, Tensor xg, double tol) {
        Tensor yc = cpuOut(g.n(), g.k(), g.p(), g.q()), yg = gpuOut(g.n(), g.k(), g.p(), g.q());
        CPU.conv2dForward(g, x, w, yc);
        gpu.conv2dForward(g, xg, onGpu(w), yg);
        assertNormClose(what, yc, yg, tol);
    }

    // ---- batch norm, pooling ------------------------------------------------------------------------------

    @Test
    void batchNormTrainEvalAndBackward() {
        int[][] shapes = {{8, 16, 49}, {256, 64, 1}, {2, 3, 1000}};
        for (int[] s : shapes) {
            int n = s[0], c = s[1], hw = s[2];
            Tensor x = randn(n * c * hw).mul(2f).add(0.5f), gamma = randn(c), beta = randn(c), dy = randn(n * c * hw);
            Tensor rm = randn(c), rv = uniform(0.5f, 2f, c), rmg = onGpu(rm), rvg = onGpu(rv);
            Tensor yc = cpuOut(n * c * hw), yg = gpuOut(n * c * hw);
            Tensor mc = cpuOut(c), mg = gpuOut(c), ic = cpuOut(c), ig = gpuOut(c);
            BatchNormCalls.train(CPU, n, c, hw, x, gamma, beta, 1e-5f, 0.1f, rm, rv, null, false, yc, mc, ic);
            BatchNormCalls.train(gpu, n, c, hw, onGpu(x), onGpu(gamma), onGpu(beta), 1e-5f, 0.1f, rmg, rvg, null, false, yg, mg, ig);
            String at = " (" + n + ", " + c + ", " + hw + ")";
            assertClose("bn y" + at, yc, yg);
            assertClose("bn mean" + at, mc, mg);
            assertClose("bn invStd" + at, ic, ig);
            assertClose("bn running mean" + at, rm, rmg);
            assertClose("bn running var" + at, rv, rvg);
            Tensor dxc = cpuOut(n * c * hw), dxg = gpuOut(n * c * hw);
            Tensor dgc = cpuOut(c), dgg = gpuOut(c), dbc = cpuOut(c), dbg = gpuOut(c);
            BatchNormCalls.backward(CPU, n, c, hw, x, null, false, dy, gamma, mc, ic, 1e-5f, dxc, null, dgc, dbc);
            BatchNormCalls.backward(gpu, n, c, hw, onGpu(x), null, false, onGpu(dy), onGpu(gamma), mg, ig, 1e-5f, dxg, null, dgg, dbg);
            assertClose("bn dx" + at, dxc, dxg, 1e-3);
            assertClose("bn dgamma" + at, dgc, dgg);
            assertClose("bn dbeta" + at, dbc, dbg);
            Tensor ec = cpuOut(n * c * hw), eg = gpuOut(n * c * hw);
            BatchNormCalls.eval(CPU, n, c, hw, x, gamma, beta, rm, rv, 1e-5f, null, false, ec);
            BatchNormCalls.eval(gpu, n, c, hw, onGpu(x), onGpu(gamma), onGpu(beta), rmg, rvg, 1e-5f, null, false, eg);
            assertClose("bn eval" + at, ec, eg);
        }
        // without running statistics
        Tensor x = randn(4 * 3 * 5);
        Tensor yg = gpuOut(60), yc = cpuOut(60);
        BatchNormCalls.train(CPU, 4, 3, 5, x, Tensor.ones(3), Tensor.zeros(3), 1e-5f, 0.1f, null, null, null, false, yc, cpuOut(3), cpuOut(3));
        BatchNormCalls.train(gpu, 4, 3, 5, onGpu(x), onGpu(Tensor.ones(3)), onGpu(Tensor.zeros(3)), 1e-5f, 0.1f, null, null, null, false, yg, gpuOut(3), gpuOut(3));
        assertClose("bn without running stats", yc, yg);
    }

    /**
     * relu(bn(x) + residual) and its backward, as a ResNet block's batch norms run them, at the sizes of
     * a small-image ResNet-50 step; with and without each of the residual and the ReLU, train and eval.
     */
    @Test
    void batchNormWithResidualAndReluAtResNetSizes() {
        int[][] shapes = emulated ? new int[][] {{4, 8, 9}} : new int[][] {{16, 256, 256}, {16, 64, 256}, {16, 2048, 4}, {16, 8192, 1}};
        for (int[] sh : shapes) {
            int n = sh[0], c = sh[1], hw = sh[2], len = n * c * hw;
            for (boolean withResidual : new boolean[] {false, true}) {
                for (boolean relu : new boolean[] {false, true}) {
                    String at = " (" + n + ", " + c + ", " + hw + ")" + (withResidual ? " + residual" : "") + (relu ? ", relu" : "");
                    Tensor x = randn(len).mul(2f).add(0.5f), gamma = randn(c), beta = randn(c), dy = randn(len);
                    Tensor res = withResidual ? randn(len) : null, resg = withResidual ? onGpu(res) : null;
                    Tensor rm = randn(c), rv = uniform(0.5f, 2f, c), rmg = onGpu(rm), rvg = onGpu(rv);
                    Tensor yc = cpuOut(len), yg = gpuOut(len), mc = cpuOut(c), mg = gpuOut(c), ic = cpuOut(c), ig = gpuOut(c);
                    Tensor xg = onGpu(x), gammag = onGpu(gamma), betag = onGpu(beta);
                    BatchNormCalls.train(CPU, n, c, hw, x, gamma, beta, 1e-5f, 0.1f, rm, rv, res, relu, yc, mc, ic);
                    BatchNormCalls.train(gpu, n, c, hw, xg, gammag, betag, 1e-5f, 0.1f, rmg, rvg, resg, relu, yg, mg, ig);
                    assertClose("bn-act y" + at, yc, yg);
                    assertClose("bn-act running var" + at, rv, rvg);
                    Tensor dxc = cpuOut(len), dxg = gpuOut(len), drc = withResidual ? cpuOut(len) : null;
                    Tensor drg = withResidual ? gpuOut(len) : null;
                    Tensor dgc = cpuOut(c), dgg = gpuOut(c), dbc = cpuOut(c), dbg = gpuOut(c);
                    BatchNormCalls.backward(CPU, n, c, hw, x, yc, relu, dy, gamma, mc, ic, 1e-5f, dxc, drc, dgc, dbc);
                    BatchNormCalls.backward(gpu, n, c, hw, xg, yg, relu, onGpu(dy), gammag, mg, ig, 1e-5f, dxg, drg, dgg, dbg);
                    assertClose("bn-act dx" + at, dxc, dxg, 1e-3);
                    if (withResidual) assertClose("bn-act dresidual" + at, drc, drg);
                    assertClose("bn-act dgamma" + at, dgc, dgg, 1e-3);
                    assertClose("bn-act dbeta" + at, dbc, dbg, 1e-3);
                    Tensor ec = cpuOut(len), eg = gpuOut(len);
                    BatchNormCalls.eval(CPU, n, c, hw, x, gamma, beta, rm, rv, 1e-5f, res, relu, ec);
                    BatchNormCalls.eval(gpu, n, c, hw, xg, gammag, betag, rmg, rvg, 1e-5f, resg, relu, eg);
                    assertClose("bn-act eval" + at, ec, eg);
                }
            }
        }
    }

    /** cuDNN's convolutions, and batch-norm calls that fail as a cuDNN without them would. */
    private record RefusingBatchNorm(Dnn cudnn) implements Dnn {
        private static CudaError refused(String call) {
            return new CudaError(call, 9, "CUDNN_STATUS_NOT_SUPPORTED");
        }

        @Override
        public String describe() {
            return cudnn.describe();
        }

        @Override
        public String setGraphApi(boolean on) {
            return cudnn.setGraphApi(on);
        }

        @Override
        public void convForward(ConvGeometry g, long x, long w, long y, boolean tf32, boolean measure) {
            cudnn.convForward(g, x, w, y, tf32, measure);
        }

        @Override
        public void convBackwardData(ConvGeometry g, long dy, long w, long dx, boolean tf32, boolean measure) {
            cudnn.convBackwardData(g, dy, w, dx, tf32, measure);
        }

        @Override
        public void convBackwardFilter(ConvGeometry g, long x, long dy, long dw, boolean tf32, boolean measure) {
            cudnn.convBackwardFilter(g, x, dy, dw, tf32, measure);
        }

        @Override
        public String batchNormUnavailable() {
            return null;
        }

        @Override
        public void batchNormTrain(int n, int c, int hw, long x, long y, long gamma, long beta, double momentum,
                                   long runMean, long runVar, double eps, long saveMean, long saveInvStd) {
            throw refused("cudnnBatchNormalizationForwardTraining");
        }

        @Override
        public void batchNormEval(int n, int c, int hw, long x, long y, long gamma, long beta, long runMean, long runVar,
                                  double eps) {
            throw refused("cudnnBatchNormalizationForwardInference");
        }

        @Override
        public void batchNormBackward(int n, int c, int hw, long x, long dy, long dx, long gamma, long dgamma, long dbeta,
                                      double eps, long saveMean, long saveInvStd) {
            throw refused("cudnnBatchNormalizationBackward");
        }

        @Override
        public void close() {
            cudnn.close();
        }
    }

    /** Where cuDNN refuses batch norm, the backend says so and runs the project's kernels, with the same results. */
    @Test
    void batchNormFallsBackToTheProjectsKernelsWhenCudnnRefusesIt() {
        assumeTrue(emulated, "needs the emulator's device to build a second backend");
        CudaBackend refusing = emulator.backend(RefusingBatchNorm::new);
        java.util.function.Function<Tensor, Tensor> up = t -> Tensor.fromStorage(refusing.upload(t.toArray(), 0, t.numel()), t.shape());
        int n = 6, c = 5, hw = 7, len = n * c * hw;
        Tensor x = randn(len), gamma = randn(c), beta = randn(c), dy = randn(len), rm = randn(c), rv = uniform(0.5f, 2f, c);
        Tensor rmg = up.apply(rm), rvg = up.apply(rv), xg = up.apply(x), gammag = up.apply(gamma);
        Tensor yc = cpuOut(len), mc = cpuOut(c), ic = cpuOut(c);
        Tensor yg = Tensor.allocate(refusing, len), mg = Tensor.allocate(refusing, c), ig = Tensor.allocate(refusing, c);
        BatchNormCalls.train(CPU, n, c, hw, x, gamma, beta, 1e-5f, 0.1f, rm, rv, null, false, yc, mc, ic);
        BatchNormCalls.train(refusing, n, c, hw, xg, gammag, up.apply(beta), 1e-5f, 0.1f, rmg, rvg, null, false, yg, mg, ig);
        assertClose("bn after cuDNN refused it", yc, yg);
        assertClose("running var after cuDNN refused it", rv, rvg);
        assertTrue(refusing.describe().contains("not cuDNN: cudnnBatchNormalizationForwardTraining failed"), refusing.describe());
        Tensor dxc = cpuOut(len), dgc = cpuOut(c), dbc = cpuOut(c);
        Tensor dxg = Tensor.allocate(refusing, len), dgg = Tensor.allocate(refusing, c), dbg = Tensor.allocate(refusing, c);
        BatchNormCalls.backward(CPU, n, c, hw, x, null, false, dy, gamma, mc, ic, 1e-5f, dxc, null, dgc, dbc);
        BatchNormCalls.backward(refusing, n, c, hw, xg, null, false, up.apply(dy), gammag, mg, ig, 1e-5f, dxg, null, dgg, dbg);
        assertClose("bn dx after cuDNN refused it", dxc, dxg, 1e-3);
        assertClose("bn dgamma after cuDNN refused it", dgc, dgg, 1e-3);
        // the healthy backend still says batch norm goes to cuDNN
        assertTrue(gpu.describe().contains("batch norm: cuDNN"), gpu.describe());
    }

    private void poolCase(PoolGeometry g) {
        Tensor x = randn(g.n(), g.c(), g.h(), g.w()), dy = randn(g.n(), g.c(), g.oh(), g.ow());
        int[] out = {g.n(), g.c(), g.oh(), g.ow()}, in = {g.n(), g.c(), g.h(), g.w()};
        BiConsumer<String, Tensor[]> check = (what, t) -> assertClose(what + " " + g, t[0], t[1]);
        Tensor yc = cpuOut(out), yg = gpuOut(out);
        CPU.maxPool2dForward(g, x, yc);
        gpu.maxPool2dForward(g, onGpu(x), yg);
        check.accept("max pool", new Tensor[] {yc, yg});
        Tensor dxc = cpuOut(in), dxg = gpuOut(in);
        CPU.maxPool2dBackward(g, x, dy, dxc);
        gpu.maxPool2dBackward(g, onGpu(x), onGpu(dy), dxg);
        check.accept("max pool backward", new Tensor[] {dxc, dxg});
        CPU.avgPool2dForward(g, x, yc);
        gpu.avgPool2dForward(g, onGpu(x), yg);
        check.accept("avg pool", new Tensor[] {yc, yg});
        CPU.avgPool2dBackward(g, dy, dxc);
        gpu.avgPool2dBackward(g, onGpu(dy), dxg);
        check.accept("avg pool backward", new Tensor[] {dxc, dxg});
    }

    @Test
    void maxAndAveragePooling() {
        poolCase(new PoolGeometry(2, 3, 16, 16, 3, 3, 2, 2, 1, 1));
        poolCase(new PoolGeometry(2, 3, 15, 9, 2, 2, 2, 2, 0, 0));
        poolCase(new PoolGeometry(1, 2, 7, 8, 3, 2, 1, 3, 1, 1));
    }

    @Test
    void adaptiveAveragePooling() {
        int[][] cases = {{6, 7, 7, 1, 1}, {4, 10, 9, 3, 2}, {2, 5, 5, 7, 6}};
        for (int[] c : cases) {
            int nc = c[0], h = c[1], w = c[2], oh = c[3], ow = c[4];
            Tensor x = randn(nc * h * w), dy = randn(nc * oh * ow);
            Tensor yc = cpuOut(nc * oh * ow), yg = gpuOut(nc * oh * ow);
            CPU.adaptiveAvgPool2dForward(nc, h, w, oh, ow, x, yc);
            gpu.adaptiveAvgPool2dForward(nc, h, w, oh, ow, onGpu(x), yg);
            assertClose("adaptive avg " + java.util.Arrays.toString(c), yc, yg);
            Tensor dxc = cpuOut(nc * h * w), dxg = gpuOut(nc * h * w);
            CPU.adaptiveAvgPool2dBackward(nc, h, w, oh, ow, dy, dxc);
            gpu.adaptiveAvgPool2dBackward(nc, h, w, oh, ow, onGpu(dy), dxg);
            assertClose("adaptive avg backward " + java.util.Arrays.toString(c), dxc, dxg);
        }
    }

    // ---- VICReg -------------------------------------------------------------------------------------------

    @Test
    void columnStdHinge() {
        int[][] cases = {{256, 512}, {2, 3}, {100, 33}};
        for (int[] c : cases) {
            int n = c[0], d = c[1];
            // columns with std above and below 1, and an offset mean
            Tensor z = randn(n, d).mul(uniform(0.2f, 2f, d)).add(3f);
            Tensor zc = cpuOut(n, d), std = cpuOut(d), hg = cpuOut(n, d);
            Tensor zcg = gpuOut(n, d), stdg = gpuOut(d), hgg = gpuOut(n, d);
            CPU.columnStdHinge(n, d, z, 1e-4f, zc, std, hg);
            gpu.columnStdHinge(n, d, onGpu(z), 1e-4f, zcg, stdg, hgg);
            assertClose("vicreg zc " + n + "x" + d, zc, zcg);
            assertClose("vicreg std " + n + "x" + d, std, stdg);
            assertClose("vicreg hinge grad " + n + "x" + d, hg, hgg);
        }
    }

    // ---- ops end to end ---------------------------------------------------------------------------------------

    /**
     * A small residual network through the ops that allocate their outputs uninitialized (convolution,
     * the fused batch norms, pooling, cat, narrow, permute, expand, matmul, softmax, pointwise): a
     * scalar loss of x and parameters p, on whichever backend they live.
     */
    private static Tensor residualNetwork(Tensor[] p, Tensor x, Tensor target) {
        Tensor h = F.conv2d(x, p[0], p[1], 2, 1, 1, 1);                                  // (2, 4, 4, 4)
        Tensor a = F.batchNormRelu(h, null, null, p[2], p[3], true, 0.1f, 1e-5f);
        Tensor b = F.conv2d(a, p[4], 1, 1);
        Tensor r = F.batchNormAddRelu(b, h, null, null, p[2], p[3], true, 0.1f, 1e-5f);
        Tensor avg = F.avgPool2d(r, 3, 1, 1).narrow(2, 1, 2).narrow(3, 0, 2);            // (2, 4, 2, 2)
        Tensor pooled = Tensor.cat(java.util.List.of(F.maxPool2d(r, 2, 2, 0), avg), 1);   // (2, 8, 2, 2)
        Tensor v = F.adaptiveAvgPool2d(pooled.permute(0, 1, 3, 2), 1, 1).reshape(2, 8);
        Tensor logits = v.matmul(p[5]).add(p[6].expand(2, 5)).tanh();
        return F.logSoftmax(logits, 1).mul(target).sum().add(F.softmax(logits, 0).square().sum());
    }

    @Test
    void opsOnUninitializedOutputsMatchTheCpuForwardAndBackward() {
        Rng r = new Rng(7);
        Tensor[] cpuParams = {Tensor.randn(r, 4, 3, 3, 3).mul(0.4f), Tensor.randn(r, 4), Tensor.rand(r, 4).add(0.5f),
                Tensor.randn(r, 4), Tensor.randn(r, 4, 4, 3, 3).mul(0.3f), Tensor.randn(r, 8, 5), Tensor.randn(r, 5)};
        Tensor x = Tensor.randn(r, 2, 3, 8, 8), target = Tensor.rand(r, 2, 5);
        Tensor[] gpuParams = new Tensor[cpuParams.length];
        for (int i = 0; i < cpuParams.length; i++) {
            gpuParams[i] = onGpu(cpuParams[i]).requiresGrad(true);
            cpuParams[i].requiresGrad(true);
        }
        Tensor xg = onGpu(x).requiresGrad(true);
        x.requiresGrad(true);
        Tensor lc = residualNetwork(cpuParams, x, target), lg = residualNetwork(gpuParams, xg, onGpu(target));
        assertClose("loss", lc, lg);
        lc.backward(Tensor.scalar(1f));
        lg.backward(onGpu(Tensor.scalar(1f)));
        assertClose("input gradient", x.grad(), xg.grad(), 1e-3);
        for (int i = 0; i < cpuParams.length; i++) assertClose("gradient of parameter " + i, cpuParams[i].grad(), gpuParams[i].grad(), 1e-3);
        // a product over an empty inner dimension is all zeros
        Tensor empty = onGpu(Tensor.zeros(3, 0)).matmul(onGpu(Tensor.zeros(0, 4)));
        assertClose("matmul over k = 0", Tensor.zeros(3, 4), empty, 0);
    }

    // ---- a training loop: results and memory ----------------------------------------------------------------

    /** A linear-BN-ReLU-linear network's MSE step with SGD; runs on the backend its tensors are on. */
    private static float step(Tensor[] params, Tensor x, Tensor target, Tensor one) {
        Tensor h = F.batchNorm(F.linear(x, params[0], params[1]), null, null, params[2], params[3], true, 0.1f, 1e-5f).relu();
        Tensor out = F.softmax(F.linear(h, params[4], params[5]), 1);
        Tensor loss = F.mseLoss(out, target);
        loss.backward(one);
        try (var g = Grad.off()) {
            for (Tensor p : params) {
                p.addInPlace(p.grad(), -0.5f);
                p.zeroGrad();
            }
        }
        return loss.item();
    }

    @Test
    void aTrainingLoopMatchesTheCpuAndDoesNotGrowDeviceMemory() {
        Rng r = new Rng(1);
        Tensor[] cpuParams = {Tensor.randn(r, 32, 16).mul(0.3f), Tensor.zeros(32), Tensor.ones(32), Tensor.zeros(32),
                Tensor.randn(r, 8, 32).mul(0.3f), Tensor.zeros(8)};
        Tensor[] gpuParams = new Tensor[cpuParams.length];
        for (int i = 0; i < cpuParams.length; i++) {
            gpuParams[i] = onGpu(cpuParams[i]).requiresGrad(true);
            cpuParams[i].requiresGrad(true);
        }
        Tensor x = Tensor.randn(r, 64, 16), target = Tensor.rand(r, 64, 8);
        Tensor xg = onGpu(x), tg = onGpu(target), one = Tensor.scalar(1f), oneg = onGpu(one);
        long baseline = -1;
        int steps = emulated ? 12 : 100; // the emulator runs each CUDA thread as a fiber: slow
        for (int s = 0; s < steps; s++) {
            float lc, lg;
            try (var scope = Memory.scope()) {
                lc = step(cpuParams, x, target, one);
                lg = step(gpuParams, xg, tg, oneg);
            }
            if (s < 5) assertEquals(lc, lg, 1e-4 * Math.max(1, Math.abs(lc)), "loss at step " + s);
            if (s == 2) baseline = gpu.bytesInUse();
            // at most the baseline: buffers other tests left to the garbage collector may return meanwhile
            if (s > 2) assertTrue(gpu.bytesInUse() <= baseline, "device memory grew by step " + s + ": " + gpu.memoryStats());
        }
        for (int i = 0; i < cpuParams.length; i++) assertClose("parameter " + i + " after " + steps + " steps", cpuParams[i], gpuParams[i], 1e-3);
    }

    // ---- profiling ------------------------------------------------------------------------------------

    @Test
    void theProfilerSynchronisesEachQueuedCallAndChangesNoResult() {
        Device d = Device.of("cuda", gpu);
        Tensor x = randn(64, 48).to(d), w = randn(48, 32).to(d);
        float[] plain = x.matmul(w).relu().toArray();
        Profiler p = Profiler.start(false);
        float[] profiled;
        try (p) {
            profiled = x.matmul(w).relu().toArray();
        }
        java.util.Map<String, Long> calls = new java.util.HashMap<>();
        for (Profiler.Entry e : p.entries()) calls.put(e.key(), e.calls());
        assertEquals(1L, calls.get("gemm"), calls.toString());
        assertEquals(1L, calls.get("unary"), calls.toString());
        assertEquals(1L, calls.get("download"), calls.toString());
        org.junit.jupiter.api.Assertions.assertArrayEquals(plain, profiled);
    }
}
