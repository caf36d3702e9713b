package org.jvicreg.engine.cuda;

/**
 * What {@link CudaBackend} needs from a device: memory, copies, kernel launches, synchronisation.
 * {@link JCudaDevice} is the real one (JCuda's driver API); tests also run the backend on a CPU
 * emulation of the kernels. Addresses are device addresses; all work is ordered as issued.
 */
interface DeviceRuntime extends RawMemory {
    /** Multiprocessor count, which launch geometries scale with. */
    int multiprocessors();

    /** Makes the device usable from the calling thread (binds the CUDA context once per thread). */
    void bind();

    /** Sets {@code count} 32-bit words at {@code address} to {@code value}. */
    void memset32(long address, int value, long count);

    void copyDeviceToDevice(long dst, long src, long bytes);

    /** device[dst ...] = src[off, off + n). */
    void upload(float[] src, int off, int n, long dst);

    /** dst[off, off + n) = device[src ...], after all work issued before. */
    void download(long src, float[] dst, int off, int n);

    /** The 32-bit word at {@code address}, after all work issued before. */
    int readInt(long address);

    void launch(LaunchGeometry g, KernelArgs args);

    void synchronize();

    /** The device and where its kernels came from, for the start-up line. */
    String describe();
}
