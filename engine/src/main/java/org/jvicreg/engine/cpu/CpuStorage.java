package org.jvicreg.engine.cpu;

import org.jvicreg.engine.backend.Backend;
import org.jvicreg.engine.backend.Storage;

/** CPU storage: a Java float array, reclaimed by the garbage collector. */
public final class CpuStorage implements Storage {
    final float[] data;

    CpuStorage(float[] data) {
        this.data = data;
    }

    public float[] data() {
        return data;
    }

    @Override
    public Backend backend() {
        return CpuBackend.INSTANCE;
    }

    @Override
    public long size() {
        return data.length;
    }
}
