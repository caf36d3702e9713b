package org.jvicreg.engine.dist;

import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;

import java.time.Duration;

/** The group of one process: every collective leaves its data as it is. The default where no launcher started us. */
public final class SingleProcess implements Collective {
    private static final Pending DONE = () -> {};

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public String describe() {
        return "single process";
    }

    @Override
    public Duration timeout() {
        return Duration.ofDays(365);
    }

    @Override
    public Pending allReduceSumAsync(Tensor t) {
        return DONE;
    }

    @Override
    public int[] allGatherInts(int value) {
        return new int[] {value};
    }

    @Override
    public Tensor allGather(Tensor local, int[] rowsPerRank) {
        if (rowsPerRank.length != 1 || local.dim() == 0 || rowsPerRank[0] != local.size(0)) {
            throw new IllegalArgumentException("all-gather: rows per rank " + java.util.Arrays.toString(rowsPerRank)
                    + " do not describe one rank's tensor of shape " + Shape.str(local.shape()));
        }
        return local;
    }

    @Override
    public void broadcast(Tensor t, int root) {
        if (root != 0) throw new IllegalArgumentException("broadcast: root " + root + " outside the group of 1");
    }

    @Override
    public void barrier(Duration limit) {}

    @Override
    public void close() {}
}
