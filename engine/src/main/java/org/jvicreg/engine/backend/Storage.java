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
     * collector may take it before the scope closes once nothing else reaches it. True for CPU arrays, whose
     * memory is the Java heap the collector watches. A device buffer is held until its scope closes, which
     * frees it at a known point: the collector runs when the Java heap fills, not device memory, and a
     * device block it frees is reused only from the next tensor allocation on.
     */
    default boolean collectableInScope() {
        return false;
    }
}
