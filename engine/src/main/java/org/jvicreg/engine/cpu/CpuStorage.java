package org.jvicreg.engine.cpu;

import org.jvicreg.engine.backend.Backend;
import org.jvicreg.engine.backend.Storage;

/**
 * CPU storage: a Java float array, reclaimed by the garbage collector, or at once when recycled
 * ({@link CpuBuffers}), after which every access to the storage fails.
 */
public final class CpuStorage implements Storage {
    private float[] data;
    private final int length;

    CpuStorage(float[] data) {
        this.data = data;
        this.length = data.length;
    }

    /** The array; throws once the storage has been recycled. */
    public float[] data() {
        float[] d = data;
        if (d == null) {
            throw new IllegalStateException("cpu: a tensor was used after its storage was recycled (autograd "
                    + "recycles the gradients it creates once they are consumed; keep a gradient with .copy())");
        }
        return d;
    }

    @Override
    public Backend backend() {
        return CpuBackend.INSTANCE;
    }

    @Override
    public long size() {
        return length;
    }

    @Override
    public void recycle() {
        float[] d = data;
        if (d == null) return;
        data = null;
        CpuBuffers.give(d);
    }
}
