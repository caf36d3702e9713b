package org.jvicreg.engine.cuda;

import org.jvicreg.engine.backend.ConvGeometry;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Convolutions through cuDNN's graph (backend) API, as PyTorch and cudnn-frontend run them: for each
 * (geometry, direction, TF32, pointer alignment, measured or not) one execution plan is built the first
 * time, from the engine configuration cuDNN's heuristics rank first (mode A) or, when algorithms are
 * measured (PyTorch's cudnn.benchmark), from the fastest of the first few, and kept; a call then only packs its three
 * device pointers and the workspace into a variant pack and executes the plan. The legacy
 * {@code cudnnConvolution*} calls rebuild that state on every call in cuDNN 9, which costs more host time
 * than the GPU needs for most of a small-batch ResNet's convolutions, so the step waits on the host
 * (ConvHostTime measures both paths; bench/RESULTS.md has its figures).
 *
 * <p>Engines are filtered as the legacy path filters algorithms: with TF32 off none that uses tensor cores
 * (for float32 data that is TF32), never one that converts inputs down or reduces in lower precision, none
 * that compiles kernels at run time (seconds per shape) and none whose workspace exceeds
 * {@link ConvAlgorithm#MAX_WORKSPACE}. A shape no engine can run (or a graph cuDNN refuses) returns
 * false, once per shape, and the caller uses the legacy API for it. The tensors are packed NCHW float32:
 * X (n, c, h, w), W (k, c / groups, r, s), Y (n, k, p, q) with unique ids 1, 2, 3 in every direction
 * (forward writes Y, backward data writes X, backward filter writes W). Constants are cudnn_graph.h's.
 */
final class CudnnGraphConvolutions implements AutoCloseable {
    // cudnnBackendDescriptorType_t
    private static final int CONVOLUTION = 1, ENGINE = 2, ENGINECFG = 3, ENGINEHEUR = 4, EXECUTION_PLAN = 5,
            OPERATIONGRAPH = 15, VARIANT_PACK = 16, TENSOR = 17;
    // cudnnBackendAttributeType_t
    private static final int T_HANDLE = 0, T_DATA_TYPE = 1, T_INT64 = 3, T_FLOAT = 4, T_VOID_PTR = 6,
            T_CONVOLUTION_MODE = 7, T_HEUR_MODE = 8, T_NUMERICAL_NOTE = 11, T_DESCRIPTOR = 15, T_BEHAVIOR_NOTE = 19;
    // cudnnBackendAttributeName_t
    private static final int CONV_COMP_TYPE = 100, CONV_MODE = 101, CONV_DILATIONS = 102, CONV_FILTER_STRIDES = 103,
            CONV_POST_PADDINGS = 104, CONV_PRE_PADDINGS = 105, CONV_SPATIAL_DIMS = 106,
            HEUR_MODE = 200, HEUR_OPERATION_GRAPH = 201, HEUR_RESULTS = 202, ENGINECFG_ENGINE = 300,
            PLAN_HANDLE = 400, PLAN_ENGINE_CONFIG = 401, PLAN_WORKSPACE_SIZE = 402,
            GRAPH_HANDLE = 800, GRAPH_OPS = 801,
            TENSOR_BYTE_ALIGNMENT = 900, TENSOR_DATA_TYPE = 901, TENSOR_DIMENSIONS = 902, TENSOR_STRIDES = 903,
            TENSOR_UNIQUE_ID = 906,
            PACK_UNIQUE_IDS = 1000, PACK_DATA_POINTERS = 1001, PACK_WORKSPACE = 1003,
            ENGINE_GLOBAL_INDEX = 1301, ENGINE_NUMERICAL_NOTE = 1303, ENGINE_BEHAVIOR_NOTE = 1305;
    // cudnnBackendNumericalNote_t, cudnnBackendBehaviorNote_t, cudnnBackendHeurMode_t
    private static final int NOTE_TENSOR_CORE = 0, NOTE_DOWN_CONVERT_INPUTS = 1, NOTE_REDUCED_PRECISION_REDUCTION = 2,
            BEHAVIOR_RUNTIME_COMPILATION = 0, HEUR_MODE_A = 3, HEUR_MODE_FALLBACK = 2;
    private static final int DATA_FLOAT = 0, CROSS_CORRELATION = 1;
    private static final long X = 1, W = 2, Y = 3;

    /**
     * One direction's operation descriptor type and attribute names: alpha, beta, the convolution, and the
     * attributes that take the X, W and Y tensors.
     */
    enum Direction {
        FORWARD("forward", 10, 700, 701, 702, 704, 703, 705),
        BACKWARD_DATA("backward data", 12, 706, 707, 708, 710, 709, 711),
        BACKWARD_FILTER("backward filter", 11, 712, 713, 714, 716, 715, 717);

        final String label;
        final int operation, alpha, beta, conv, x, w, y;

        Direction(String label, int operation, int alpha, int beta, int conv, int x, int w, int y) {
            this.label = label;
            this.operation = operation;
            this.alpha = alpha;
            this.beta = beta;
            this.conv = conv;
            this.x = x;
            this.w = w;
            this.y = y;
        }
    }

    private record Key(ConvGeometry g, Direction direction, boolean tf32, boolean measure, int alignment) {}

    /** How many usable engine configurations a measured choice times, best-ranked first. */
    static final int MEASURED_CANDIDATES = 8;

    /** A built plan with the descriptors it was built from (kept alive with it) and its workspace size. */
    private record Plan(MemorySegment plan, long workspace, List<MemorySegment> owned) {}

    private static final Plan NONE = new Plan(MemorySegment.NULL, 0, List.of());

    private final MethodHandle create, destroy, finalizeFn, set, get, execute;
    private final MemorySegment handle;
    private final Status check;
    private final Workspace workspace;
    private final Runnable synchronize;
    private final Map<Key, Plan> plans = new HashMap<>();
    // per-call arguments, reused under this object's lock
    private final MemorySegment uids, pointers, workspacePointer, out;

    /** Checks a cuDNN status, naming the call (FfmCudnnApi's error names). */
    interface Status {
        void check(String call, int status);
    }

    private CudnnGraphConvolutions(NativeLibrary lib, MemorySegment handle, Status check, Workspace workspace,
                                   Runnable synchronize) {
        create = lib.function("cudnnBackendCreateDescriptor", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        destroy = lib.function("cudnnBackendDestroyDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        finalizeFn = lib.function("cudnnBackendFinalize", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        set = lib.function("cudnnBackendSetAttribute",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
        get = lib.function("cudnnBackendGetAttribute",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
        execute = lib.function("cudnnBackendExecute", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        this.handle = handle;
        this.check = check;
        this.workspace = workspace;
        this.synchronize = synchronize;
        Arena arena = Arena.global();
        uids = arena.allocateFrom(JAVA_LONG, X, W, Y);
        pointers = arena.allocate(JAVA_LONG, 3);
        workspacePointer = arena.allocate(JAVA_LONG);
        out = arena.allocate(ADDRESS);
    }

    /**
     * The graph API on this library and handle, or null when the library lacks it (the reason in
     * {@code why}); {@code synchronize} waits for the device (to time plans).
     */
    static CudnnGraphConvolutions open(NativeLibrary lib, MemorySegment handle, Status check, Workspace workspace,
                                       Runnable synchronize, List<String> why) {
        try {
            return new CudnnGraphConvolutions(lib, handle, check, workspace, synchronize);
        } catch (IllegalStateException e) {
            why.add(e.getMessage());
            return null;
        }
    }

    /**
     * Runs one direction of a convolution; false when no execution plan exists for it (the caller then
     * runs the legacy API). x, w and y are the device addresses of X, W and Y whichever one is written.
     * With {@code measure} the shape's plan is the fastest of the first {@link #MEASURED_CANDIDATES}
     * usable engines, each timed on these buffers the first time (PyTorch's cudnn.benchmark); else the
     * first usable engine.
     */
    synchronized boolean run(Direction d, ConvGeometry g, long x, long w, long y, boolean tf32, boolean measure) {
        if (g.groups() != 1) return false;
        Key key = new Key(g, d, tf32, measure, alignment(x | w | y));
        Plan p = plans.get(key);
        if (p == null) {
            p = build(key, x, w, y);
            plans.put(key, p);
        }
        if (p == NONE) return false;
        execute(p, d, x, w, y);
        return true;
    }

    private void execute(Plan p, Direction d, long x, long w, long y) {
        pointers.setAtIndex(JAVA_LONG, 0, x);
        pointers.setAtIndex(JAVA_LONG, 1, w);
        pointers.setAtIndex(JAVA_LONG, 2, y);
        workspacePointer.set(JAVA_LONG, 0, workspace.ensure(p.workspace()));
        MemorySegment pack = create(VARIANT_PACK);
        try {
            set(pack, PACK_UNIQUE_IDS, T_INT64, 3, uids);
            set(pack, PACK_DATA_POINTERS, T_VOID_PTR, 3, pointers);
            set(pack, PACK_WORKSPACE, T_VOID_PTR, 1, workspacePointer);
            status("cudnnBackendFinalize(variant pack)", () -> (int) finalizeFn.invokeExact(pack));
            MemorySegment plan = p.plan();
            status("cudnnBackendExecute (convolution " + d.label + ")",
                    () -> (int) execute.invokeExact(handle, plan, pack));
        } finally {
            destroyQuietly(pack);
        }
    }

    /** The largest power of two up to 16 that divides every address. */
    static int alignment(long addresses) {
        if (addresses == 0) return 16;
        return (int) Math.min(16, Long.lowestOneBit(addresses));
    }

    private Plan build(Key key, long x, long w, long y) {
        List<MemorySegment> owned = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            ConvGeometry g = key.g();
            int align = key.alignment();
            MemorySegment tx = tensor(a, owned, X, align, g.n(), g.c(), g.h(), g.w());
            MemorySegment tw = tensor(a, owned, W, align, g.k(), g.cg(), g.r(), g.s());
            MemorySegment ty = tensor(a, owned, Y, align, g.n(), g.k(), g.p(), g.q());
            MemorySegment conv = convolution(a, owned, g);
            Direction d = key.direction();
            MemorySegment op = own(owned, create(d.operation));
            set(op, d.alpha, T_FLOAT, 1, a.allocateFrom(JAVA_FLOAT, 1f));
            set(op, d.beta, T_FLOAT, 1, a.allocateFrom(JAVA_FLOAT, 0f));
            set(op, d.conv, T_DESCRIPTOR, 1, pointer(a, conv));
            set(op, d.x, T_DESCRIPTOR, 1, pointer(a, tx));
            set(op, d.w, T_DESCRIPTOR, 1, pointer(a, tw));
            set(op, d.y, T_DESCRIPTOR, 1, pointer(a, ty));
            finish(op, "operation");
            MemorySegment graph = own(owned, create(OPERATIONGRAPH));
            set(graph, GRAPH_HANDLE, T_HANDLE, 1, pointer(a, handle));
            set(graph, GRAPH_OPS, T_DESCRIPTOR, 1, pointer(a, op));
            finish(graph, "operation graph");
            List<String> skipped = new ArrayList<>();
            int wanted = key.measure() ? MEASURED_CANDIDATES : 1;
            for (int mode : new int[] {HEUR_MODE_A, HEUR_MODE_FALLBACK}) {
                List<Plan> usable = usable(a, owned, graph, mode, key.tf32(), wanted, skipped);
                if (usable.isEmpty()) continue;
                Plan p = usable.size() == 1 ? usable.getFirst() : fastest(usable, d, x, w, y, skipped);
                if (p != null) return new Plan(p.plan(), p.workspace(), List.copyOf(owned));
            }
            throw new CudaError("no engine usable (tf32 " + (key.tf32() ? "on" : "off") + "): " + skipped);
        } catch (RuntimeException e) {
            owned.forEach(this::destroyQuietly);
            System.getLogger(CudnnGraphConvolutions.class.getName()).log(System.Logger.Level.WARNING,
                    "cuDNN graph API: convolution " + key.direction().label + " " + key.g()
                            + " runs through the legacy API: " + e.getMessage());
            return NONE;
        }
    }

    /**
     * The plans of up to {@code wanted} engine configurations of one heuristics mode, in its order, that
     * pass the filter and build (the descriptors they come from go to {@code owned}).
     */
    private List<Plan> usable(Arena a, List<MemorySegment> owned, MemorySegment graph, int mode, boolean tf32, int wanted,
                              List<String> skipped) {
        List<Plan> out = new ArrayList<>();
        MemorySegment heur = own(owned, create(ENGINEHEUR));
        set(heur, HEUR_OPERATION_GRAPH, T_DESCRIPTOR, 1, pointer(a, graph));
        set(heur, HEUR_MODE, T_HEUR_MODE, 1, a.allocateFrom(JAVA_INT, mode));
        finish(heur, "engine heuristics");
        MemorySegment count = a.allocate(JAVA_LONG);
        get(heur, HEUR_RESULTS, T_DESCRIPTOR, 0, count, MemorySegment.NULL);
        int n = (int) count.get(JAVA_LONG, 0);
        MemorySegment configs = a.allocate(ADDRESS, Math.max(1, n));
        for (int i = 0; i < n; i++) configs.setAtIndex(ADDRESS, i, own(owned, create(ENGINECFG)));
        get(heur, HEUR_RESULTS, T_DESCRIPTOR, n, count, configs);
        n = (int) count.get(JAVA_LONG, 0);
        for (int i = 0; i < n && out.size() < wanted; i++) {
            MemorySegment config = configs.getAtIndex(ADDRESS, i);
            MemorySegment engine = own(owned, create(ENGINE));
            get(config, ENGINECFG_ENGINE, T_DESCRIPTOR, 1, count, pointer(a, engine));
            long index = getLong(a, engine, ENGINE_GLOBAL_INDEX);
            String why = unusable(a, engine, tf32);
            if (why != null) {
                skipped.add("engine " + index + " " + why);
                continue;
            }
            Plan p = plan(a, config, index, skipped);
            if (p != null) out.add(p);
        }
        return out;
    }

    /**
     * The execution plan of one engine configuration, or null (the reason added to {@code skipped}) when
     * it does not build or needs more than {@link ConvAlgorithm#MAX_WORKSPACE}.
     */
    private Plan plan(Arena a, MemorySegment config, long engine, List<String> skipped) {
        MemorySegment plan = create(EXECUTION_PLAN);
        String why;
        try {
            set(plan, PLAN_HANDLE, T_HANDLE, 1, pointer(a, handle));
            set(plan, PLAN_ENGINE_CONFIG, T_DESCRIPTOR, 1, pointer(a, config));
            int status = finalizeStatus(plan);
            if (status == 0) {
                long bytes = getLong(a, plan, PLAN_WORKSPACE_SIZE);
                if (bytes <= ConvAlgorithm.MAX_WORKSPACE) return new Plan(plan, bytes, List.of());
                why = "workspace " + bytes;
            } else {
                why = "plan status " + status;
            }
        } catch (RuntimeException e) {
            destroyQuietly(plan);
            throw e;
        }
        destroyQuietly(plan);
        skipped.add("engine " + engine + " " + why);
        return null;
    }

    /**
     * Times each plan on the call's buffers (one run to warm up, then three, synchronised; every run
     * overwrites the output, which the chosen plan writes again afterwards) and returns the fastest,
     * destroying the others; a plan that fails to run is skipped. Null when none runs.
     */
    private Plan fastest(List<Plan> plans, Direction d, long x, long w, long y, List<String> skipped) {
        Plan best = null;
        long bestNanos = Long.MAX_VALUE;
        for (Plan p : plans) {
            long nanos;
            try {
                execute(p, d, x, w, y);
                synchronize.run();
                long t0 = System.nanoTime();
                for (int r = 0; r < 3; r++) execute(p, d, x, w, y);
                synchronize.run();
                nanos = System.nanoTime() - t0;
            } catch (CudaError e) {
                skipped.add("a plan failed to run: " + e.getMessage());
                destroyQuietly(p.plan());
                continue;
            }
            if (nanos < bestNanos) {
                if (best != null) destroyQuietly(best.plan());
                best = p;
                bestNanos = nanos;
            } else {
                destroyQuietly(p.plan());
            }
        }
        return best;
    }

    /** Why an engine may not run here, or null. */
    private String unusable(Arena a, MemorySegment engine, boolean tf32) {
        for (int note : notes(a, engine, ENGINE_NUMERICAL_NOTE, T_NUMERICAL_NOTE)) {
            if (note == NOTE_TENSOR_CORE && !tf32) return "uses tensor cores (TF32)";
            if (note == NOTE_DOWN_CONVERT_INPUTS) return "converts inputs down";
            if (note == NOTE_REDUCED_PRECISION_REDUCTION) return "reduces in lower precision";
        }
        for (int note : notes(a, engine, ENGINE_BEHAVIOR_NOTE, T_BEHAVIOR_NOTE)) {
            if (note == BEHAVIOR_RUNTIME_COMPILATION) return "compiles at run time";
        }
        return null;
    }

    private int[] notes(Arena a, MemorySegment engine, int attribute, int type) {
        MemorySegment count = a.allocate(JAVA_LONG);
        MemorySegment values = a.allocate(JAVA_INT, 32);
        get(engine, attribute, type, 32, count, values);
        int n = (int) Math.min(32, count.get(JAVA_LONG, 0));
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = values.getAtIndex(JAVA_INT, i);
        return out;
    }

    private MemorySegment tensor(Arena a, List<MemorySegment> owned, long uid, int align, int... dims) {
        MemorySegment t = own(owned, create(TENSOR));
        long[] strides = new long[dims.length];
        long stride = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            strides[i] = stride;
            stride *= dims[i];
        }
        long[] dims64 = new long[dims.length];
        for (int i = 0; i < dims.length; i++) dims64[i] = dims[i];
        set(t, TENSOR_DATA_TYPE, T_DATA_TYPE, 1, a.allocateFrom(JAVA_INT, DATA_FLOAT));
        set(t, TENSOR_DIMENSIONS, T_INT64, dims.length, a.allocateFrom(JAVA_LONG, dims64));
        set(t, TENSOR_STRIDES, T_INT64, dims.length, a.allocateFrom(JAVA_LONG, strides));
        set(t, TENSOR_UNIQUE_ID, T_INT64, 1, a.allocateFrom(JAVA_LONG, uid));
        set(t, TENSOR_BYTE_ALIGNMENT, T_INT64, 1, a.allocateFrom(JAVA_LONG, align));
        finish(t, "tensor " + uid);
        return t;
    }

    private MemorySegment convolution(Arena a, List<MemorySegment> owned, ConvGeometry g) {
        MemorySegment c = own(owned, create(CONVOLUTION));
        set(c, CONV_COMP_TYPE, T_DATA_TYPE, 1, a.allocateFrom(JAVA_INT, DATA_FLOAT));
        set(c, CONV_MODE, T_CONVOLUTION_MODE, 1, a.allocateFrom(JAVA_INT, CROSS_CORRELATION));
        set(c, CONV_SPATIAL_DIMS, T_INT64, 1, a.allocateFrom(JAVA_LONG, 2L));
        set(c, CONV_DILATIONS, T_INT64, 2, a.allocateFrom(JAVA_LONG, g.dilH(), g.dilW()));
        set(c, CONV_FILTER_STRIDES, T_INT64, 2, a.allocateFrom(JAVA_LONG, g.strideH(), g.strideW()));
        set(c, CONV_PRE_PADDINGS, T_INT64, 2, a.allocateFrom(JAVA_LONG, g.padH(), g.padW()));
        set(c, CONV_POST_PADDINGS, T_INT64, 2, a.allocateFrom(JAVA_LONG, g.padH(), g.padW()));
        finish(c, "convolution");
        return c;
    }

    private static MemorySegment own(List<MemorySegment> owned, MemorySegment d) {
        owned.add(d);
        return d;
    }

    private static MemorySegment pointer(Arena a, MemorySegment d) {
        MemorySegment p = a.allocate(ADDRESS);
        p.set(ADDRESS, 0, d);
        return p;
    }

    private long getLong(Arena a, MemorySegment d, int attribute) {
        MemorySegment count = a.allocate(JAVA_LONG), value = a.allocate(JAVA_LONG);
        get(d, attribute, T_INT64, 1, count, value);
        return value.get(JAVA_LONG, 0);
    }

    private interface Call {
        int call() throws Throwable;
    }

    private void status(String name, Call c) {
        int s;
        try {
            s = c.call();
        } catch (Throwable t) {
            throw t instanceof CudaError e ? e : new CudaError(name + ": " + t);
        }
        check.check(name, s);
    }

    private MemorySegment create(int type) {
        status("cudnnBackendCreateDescriptor(" + type + ")", () -> (int) create.invokeExact(type, out));
        return out.get(ADDRESS, 0);
    }

    private void set(MemorySegment d, int attribute, int type, long count, MemorySegment values) {
        status("cudnnBackendSetAttribute(" + attribute + ")",
                () -> (int) set.invokeExact(d, attribute, type, count, values));
    }

    private void get(MemorySegment d, int attribute, int type, long requested, MemorySegment count, MemorySegment values) {
        status("cudnnBackendGetAttribute(" + attribute + ")",
                () -> (int) get.invokeExact(d, attribute, type, requested, count, values));
    }

    private void finish(MemorySegment d, String what) {
        status("cudnnBackendFinalize(" + what + ")", () -> (int) finalizeFn.invokeExact(d));
    }

    private int finalizeStatus(MemorySegment d) {
        try {
            return (int) finalizeFn.invokeExact(d);
        } catch (Throwable t) {
            throw new CudaError("cudnnBackendFinalize(execution plan): " + t);
        }
    }

    private void destroyQuietly(MemorySegment d) {
        try {
            int ignored = (int) destroy.invokeExact(d);
        } catch (Throwable ignored) {
            // destroying is best effort: the descriptor is gone either way
        }
    }

    @Override
    public synchronized void close() {
        for (Plan p : plans.values()) {
            if (p == NONE) continue;
            destroyQuietly(p.plan());
            p.owned().forEach(this::destroyQuietly);
        }
        plans.clear();
    }
}
