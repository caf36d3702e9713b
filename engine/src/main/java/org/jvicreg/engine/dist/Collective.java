package org.jvicreg.engine.dist;

import org.jvicreg.engine.Tensor;

import java.time.Duration;

/**
 * The collective operations data-parallel training needs, over a fixed group of processes (ranks 0 ..
 * size-1), on tensors of any device. Every rank calls the same operations in the same order, as with MPI
 * and NCCL; an operation returns once this rank's part is done. Implementations: {@link SingleProcess}
 * (one rank; every operation leaves its data as it is), {@link MpiCollective} (Open MPI through FFM), and
 * NCCL for CUDA tensors ({@code org.jvicreg.engine.cuda.NcclCollective}); {@link Collectives#open} picks one.
 *
 * <p>Waiting is bounded: an operation that the other ranks do not join within {@link #timeout()} (a rank
 * stopped, deadlocked or dead) throws {@link CollectiveTimeoutException}, after which the group is
 * unusable. Phases where one rank works alone (rank 0 writing a checkpoint) are waited for with
 * {@link #barrier(Duration)} and a longer limit.
 */
public interface Collective extends AutoCloseable {
    /** This process's rank, 0 .. size-1. */
    int rank();

    /** The number of ranks. */
    int size();

    /** Whether this is rank 0, the one that writes files. */
    default boolean isRoot() {
        return rank() == 0;
    }

    /** One line: the implementation, the library and the group, e.g. "mpi (Open MPI v4.1.4), rank 0 of 2". */
    String describe();

    /** How long an operation waits for the other ranks before it gives up. */
    Duration timeout();

    /** Replaces {@code t} on every rank with the element-wise sum of all ranks' {@code t} (same shape on all). */
    default void allReduceSum(Tensor t) {
        allReduceSumAsync(t).await();
    }

    /**
     * Starts {@link #allReduceSum}; {@code t} holds the sum once {@link Pending#await()} has returned, and must
     * not be read or written before. Operations complete in the order they were started.
     */
    Pending allReduceSumAsync(Tensor t);

    /** Every rank's {@code value}, in rank order. */
    int[] allGatherInts(int value);

    /**
     * The ranks' tensors stacked along axis 0 in rank order: rank r gives {@code rowsPerRank[r]} rows, all with
     * the same trailing shape ({@code rowsPerRank} the same array on every rank, e.g. from
     * {@link #allGatherInts}).
     */
    Tensor allGather(Tensor local, int[] rowsPerRank);

    /** {@link #allGather(Tensor, int[])}, exchanging the row counts first. */
    default Tensor allGather(Tensor local) {
        return allGather(local, allGatherInts(local.dim() == 0 ? 1 : local.size(0)));
    }

    /** Replaces {@code t} on every rank with rank {@code root}'s {@code t}. */
    void broadcast(Tensor t, int root);

    /** Returns once every rank has called it, or throws after {@link #timeout()}. */
    default void barrier() {
        barrier(timeout());
    }

    /** As {@link #barrier()}, waiting up to {@code limit}: for phases where one rank works alone. */
    void barrier(Duration limit);

    /** Leaves the group (MPI_Finalize); collectives afterwards are errors. */
    @Override
    void close();

    /** An operation in progress. */
    interface Pending {
        /** Waits for the operation to complete (at most {@link #timeout()}) and finishes its result. */
        void await();
    }
}
