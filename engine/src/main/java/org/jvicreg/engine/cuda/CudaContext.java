package org.jvicreg.engine.cuda;

import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.nio.charset.StandardCharsets;

/**
 * One CUDA device through JCuda's driver API: its primary context (the one cuBLAS and cuDNN use too),
 * memory, copies, modules and launches. All work goes to the legacy default stream, so it runs in
 * issue order and synchronous copies wait for the kernels before them. Device memory is handled as
 * raw 64-bit addresses; JCuda objects are made at the call.
 */
final class CudaContext implements RawMemory {
    /** cuMemAlloc's output pointer, readable as an address. */
    private static final class DeviceAddress extends CUdeviceptr {
        long address() {
            return getNativePointer() + getByteOffset();
        }
    }

    private final CUdevice device;
    private final CUcontext context;
    private final ThreadLocal<Boolean> bound = ThreadLocal.withInitial(() -> false);
    final String name;
    final int ordinal, computeMajor, computeMinor, multiprocessors, driverVersion;
    final long totalMemory;

    private CudaContext(int ordinal) {
        JCudaDriver.setExceptionsEnabled(false);
        check("cuInit", JCudaDriver.cuInit(0));
        int[] count = new int[1];
        check("cuDeviceGetCount", JCudaDriver.cuDeviceGetCount(count));
        if (count[0] == 0) throw new CudaError("the NVIDIA driver reports no CUDA device");
        if (ordinal >= count[0]) throw new CudaError("CUDA device " + ordinal + " requested, but there are only " + count[0]);
        this.ordinal = ordinal;
        device = new CUdevice();
        check("cuDeviceGet", JCudaDriver.cuDeviceGet(device, ordinal));
        context = new CUcontext();
        check("cuDevicePrimaryCtxRetain", JCudaDriver.cuDevicePrimaryCtxRetain(context, device));
        bind();
        byte[] nameBytes = new byte[256];
        check("cuDeviceGetName", JCudaDriver.cuDeviceGetName(nameBytes, nameBytes.length, device));
        int len = 0;
        while (len < nameBytes.length && nameBytes[len] != 0) len++;
        name = new String(nameBytes, 0, len, StandardCharsets.US_ASCII);
        computeMajor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        computeMinor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        long[] total = new long[1];
        check("cuDeviceTotalMem", JCudaDriver.cuDeviceTotalMem(total, device));
        totalMemory = total[0];
        int[] version = new int[1];
        check("cuDriverGetVersion", JCudaDriver.cuDriverGetVersion(version));
        driverVersion = version[0];
    }

    /** Initialises the driver and makes device {@code ordinal}'s primary context current on this thread. */
    static CudaContext open(int ordinal) {
        return new CudaContext(ordinal);
    }

    static void check(String call, int result) {
        if (result != CUresult.CUDA_SUCCESS) throw new CudaError(call, result, CUresult.stringFor(result));
    }

    private int attribute(int attribute) {
        int[] v = new int[1];
        check("cuDeviceGetAttribute", JCudaDriver.cuDeviceGetAttribute(v, attribute, device));
        return v[0];
    }

    /** Makes the context current on the calling thread (once per thread). */
    void bind() {
        if (bound.get()) return;
        check("cuCtxSetCurrent", JCudaDriver.cuCtxSetCurrent(context));
        bound.set(true);
    }

    static CUdeviceptr pointer(long address) {
        return new CUdeviceptr().withByteOffset(address);
    }

    @Override
    public long malloc(long bytes) {
        bind();
        DeviceAddress p = new DeviceAddress();
        int r = JCudaDriver.cuMemAlloc(p, bytes);
        if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY) return 0;
        check("cuMemAlloc(" + bytes + ")", r);
        return p.address();
    }

    @Override
    public void free(long address) {
        bind();
        check("cuMemFree", JCudaDriver.cuMemFree(pointer(address)));
    }

    /** Sets {@code count} 32-bit words at {@code address} to {@code value}, queued on the stream. */
    void memset32(long address, int value, long count) {
        if (count == 0) return;
        bind();
        check("cuMemsetD32Async", JCudaDriver.cuMemsetD32Async(pointer(address), value, count, (CUstream) null));
    }

    void copyDeviceToDevice(long dst, long src, long bytes) {
        if (bytes == 0) return;
        bind();
        check("cuMemcpyDtoDAsync", JCudaDriver.cuMemcpyDtoDAsync(pointer(dst), pointer(src), bytes, (CUstream) null));
    }

    /** Copies host memory (pinned or a Java array) to the device; returns when the copy is done. */
    void copyHostToDevice(long dst, Pointer src, long bytes) {
        if (bytes == 0) return;
        bind();
        check("cuMemcpyHtoD", JCudaDriver.cuMemcpyHtoD(pointer(dst), src, bytes));
    }

    /** Waits for queued work, then copies device memory to the host. */
    void copyDeviceToHost(Pointer dst, long src, long bytes) {
        if (bytes == 0) return;
        bind();
        check("cuMemcpyDtoH", JCudaDriver.cuMemcpyDtoH(dst, pointer(src), bytes));
    }

    Pointer allocateHost(long bytes) {
        bind();
        Pointer p = new Pointer();
        check("cuMemAllocHost(" + bytes + ")", JCudaDriver.cuMemAllocHost(p, bytes));
        return p;
    }

    void freeHost(Pointer p) {
        check("cuMemFreeHost", JCudaDriver.cuMemFreeHost(p));
    }

    /** Loads a module image (fatbin, cubin or NUL-terminated PTX); returns the CUresult. */
    int loadModule(CUmodule module, byte[] image) {
        bind();
        return JCudaDriver.cuModuleLoadData(module, image);
    }

    CUfunction function(CUmodule module, String name) {
        CUfunction f = new CUfunction();
        check("cuModuleGetFunction(" + name + ")", JCudaDriver.cuModuleGetFunction(f, module, name));
        return f;
    }

    void launch(CUfunction f, LaunchGeometry g, Pointer params) {
        bind();
        check("cuLaunchKernel", JCudaDriver.cuLaunchKernel(f, g.gridX(), g.gridY(), 1, g.blockX(), g.blockY(), 1, 0,
                (CUstream) null, params, null));
    }

    void synchronize() {
        bind();
        check("cuCtxSynchronize", JCudaDriver.cuCtxSynchronize());
    }

    /** Free and total device memory in bytes. */
    long[] memoryInfo() {
        bind();
        long[] free = new long[1], total = new long[1];
        check("cuMemGetInfo", JCudaDriver.cuMemGetInfo(free, total));
        return new long[] {free[0], total[0]};
    }

    String describe() {
        return String.format("%s (sm_%d%d, %d SMs, %.1f GiB), driver for CUDA %d.%d", name, computeMajor, computeMinor,
                multiprocessors, totalMemory / (double) (1L << 30), driverVersion / 1000, driverVersion % 1000 / 10);
    }
}
