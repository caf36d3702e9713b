package org.jvicreg.engine.cuda;

/** A grow-only device scratch buffer (cuDNN's convolution workspace), taken from the caching allocator. */
final class Workspace {
    private final DeviceAllocator allocator;
    private DeviceAllocator.Block block;

    Workspace(DeviceAllocator allocator) {
        this.allocator = allocator;
    }

    /** The address of at least {@code bytes} of scratch memory (0 when none is needed). */
    synchronized long ensure(long bytes) {
        if (bytes <= 0) return 0;
        if (block == null || block.bytes() < bytes) {
            // the old block's queued users run before anything the new owner queues (one stream)
            if (block != null) allocator.free(block);
            block = null;
            block = allocator.allocate(bytes);
        }
        return block.address();
    }

    synchronized void release() {
        if (block != null) allocator.free(block);
        block = null;
    }
}
