package org.jvicreg.engine.backend;

/**
 * A flat float32 buffer owned by a {@link Backend}. CPU storages are plain Java arrays; device
 * storages hold device memory. Both are released by the {@link org.jvicreg.engine.Memory} scope they were
 * made in, else left to the garbage collector.
 */
public interface Storage {
    Backend backend();

    /** Number of float elements. */
    long size();

    /** Returns the memory to its backend. Using the storage afterwards is an error. Idempotent. */
    default void release() {}

    /**
     * Gives the memory back for reuse at once: the caller guarantees that nothing reads or writes it again
     * (autograd does this for the gradients it made and has consumed). Using the storage afterwards is an
     * error. The default keeps it (the garbage collector, or a {@link org.jvicreg.engine.Memory} scope,
     * frees it later); the CPU storage hands its array to the next allocation of the same length, the CUDA
     * storage its block to the caching allocator.
     */
    default void recycle() {}

    /** Whether {@link #release()} frees anything, so that {@link org.jvicreg.engine.Memory} scopes track it. */
    default boolean needsRelease() {
        return false;
    }

    /**
     * Whether a {@link org.jvicreg.engine.Memory} scope holds this storage weakly, so that the garbage
     * collector may take it before the scope closes once nothing else reaches it. True for CPU arrays. A
     * device buffer is held until its scope closes: one the collector finds unreachable is freed from the
     * collector's cleaner thread, which inside a step could hand its block to an allocation made while a
     * backend call that has read its address has yet to queue the work that reads it.
     */
    default boolean collectableInScope() {
        return false;
    }
}
