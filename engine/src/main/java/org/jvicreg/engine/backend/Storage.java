package org.jvicreg.engine.backend;

/**
 * A flat float32 buffer owned by a {@link Backend}. CPU storages are plain Java arrays; device
 * storages hold device memory and are released by {@link org.jvicreg.engine.Memory} scopes.
 */
public interface Storage {
    Backend backend();

    /** Number of float elements. */
    long size();

    /** Returns the memory to its backend. Using the storage afterwards is an error. Idempotent. */
    default void release() {}

    /** Whether {@link #release()} frees anything (device memory); CPU storage is left to the GC. */
    default boolean needsRelease() {
        return false;
    }
}
