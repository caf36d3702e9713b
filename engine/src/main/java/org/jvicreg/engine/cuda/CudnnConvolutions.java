package org.jvicreg.engine.cuda;

import org.jvicreg.engine.backend.ConvGeometry;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToLongFunction;
import java.util.function.Supplier;

/**
 * Convolutions through cuDNN: one plan per (geometry, TF32, ranking) with its tensor, filter and
 * convolution descriptors, and per direction the algorithm ranked first among the usable ones
 * ({@link ConvAlgorithm#pick}) with its workspace size: ranked by cuDNN's heuristics, or, when
 * {@code measure} is on, by timing each algorithm once per plan (PyTorch's cudnn.benchmark). Plans are
 * kept in a small LRU cache. alpha = 1, beta = 0: outputs are overwritten.
 */
final class CudnnConvolutions<D> {
    private static final int MAX_PLANS = 512;

    private final CudnnApi<D> api;
    private final Workspace workspace;
    private final Map<Key, Plan> plans = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Plan> eldest) {
            if (size() <= MAX_PLANS) return false;
            eldest.getValue().destroy();
            return true;
        }
    };

    private record Key(ConvGeometry g, boolean tf32, boolean measure) {}

    /** The algorithm chosen for one direction, with the workspace it needs. */
    private record Chosen(ConvAlgorithm algorithm, long workspace) {
        int algo() {
            return algorithm.algo();
        }
    }

    private final class Plan {
        final D x, w, y, conv;
        Chosen fwd, bwdData, bwdFilter;
        int mathType = -1; // as last set on conv

        Plan(ConvGeometry g) {
            x = api.tensor4d(g.n(), g.c(), g.h(), g.w());
            w = api.filter4d(g.k(), g.cg(), g.r(), g.s());
            y = api.tensor4d(g.n(), g.k(), g.p(), g.q());
            conv = api.convolution(g.padH(), g.padW(), g.strideH(), g.strideW(), g.dilH(), g.dilW(), g.groups());
        }

        void destroy() {
            api.destroyTensor(x);
            api.destroyFilter(w);
            api.destroyTensor(y);
            api.destroyConvolution(conv);
        }
    }

    CudnnConvolutions(CudnnApi<D> api, Workspace workspace) {
        this.api = api;
        this.workspace = workspace;
    }

    private Plan plan(ConvGeometry g, boolean tf32, boolean measure) {
        return plans.computeIfAbsent(new Key(g, tf32, measure), k -> new Plan(g));
    }

    /**
     * Ranks the algorithms (heuristics or measured) under the query math type, picks, and sizes the
     * workspace under the run math type.
     */
    private Chosen choose(Plan p, boolean tf32, String direction, Supplier<List<ConvAlgorithm>> heuristics,
                          IntToLongFunction workspaceFor) {
        setMathType(p, ConvAlgorithm.queryMathType(tf32));
        ConvAlgorithm a = ConvAlgorithm.pick(direction, heuristics.get(), tf32, ConvAlgorithm.MAX_WORKSPACE);
        setMathType(p, ConvAlgorithm.runMathType(a, tf32));
        return new Chosen(a, workspaceFor.applyAsLong(a.algo()));
    }

    /** Sets the math type on the plan's convolution descriptor unless it is already set. */
    private void setMathType(Plan p, int mathType) {
        if (p.mathType == mathType) return;
        api.setMathType(p.conv, mathType);
        p.mathType = mathType;
    }

    /** Sets the run math type and returns the workspace address for a chosen algorithm. */
    private long prepare(Plan p, Chosen c, boolean tf32) {
        setMathType(p, ConvAlgorithm.runMathType(c.algorithm(), tf32));
        return workspace.ensure(c.workspace());
    }

    synchronized void forward(ConvGeometry g, long x, long w, long y, boolean tf32, boolean measure) {
        Plan p = plan(g, tf32, measure);
        if (p.fwd == null) {
            p.fwd = choose(p, tf32, "forward", () -> api.forwardAlgorithms(p.x, p.w, p.conv, p.y, measure),
                    algo -> api.forwardWorkspace(p.x, p.w, p.conv, p.y, algo));
        }
        long ws = prepare(p, p.fwd, tf32);
        api.forward(p.x, x, p.w, w, p.conv, p.fwd.algo(), ws, p.fwd.workspace(), p.y, y);
    }

    synchronized void backwardData(ConvGeometry g, long dy, long w, long dx, boolean tf32, boolean measure) {
        Plan p = plan(g, tf32, measure);
        if (p.bwdData == null) {
            p.bwdData = choose(p, tf32, "backward data", () -> api.backwardDataAlgorithms(p.w, p.y, p.conv, p.x, measure),
                    algo -> api.backwardDataWorkspace(p.w, p.y, p.conv, p.x, algo));
        }
        long ws = prepare(p, p.bwdData, tf32);
        api.backwardData(p.w, w, p.y, dy, p.conv, p.bwdData.algo(), ws, p.bwdData.workspace(), p.x, dx);
    }

    synchronized void backwardFilter(ConvGeometry g, long x, long dy, long dw, boolean tf32, boolean measure) {
        Plan p = plan(g, tf32, measure);
        if (p.bwdFilter == null) {
            p.bwdFilter = choose(p, tf32, "backward filter", () -> api.backwardFilterAlgorithms(p.x, p.y, p.conv, p.w, measure),
                    algo -> api.backwardFilterWorkspace(p.x, p.y, p.conv, p.w, algo));
        }
        long ws = prepare(p, p.bwdFilter, tf32);
        api.backwardFilter(p.x, x, p.y, dy, p.conv, p.bwdFilter.algo(), ws, p.bwdFilter.workspace(), p.w, dw);
    }

    synchronized void close() {
        for (Plan p : plans.values()) p.destroy();
        plans.clear();
    }
}
