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
    private final Release release;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean released;

    CudaStorage(CudaBackend backend, DeviceAllocator allocator, long size) {
        this.backend = backend;
        this.size = size;
        this.block = allocator.allocateStorage(Math.max(1, size) * Float.BYTES);
        this.release = new Release(allocator, block);
        this.cleanable = CLEANER.register(this, release);
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
        release.explicit = true;
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

    /**
     * Runs at most once: on release(), which frees the block at once, or on the cleaner thread when the
     * storage has become unreachable, which hands it to {@link DeviceAllocator#freeCollected}. Holds no
     * reference to the storage.
     */
    private static final class Release implements Runnable {
        private final DeviceAllocator allocator;
        private final DeviceAllocator.Block block;
        private volatile boolean explicit;

        Release(DeviceAllocator allocator, DeviceAllocator.Block block) {
            this.allocator = allocator;
            this.block = block;
        }

        @Override
        public void run() {
            if (explicit) allocator.free(block);
            else allocator.freeCollected(block);
        }
    }
}
