package org.jvicreg.engine.cuda;

import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;
import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.dist.Collective;
import org.jvicreg.engine.dist.CollectiveTimeoutException;
import org.jvicreg.engine.dist.MpiCollective;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Collectives on CUDA tensors through NCCL ({@code libnccl.so.2}, bound through FFM), one GPU per rank.
 * MPI starts the group: rank 0's {@code ncclUniqueId} is broadcast over {@link MpiCollective}, which also
 * serves the host-side operations (row counts, barriers) and any CPU tensor. NCCL's kernels go on the
 * backend's stream (the legacy default stream), in order with its other kernels; a wait polls that stream
 * against {@link #timeout()} and aborts the communicator when another rank never joins.
 */
public final class NcclCollective implements Collective {
    private static final int NCCL_FLOAT32 = 7, NCCL_SUM = 0;
    private static final MemoryLayout UNIQUE_ID = MemoryLayout.sequenceLayout(128, JAVA_BYTE);

    private final MpiCollective mpi;
    private final NativeLibrary lib;
    private final MemorySegment comm;
    private final MethodHandle allReduce, allGather, broadcast, destroy, abort, errorString;
    private final String version;
    private volatile boolean broken, closed;

    private NcclCollective(MpiCollective mpi, NativeLibrary lib) throws Throwable {
        this.mpi = mpi;
        this.lib = lib;
        MethodHandle getId = lib.function("ncclGetUniqueId", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        MethodHandle init = lib.function("ncclCommInitRank", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                MemoryLayout.structLayout(UNIQUE_ID), JAVA_INT));
        MethodHandle getVersion = lib.function("ncclGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        errorString = lib.function("ncclGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        // (send, recv, count, datatype, op, comm, stream)
        allReduce = lib.function("ncclAllReduce", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS));
        // (send, recv, sendcount, datatype, comm, stream)
        allGather = lib.function("ncclAllGather", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT,
                ADDRESS, ADDRESS));
        // (send, recv, count, datatype, root, comm, stream)
        broadcast = lib.function("ncclBroadcast", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS));
        destroy = lib.function("ncclCommDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        abort = lib.function("ncclCommAbort", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("ncclGetVersion", (int) getVersion.invokeExact(v));
            int code = v.get(JAVA_INT, 0);
            version = "NCCL " + code / 10000 + "." + code / 100 % 100 + "." + code % 100;
            // the id travels as 32 floats' worth of bytes through MPI's float broadcast
            MemorySegment id = a.allocate(128);
            if (mpi.rank() == 0) check("ncclGetUniqueId", (int) getId.invokeExact(id));
            float[] asFloats = new float[32];
            MemorySegment.copy(id, java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, asFloats, 0, 32);
            Tensor t = Tensor.of(asFloats);
            mpi.broadcast(t, 0);
            MemorySegment.copy(t.toArray(), 0, id, java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, 32);
            MemorySegment commCell = Arena.global().allocate(ADDRESS);
            check("ncclCommInitRank", (int) init.invokeExact(commCell, mpi.size(), id, mpi.rank()));
            comm = commCell.get(ADDRESS, 0);
        }
    }

    /** Joins NCCL's group of MPI's ranks; one line on failure (no libnccl, no CUDA device). */
    public static NcclCollective open(MpiCollective mpi) {
        LibraryLocator locator = LibraryLocator.forSystem(CudaOptions.fromSystem());
        List<LibraryLocator.Found> found = locator.find("nccl");
        if (found.isEmpty()) {
            throw new UnsatisfiedLinkError("NCCL: no libnccl.so.* found in " + locator.dirs()
                    + " (it ships with CUDA deployments and PyTorch's wheels; or use --dist mpi, which moves device tensors through the host)");
        }
        org.jvicreg.engine.Device.cuda(); // the context NCCL's kernels and our buffers share
        try {
            return new NcclCollective(mpi, NativeLibrary.open(found.get(0).path(), found.get(0).major(), List.of()));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("NCCL: " + t, t);
        }
    }

    @Override
    public int rank() {
        return mpi.rank();
    }

    @Override
    public int size() {
        return mpi.size();
    }

    @Override
    public String describe() {
        return "nccl (" + version + ", " + lib.path + "), rank " + rank() + " of " + size();
    }

    @Override
    public Duration timeout() {
        return mpi.timeout();
    }

    @Override
    public Pending allReduceSumAsync(Tensor t) {
        if (!(t.storage() instanceof CudaStorage s)) return mpi.allReduceSumAsync(t);
        long address = s.address() + t.offset() * Float.BYTES;
        call("ncclAllReduce", () -> (int) allReduce.invokeExact(address, address, (long) t.numel(), NCCL_FLOAT32, NCCL_SUM, comm,
                MemorySegment.NULL));
        return () -> awaitStream("all-reduce of " + t.numel() + " floats");
    }

    @Override
    public int[] allGatherInts(int value) {
        return mpi.allGatherInts(value);
    }

    @Override
    public Tensor allGather(Tensor local, int[] rowsPerRank) {
        if (!(local.storage() instanceof CudaStorage)) return mpi.allGather(local, rowsPerRank);
        if (rowsPerRank.length != size() || local.size(0) != rowsPerRank[rank()]) {
            throw new IllegalArgumentException("all-gather: row counts " + java.util.Arrays.toString(rowsPerRank)
                    + " do not match rank " + rank() + "'s tensor " + Shape.str(local.shape()));
        }
        int most = 0;
        for (int r : rowsPerRank) most = Math.max(most, r);
        int[] shape = local.shape();
        int perRow = Shape.prod(shape, 1, shape.length);
        try (var g = Grad.off()) {
            // NCCL gathers equal counts: pad every rank's rows to the largest, then drop the padding
            Tensor padded = local;
            if (local.size(0) < most) {
                int[] pad = shape.clone();
                pad[0] = most - local.size(0);
                padded = Tensor.cat(List.of(local, Tensor.zeros(local.device(), pad)), 0);
            }
            int[] allShape = shape.clone();
            allShape[0] = most * size();
            Tensor all = Tensor.uninitialized(local.backend(), allShape);
            long send = ((CudaStorage) padded.storage()).address() + padded.offset() * Float.BYTES;
            long recv = ((CudaStorage) all.storage()).address() + all.offset() * Float.BYTES;
            long count = (long) most * perRow;
            call("ncclAllGather", () -> (int) allGather.invokeExact(send, recv, count, NCCL_FLOAT32, comm, MemorySegment.NULL));
            awaitStream("all-gather of " + count * size() + " floats");
            boolean even = true;
            for (int r : rowsPerRank) even &= r == most;
            if (even) return all;
            List<Tensor> parts = new ArrayList<>();
            for (int r = 0; r < size(); r++) if (rowsPerRank[r] > 0) parts.add(all.narrow(0, r * most, rowsPerRank[r]));
            return Tensor.cat(parts, 0);
        }
    }

    @Override
    public void broadcast(Tensor t, int root) {
        if (!(t.storage() instanceof CudaStorage s)) {
            mpi.broadcast(t, root);
            return;
        }
        long address = s.address() + t.offset() * Float.BYTES;
        call("ncclBroadcast", () -> (int) broadcast.invokeExact(address, address, (long) t.numel(), NCCL_FLOAT32, root, comm,
                MemorySegment.NULL));
        awaitStream("broadcast of " + t.numel() + " floats");
    }

    @Override
    public void barrier(Duration limit) {
        awaitStream("barrier");
        mpi.barrier(limit);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            if (broken) {
                int ignored = (int) abort.invokeExact(comm);
            } else {
                int ignored = (int) destroy.invokeExact(comm);
            }
        } catch (Throwable t) {
            // leaving anyway
        }
        mpi.close();
    }

    private interface NcclCall {
        int run() throws Throwable;
    }

    private void call(String name, NcclCall c) {
        if (broken || closed) throw new IllegalStateException("NCCL: the group is unusable (closed or timed out)");
        int code;
        try {
            code = c.run();
        } catch (Throwable t) {
            throw new IllegalStateException("NCCL: " + name + ": " + t, t);
        }
        check(name, code);
    }

    private void check(String name, int code) {
        if (code == 0) return;
        String text;
        try {
            text = ((MemorySegment) errorString.invokeExact(code)).reinterpret(256).getString(0);
        } catch (Throwable t) {
            text = "error " + code;
        }
        throw new IllegalStateException("NCCL: " + name + " failed: " + text);
    }

    /** Polls the stream until NCCL's work (and everything before it) is done, or gives up after the timeout. */
    private void awaitStream(String what) {
        long deadline = System.nanoTime() + timeout().toNanos();
        long park = 5_000;
        while (true) {
            int r = JCudaDriver.cuStreamQuery((CUstream) null);
            if (r == CUresult.CUDA_SUCCESS) return;
            if (r != CUresult.CUDA_ERROR_NOT_READY) throw new IllegalStateException("NCCL: " + what + ": " + CUresult.stringFor(r));
            if (System.nanoTime() > deadline) {
                broken = true;
                try {
                    int ignored = (int) abort.invokeExact(comm);
                } catch (Throwable t) {
                    // the timeout is what we report
                }
                throw new CollectiveTimeoutException("rank " + rank() + " of " + size() + ": NCCL " + what + " waited "
                        + timeout().toSeconds() + " s for the other ranks: one of them has stopped, deadlocked or died; giving up");
            }
            LockSupport.parkNanos(park);
            park = Math.min(2 * park, 200_000);
        }
    }
}
