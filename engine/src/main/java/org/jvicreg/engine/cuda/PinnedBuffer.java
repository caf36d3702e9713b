package org.jvicreg.engine.cuda;

import jcuda.Pointer;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Page-locked host memory that transfers go through: Java arrays are copied into it and the DMA
 * engine moves it at full PCIe/NVLink speed. Grows to at most {@link #CHUNK_FLOATS} floats; larger
 * transfers go in chunks.
 */
final class PinnedBuffer {
    static final int CHUNK_FLOATS = 4 << 20;

    private final CudaContext ctx;
    private Pointer host;
    private FloatBuffer floats;
    private int capacity;

    PinnedBuffer(CudaContext ctx) {
        this.ctx = ctx;
    }

    private void reserve(int n) {
        int want = Math.min(CHUNK_FLOATS, Math.max(n, 1));
        if (capacity >= want) return;
        if (host != null) ctx.freeHost(host);
        host = null;
        host = ctx.allocateHost((long) want * Float.BYTES);
        floats = host.getByteBuffer(0, (long) want * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        capacity = want;
    }

    /** device[dst ...] = src[off, off + n). */
    synchronized void upload(float[] src, int off, int n, long dst) {
        reserve(n);
        for (int done = 0; done < n; done += capacity) {
            int len = Math.min(capacity, n - done);
            floats.clear();
            floats.put(src, off + done, len);
            ctx.copyHostToDevice(dst + (long) done * Float.BYTES, host, (long) len * Float.BYTES);
        }
    }

    /** dst[off, off + n) = device[src ...], after the work queued before it. */
    synchronized void download(long src, float[] dst, int off, int n) {
        reserve(n);
        for (int done = 0; done < n; done += capacity) {
            int len = Math.min(capacity, n - done);
            ctx.copyDeviceToHost(host, src + (long) done * Float.BYTES, (long) len * Float.BYTES);
            floats.clear();
            floats.get(dst, off + done, len);
        }
    }

    synchronized void close() {
        if (host != null) ctx.freeHost(host);
        host = null;
        capacity = 0;
    }
}
