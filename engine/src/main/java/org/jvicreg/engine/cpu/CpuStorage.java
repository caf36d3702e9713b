package org.jvicreg.engine.cpu;

import org.jvicreg.engine.backend.Backend;
import org.jvicreg.engine.backend.Storage;

/**
 * CPU storage: a Java float array, reclaimed by the garbage collector, or given back for reuse
 * ({@link CpuBuffers}) at once when recycled or when the {@link org.jvicreg.engine.Memory} scope it was
 * made in closes, after which every access to the storage fails.
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
            throw new IllegalStateException("cpu: a tensor was used after its storage was recycled: the Memory "
                    + "scope it was made in has closed (hand it out with scope.keep(t) or Memory.persistent(t)), or it "
                    + "was a gradient autograd made and consumed (keep a gradient with .copy())");
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

    /** A {@link org.jvicreg.engine.Memory} scope closing over this storage gives its array back for reuse. */
    @Override
    public void release() {
        recycle();
    }

    @Override
    public boolean needsRelease() {
        return true;
    }

    /** The collector may take an array no one reaches before its scope closes: kernels hold the array itself. */
    @Override
    public boolean collectableInScope() {
        return true;
    }

    @Override
    public void recycle() {
        float[] d = data;
        if (d == null) return;
        data = null;
        CpuBuffers.give(d);
    }
}
