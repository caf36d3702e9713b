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
            return CudaBackend.open(options);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            throw new IllegalStateException("the JCuda driver library did not load, so there is no usable NVIDIA driver"
                    + " (libcuda.so.1) here: " + ProviderChoice.reason(e), e);
        } catch (CudaError e) {
            throw new IllegalStateException("the NVIDIA driver did not start: " + e.getMessage(), e);
        }
    }
}
