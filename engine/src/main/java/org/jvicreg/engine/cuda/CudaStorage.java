package org.jvicreg.engine.cuda;

import org.jvicreg.engine.backend.Backend;
import org.jvicreg.engine.backend.Storage;

import java.lang.ref.Cleaner;

/**
 * A float32 buffer in device memory, a block of the {@link DeviceAllocator}. Memory scopes release it
 * deterministically, autograd as soon as it has consumed a gradient it made ({@link #recycle()}); one that
 * is never released goes back to the allocator when the garbage collector finds it unreachable.
 */
final class CudaStorage implements Storage {
    private static final Cleaner CLEANER = Cleaner.create();

    private final CudaBackend backend;
    private final long size;
    private final DeviceAllocator.Block block;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean released;

    CudaStorage(CudaBackend backend, DeviceAllocator allocator, long size) {
        this.backend = backend;
        this.size = size;
        this.block = allocator.allocate(Math.max(1, size) * Float.BYTES);
        this.cleanable = CLEANER.register(this, new Release(allocator, block));
    }

    /** The device address of element 0. */
    long address() {
        if (released) throw new IllegalStateException("cuda: use of a released device buffer (released by a Memory scope?)");
        return block.address();
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void release() {
        released = true;
        cleanable.clean();
    }

    /**
     * Frees the block now, as {@link #release()} does: autograd has consumed this gradient, so its block can
     * serve the rest of the backward pass instead of waiting for the step's memory scope to close. Safe
     * while kernels that read it are still queued, since every later user of the block queues its work
     * behind them on the one stream ({@link DeviceAllocator}).
     */
    @Override
    public void recycle() {
        release();
    }

    @Override
    public boolean needsRelease() {
        return true;
    }

    /** Runs at most once: on release() or when the storage becomes unreachable. Holds no reference to it. */
    private record Release(DeviceAllocator allocator, DeviceAllocator.Block block) implements Runnable {
        @Override
        public void run() {
            allocator.free(block);
        }
    }
}
