package org.jvicreg.engine;

import org.jvicreg.engine.backend.Backend;
import org.jvicreg.engine.cpu.CpuBackend;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where tensors live. {@link #cpu()} always works; {@link #cuda()} finds the CUDA backend at run
 * time (it is optional) and says why when it cannot; {@link #of(String, Backend)} names a device over a
 * backend built elsewhere.
 */
public final class Device {
    private static final Device CPU = new Device("cpu", CpuBackend.INSTANCE);
    private static final Map<Backend, Device> OTHERS = new ConcurrentHashMap<>();
    private static volatile Device cuda;
    private static volatile String cudaUnavailable;

    private final String name;
    private final Backend backend;

    private Device(String name, Backend backend) {
        this.name = name;
        this.backend = backend;
    }

    public static Device cpu() {
        return CPU;
    }

    /** The first CUDA device, or an {@link IllegalStateException} saying why there is none. */
    public static Device cuda() {
        Device d = cuda;
        if (d != null) return d;
        synchronized (Device.class) {
            if (cuda != null) return cuda;
            if (cudaUnavailable == null) probeCuda();
            if (cuda == null) throw new IllegalStateException("CUDA is unavailable: " + cudaUnavailable);
            return cuda;
        }
    }

    /** Whether {@link #cuda()} would succeed. */
    public static boolean cudaAvailable() {
        try {
            cuda();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Why CUDA is unavailable, or null when it is available or was never probed. */
    public static String cudaUnavailableReason() {
        return cudaUnavailable;
    }

    /** Parses "cpu" or "cuda" (the names the command line takes). */
    public static Device of(String name) {
        return switch (name) {
            case "cpu" -> cpu();
            case "cuda", "cuda:0", "gpu" -> cuda();
            default -> throw new IllegalArgumentException("unknown device '" + name + "' (expected cpu or cuda)");
        };
    }

    /**
     * A device over a backend built elsewhere (an embedder's own {@link Backend}, a test's emulated GPU);
     * one per backend, so asking again returns the same device.
     */
    public static Device of(String name, Backend backend) {
        if (backend == CPU.backend) return CPU;
        return OTHERS.computeIfAbsent(backend, b -> new Device(name, b));
    }

    /** The device whose backend this is: cpu, cuda, or one made by {@link #of(String, Backend)}. */
    public static Device of(Backend backend) {
        if (backend == CPU.backend) return CPU;
        Device c = cuda;
        if (c != null && c.backend == backend) return c;
        Device d = OTHERS.get(backend);
        if (d != null) return d;
        throw new IllegalArgumentException("no device has the backend " + backend.name() + " (name one with Device.of(name, backend))");
    }

    private static void probeCuda() {
        try {
            for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
                if (!p.name().equals("cuda")) continue;
                try {
                    Backend b = p.create();
                    cuda = new Device("cuda", b);
                    return;
                } catch (Throwable t) {
                    cudaUnavailable = String.valueOf(t.getMessage() != null ? t.getMessage() : t);
                    return;
                }
            }
            cudaUnavailable = "no CUDA backend on the class path (the engine was built without JCuda)";
        } catch (Throwable t) {
            cudaUnavailable = t.toString();
        }
    }

    public Backend backend() {
        return backend;
    }

    /** How many threads the CPU backend's kernels run on (the cores, or the system property jvicreg.threads). */
    public static int cpuThreads() {
        return CpuBackend.threads();
    }

    public String name() {
        return name;
    }

    public boolean isCpu() {
        return this == CPU;
    }

    @Override
    public String toString() {
        return name;
    }

    /** A backend implementation that can be found with {@link ServiceLoader}. */
    public interface BackendProvider {
        String name();

        /** Creates the backend, or throws with a message saying why it cannot run here. */
        Backend create() throws Exception;
    }
}
