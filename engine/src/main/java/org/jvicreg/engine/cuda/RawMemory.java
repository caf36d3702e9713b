package org.jvicreg.engine.cuda;

/** Where a {@link DeviceAllocator} gets memory from: cuMemAlloc/cuMemFree on a device, a fake in tests. */
interface RawMemory {
    /** A new block of {@code bytes}, or 0 when the device is out of memory; other failures throw. */
    long malloc(long bytes);

    void free(long address);
}
