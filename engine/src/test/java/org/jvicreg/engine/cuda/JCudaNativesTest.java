package org.jvicreg.engine.cuda;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** JCuda unpacks its native libraries into a private folder, never into the shared temporary directory. */
class JCudaNativesTest {
    @Test
    void theFolderIsPrivateAndTheSharedTmpdirIsRestored() throws Exception {
        String shared = System.getProperty("java.io.tmpdir");
        Path seen = CudaBackendProvider.withPrivateNatives(() -> Path.of(System.getProperty("java.io.tmpdir")));
        assertEquals(shared, System.getProperty("java.io.tmpdir"), "restored after loading");
        assertEquals(CudaBackendProvider.privateNativeDirectory(), seen);
        assertNotEquals(Path.of(shared), seen);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(seen)));
        assertEquals(System.getProperty("user.name"), Files.getOwner(seen).getName(), "owned by this user");
        assertEquals(seen, CudaBackendProvider.privateNativeDirectory(), "one folder per process");
        assertThrows(IllegalStateException.class, () -> CudaBackendProvider.withPrivateNatives(() -> {
            throw new IllegalStateException("a failed load");
        }));
        assertEquals(shared, System.getProperty("java.io.tmpdir"), "restored after a failed load too");
    }

    @Test
    void withoutAGpuTheDriverBindingIsUnpackedIntoThePrivateFolder() throws Exception {
        assumeFalse(CudaUnavailableTest.gpuPresent(), "a GPU is present");
        // JCuda's loader writes libJCudaDriver-*.so before the dynamic linker fails on the missing libcuda.so.1
        assertThrows(IllegalStateException.class, () -> new CudaBackendProvider().create());
        try (var files = Files.list(CudaBackendProvider.privateNativeDirectory())) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("libJCudaDriver-")),
                    "the driver binding was unpacked into " + CudaBackendProvider.privateNativeDirectory());
        }
    }
}
