package org.jvicreg.engine.dist;

import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.ops.AllGather;
import org.jvicreg.engine.ops.BatchNorm;
import org.jvicreg.engine.ops.SyncBatchNorm;

import java.time.Duration;

/**
 * Run on every rank under mpirun by {@link MpiCollectiveTest}: each collective against its definition, computed
 * here from what every rank is known to hold. Mode "check" (the default) prints one "passed" line per rank and
 * exits 0, or throws; mode "stall" has every rank but 0 sleep instead of joining a barrier, so that rank 0's
 * timeout must end the job.
 */
public final class CollectiveCheck {
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "check";
        Duration timeout = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 60);
        MpiCollective group = MpiCollective.world(timeout);
        int rank = group.rank(), size = group.size();
        if (mode.equals("stall")) {
            if (rank != 0) {
                Thread.sleep(600_000);
                return;
            }
            try {
                group.barrier();
            } catch (CollectiveTimeoutException e) {
                System.err.println("error: " + e.getMessage());
                System.exit(3);
            }
            throw new AssertionError("the barrier returned although rank 1 never joined");
        }
        allReduce(group, rank, size);
        gathers(group, rank, size);
        broadcast(group, rank, size);
        autogradGather(group, rank, size);
        syncBatchNorm(group, rank, size, false);
        syncBatchNorm(group, rank, size, true);
        group.barrier();
        System.out.println("collective check passed on rank " + rank + " of " + size);
        group.close();
    }

    private static float value(int rank, int i) {
        return (rank + 1) * 0.5f * (i % 97) + rank - 0.25f * (i % 7);
    }

    private static void allReduce(MpiCollective group, int rank, int size) {
        for (int n : new int[] {1, 7, 1000, 100_003}) {
            float[] mine = new float[n];
            for (int i = 0; i < n; i++) mine[i] = value(rank, i);
            Tensor t = Tensor.of(mine);
            group.allReduceSum(t);
            float[] got = t.toArray();
            for (int i = 0; i < n; i++) {
                double want = 0;
                for (int r = 0; r < size; r++) want += value(r, i);
                near("all-reduce of " + n + " floats, element " + i, want, got[i], 1e-6);
            }
        }
        // two in flight at once complete in order, each with its own sum
        Tensor a = Tensor.full((float) rank, 5), b = Tensor.full(rank * 2f + 1, 3, 3);
        Collective.Pending pa = group.allReduceSumAsync(a), pb = group.allReduceSumAsync(b);
        pa.await();
        pb.await();
        near("async all-reduce a", size * (size - 1) / 2.0, a.get(4), 0);
        near("async all-reduce b", size * (size - 1) + size, b.get(2, 2), 0);
    }

    private static void gathers(MpiCollective group, int rank, int size) {
        int[] ints = group.allGatherInts(3 * rank + 1);
        for (int r = 0; r < size; r++) near("all-gather of ints, rank " + r, 3 * r + 1, ints[r], 0);
        // rank r gives r + 1 rows of 5: uneven on purpose
        float[] rows = new float[(rank + 1) * 5];
        for (int i = 0; i < rows.length; i++) rows[i] = rank * 100 + i;
        Tensor all = group.allGather(Tensor.of(rows, rank + 1, 5));
        int expectRows = size * (size + 1) / 2;
        if (all.size(0) != expectRows || all.size(1) != 5) throw new AssertionError("all-gather shape " + all.size(0) + "x" + all.size(1));
        int row = 0;
        for (int r = 0; r < size; r++) {
            for (int j = 0; j < (r + 1) * 5; j++) near("all-gather rank " + r + " value " + j, r * 100 + j, all.get(row + j / 5, j % 5), 0);
            row += r + 1;
        }
    }

    private static void broadcast(MpiCollective group, int rank, int size) {
        int root = size - 1;
        float[] v = new float[13];
        for (int i = 0; i < v.length; i++) v[i] = rank == root ? i * 1.5f : -1;
        Tensor t = Tensor.of(v);
        group.broadcast(t, root);
        for (int i = 0; i < v.length; i++) near("broadcast element " + i, i * 1.5f, t.get(i), 0);
    }

    /** loss_r = sum(gathered * W_r): the gradient reaching rank r's rows is sum over ranks s of W_s's rows of r. */
    private static void autogradGather(MpiCollective group, int rank, int size) {
        int rows = 2, cols = 3, total = rows * size;
        Tensor local = Tensor.full(1f, rows, cols).requiresGrad(true);
        Tensor gathered = AllGather.rows(group, local);
        Tensor w = Tensor.of(weights(rank, total * cols), total, cols);
        gathered.mul(w).sum().backward();
        float[] grad = local.grad().toArray();
        for (int i = 0; i < rows * cols; i++) {
            double want = 0;
            for (int s = 0; s < size; s++) want += weights(s, total * cols)[rank * rows * cols + i];
            near("all-gather gradient element " + i, want, grad[i], 1e-6);
        }
    }

    private static float[] weights(int rank, int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (rank + 1) * 0.1f * i - 0.3f;
        return w;
    }

    /**
     * Each rank holds its slice of one global batch; SyncBatchNorm on the slices must give the slices of
     * BatchNorm on the whole batch: outputs, input (and residual) gradients, summed dgamma/dbeta, running stats.
     */
    private static void syncBatchNorm(MpiCollective group, int rank, int size, boolean fused) {
        int per = 3, n = per * size, c = 4, h = 3, w = 2, each = c * h * w;
        float[] xs = new float[n * each], gs = new float[n * each], rs = new float[n * each];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) Math.sin(0.37 * i) * 2 + (i % each) * 0.05f + 3;
            gs[i] = (float) Math.cos(0.11 * i);
            rs[i] = (float) Math.sin(0.05 * i) * 0.5f;
        }
        float[] gamma = {1.1f, 0.9f, 1.3f, 0.7f}, beta = {0.1f, -0.2f, 0.05f, 0f};
        // reference: the whole batch in this process
        Tensor xAll = Tensor.of(xs, n, c, h, w).requiresGrad(true), resAll = Tensor.of(rs, n, c, h, w).requiresGrad(true);
        Tensor gAll = Tensor.of(gamma).requiresGrad(true), bAll = Tensor.of(beta).requiresGrad(true);
        Tensor rmAll = Tensor.zeros(c), rvAll = Tensor.ones(c);
        Tensor yAll = BatchNorm.batchNorm(xAll, fused ? resAll : null, fused, rmAll, rvAll, gAll, bAll, true, 0.1f, 1e-5f);
        yAll.backward(Tensor.of(gs, n, c, h, w));
        // this rank's slice, synchronised
        Tensor x = Tensor.of(slice(xs, rank * per * each, per * each), per, c, h, w).requiresGrad(true);
        Tensor res = Tensor.of(slice(rs, rank * per * each, per * each), per, c, h, w).requiresGrad(true);
        Tensor g = Tensor.of(gamma).requiresGrad(true), b = Tensor.of(beta).requiresGrad(true);
        Tensor rm = Tensor.zeros(c), rv = Tensor.ones(c);
        Tensor y = SyncBatchNorm.batchNorm(group, x, fused ? res : null, fused, rm, rv, g, b, 0.1f, 1e-5f);
        y.backward(Tensor.of(slice(gs, rank * per * each, per * each), per, c, h, w));
        String what = fused ? "sync batch norm + residual + relu" : "sync batch norm";
        close(what + " output", yAll.narrow(0, rank * per, per), y);
        close(what + " dx", xAll.grad().narrow(0, rank * per, per), x.grad());
        if (fused) close(what + " d residual", resAll.grad().narrow(0, rank * per, per), res.grad());
        Tensor dg, db;
        try (var off = Grad.off()) {
            dg = g.grad().copy();
            db = b.grad().copy();
        }
        group.allReduceSum(dg);
        group.allReduceSum(db);
        close(what + " dgamma summed over ranks", gAll.grad(), dg);
        close(what + " dbeta summed over ranks", bAll.grad(), db);
        close(what + " running mean", rmAll, rm);
        close(what + " running var", rvAll, rv);
    }

    private static float[] slice(float[] a, int from, int n) {
        float[] out = new float[n];
        System.arraycopy(a, from, out, 0, n);
        return out;
    }

    private static void close(String what, Tensor want, Tensor got) {
        float[] a = want.toArray(), b = got.toArray();
        if (a.length != b.length) throw new AssertionError(what + ": " + a.length + " vs " + b.length + " values");
        double maxAbs = 0, maxDiff = 0;
        for (int i = 0; i < a.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(a[i]));
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
        }
        if (maxDiff > 1e-5 * Math.max(1, maxAbs)) {
            throw new AssertionError(what + ": max abs difference " + maxDiff + " (max abs value " + maxAbs + ")");
        }
    }

    private static void near(String what, double want, double got, double rel) {
        if (Math.abs(want - got) > rel * Math.max(1, Math.abs(want))) throw new AssertionError(what + ": expected " + want + ", got " + got);
    }
}
