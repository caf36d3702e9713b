package org.jvicreg.engine.cuda;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Device;
import org.jvicreg.engine.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Where there is no GPU, CUDA is reported unavailable with a reason, and the CPU is unaffected. */
class CudaUnavailableTest {
    static boolean gpuPresent() {
        return Files.exists(Path.of("/dev/nvidiactl")) || Files.exists(Path.of("/dev/nvidia0"));
    }

    @Test
    void theProviderIsRegistered() {
        boolean found = ServiceLoader.load(Device.BackendProvider.class).stream()
                .anyMatch(p -> p.type() == CudaBackendProvider.class);
        assertTrue(found, "META-INF/services does not list CudaBackendProvider");
        assertEquals("cuda", new CudaBackendProvider().name());
    }

    @Test
    void withoutAGpuCudaSaysWhy() {
        assumeFalse(gpuPresent(), "a GPU is present");
        var e = assertThrows(IllegalStateException.class, Device::cuda);
        assertTrue(e.getMessage().startsWith("CUDA is unavailable: "), e.getMessage());
        assertTrue(e.getMessage().contains("driver") || e.getMessage().contains("JCuda"), e.getMessage());
        assertTrue(Device.cudaUnavailableReason() != null);
        var p = assertThrows(IllegalStateException.class, () -> new CudaBackendProvider().create());
        assertTrue(p.getMessage().contains("libcuda.so.1") || p.getMessage().contains("NVIDIA driver"), p.getMessage());
        // the CPU keeps working
        assertArrayEquals(new float[] {2, 4}, Tensor.of(new float[] {1, 2}).mul(Tensor.of(new float[] {2, 2})).toArray());
    }
}
