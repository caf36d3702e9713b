package org.jvicreg.engine.cuda;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.backend.Backend;

/**
 * Makes {@link CudaBackend} findable by {@link Device#cuda()} through ServiceLoader. This class touches
 * no JCuda type, so it loads whether or not JCuda is on the class path; {@link #create()} then says
 * precisely why CUDA cannot run (no JCuda, no driver, no device, no cuBLAS/cuDNN).
 */
public final class CudaBackendProvider implements Device.BackendProvider {
    static final String JCUDA_CLASS = "jcuda.driver.JCudaDriver";

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Backend create() {
        return create(CudaOptions.fromSystem());
    }

    Backend create(CudaOptions options) {
        try {
            Class.forName(JCUDA_CLASS, false, CudaBackendProvider.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("JCuda is not on the class path (org.jcuda:jcuda 12.6.0 and its natives)");
        }
        try {
            return withPrivateNatives(() -> CudaBackend.open(options));
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            throw new IllegalStateException("the JCuda driver library did not load, so there is no usable NVIDIA driver"
                    + " (libcuda.so.1) here: " + ProviderChoice.reason(e), e);
        } catch (CudaError e) {
            throw new IllegalStateException("the NVIDIA driver did not start: " + e.getMessage(), e);
        }
    }

    /** The folder JCuda unpacks its natives into, once made. */
    private static java.nio.file.Path nativeDirectory;

    /**
     * Runs {@code load}, which may load JCuda's classes, with JCuda's native libraries unpacked into a
     * folder only this user can enter, made once per process. JCuda's LibUtils writes each native library
     * bundled in its jars to {@code ${java.io.tmpdir}/NAME.so} and loads a file already there as it is, so
     * in a shared /tmp anyone could plant the library it loads. LibUtils reads java.io.tmpdir each time it
     * unpacks, so the property points at the private folder while {@code load} runs and is restored after
     * (the JDK's own temporary files never see it: the JDK reads the property once, at start-up). The folder
     * and what it holds are deleted when the JVM exits (Linux keeps loaded libraries mapped).
     */
    static synchronized <T> T withPrivateNatives(java.util.function.Supplier<T> load) {
        String shared = System.getProperty("java.io.tmpdir");
        try {
            System.setProperty("java.io.tmpdir", privateNativeDirectory().toString());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("could not make a private folder for JCuda's native libraries in " + shared + ": " + e.getMessage(), e);
        }
        try {
            return load.get();
        } finally {
            System.setProperty("java.io.tmpdir", shared);
        }
    }

    /** The private folder of {@link #withPrivateNatives}: made on first use, mode 0700, removed at exit. */
    static synchronized java.nio.file.Path privateNativeDirectory() throws java.io.IOException {
        if (nativeDirectory == null) {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("jvicreg-jcuda-",
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "jcuda-natives-cleanup"));
            nativeDirectory = dir;
        }
        return nativeDirectory;
    }

    private static void deleteTree(java.nio.file.Path dir) {
        try (var files = java.nio.file.Files.walk(dir)) {
            for (java.nio.file.Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.deleteIfExists(p);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            // a folder left in the temporary directory, private to this user
        }
    }
}
