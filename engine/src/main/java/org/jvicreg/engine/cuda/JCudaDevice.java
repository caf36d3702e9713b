package org.jvicreg.engine.cuda;

import jcuda.Pointer;

/** The real device: JCuda's driver API ({@link CudaContext}), the loaded kernels and a pinned staging buffer. */
final class JCudaDevice implements DeviceRuntime {
    private final CudaContext ctx;
    private final KernelModules kernels;
    private final PinnedBuffer pinned;

    JCudaDevice(int ordinal) {
        ctx = CudaContext.open(ordinal);
        kernels = KernelModules.load(ctx);
        pinned = new PinnedBuffer(ctx);
    }

    @Override
    public int multiprocessors() {
        return ctx.multiprocessors;
    }

    @Override
    public void bind() {
        ctx.bind();
    }

    @Override
    public long malloc(long bytes) {
        return ctx.malloc(bytes);
    }

    @Override
    public void free(long address) {
        ctx.free(address);
    }

    @Override
    public void memset32(long address, int value, long count) {
        ctx.memset32(address, value, count);
    }

    @Override
    public void copyDeviceToDevice(long dst, long src, long bytes) {
        ctx.copyDeviceToDevice(dst, src, bytes);
    }

    @Override
    public void upload(float[] src, int off, int n, long dst) {
        pinned.upload(src, off, n, dst);
    }

    @Override
    public void download(long src, float[] dst, int off, int n) {
        pinned.download(src, dst, off, n);
    }

    @Override
    public int readInt(long address) {
        int[] v = new int[1];
        ctx.copyDeviceToHost(Pointer.to(v), address, Integer.BYTES);
        return v[0];
    }

    @Override
    public void launch(LaunchGeometry g, KernelArgs args) {
        kernels.launch(g, args);
    }

    @Override
    public void synchronize() {
        ctx.synchronize();
    }

    @Override
    public String describe() {
        return ctx.describe() + "\n  kernels: " + kernels.loadedFrom();
    }

    @Override
    public String toString() {
        return ctx.name;
    }
}
