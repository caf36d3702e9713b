package org.jvicreg.engine.cuda;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * How the CUDA backend starts, from system properties (which win) and environment variables:
 * <ul>
 *   <li>{@code jvicreg.cuda.libs} / {@code JVICREG_CUDA_LIBS}: extra directories (path-separator list)
 *       searched first for libcublas.so.* and libcudnn.so.*;</li>
 *   <li>{@code jvicreg.cuda.tf32} / {@code JVICREG_CUDA_TF32}: let float32 GEMM and convolutions run as
 *       TF32 on tensor cores (default false: full float32);</li>
 *   <li>{@code jvicreg.cuda.provider} / {@code JVICREG_CUDA_PROVIDER}: {@code auto} (JCublas2/JCudnn where
 *       their natives bind, else FFM), {@code jcuda} or {@code ffm} only;</li>
 *   <li>{@code jvicreg.cuda.device} / {@code JVICREG_CUDA_DEVICE}: the device ordinal (default 0);</li>
 *   <li>{@code jvicreg.cuda.benchmark} / {@code JVICREG_CUDA_BENCHMARK}: time every cuDNN algorithm the
 *       first time a convolution shape runs and keep the fastest, as PyTorch's
 *       {@code cudnn.benchmark = True} (default false: cuDNN's heuristics choose, as PyTorch's default);</li>
 *   <li>{@code jvicreg.cuda.cudnnGraph} / {@code JVICREG_CUDA_CUDNN_GRAPH}: run convolutions through cuDNN's
 *       graph API with an execution plan kept per shape (default true where the library has it), else
 *       through the legacy {@code cudnnConvolution*} calls.</li>
 * </ul>
 */
public record CudaOptions(List<Path> libraryDirs, boolean tf32, Provider provider, int device, boolean benchmark,
                          boolean cudnnGraph) {

    public static final String LIBS_PROPERTY = "jvicreg.cuda.libs";
    public static final String LIBS_ENV = "JVICREG_CUDA_LIBS";
    public static final String TF32_PROPERTY = "jvicreg.cuda.tf32";
    public static final String TF32_ENV = "JVICREG_CUDA_TF32";
    public static final String PROVIDER_PROPERTY = "jvicreg.cuda.provider";
    public static final String PROVIDER_ENV = "JVICREG_CUDA_PROVIDER";
    public static final String DEVICE_PROPERTY = "jvicreg.cuda.device";
    public static final String DEVICE_ENV = "JVICREG_CUDA_DEVICE";
    public static final String BENCHMARK_PROPERTY = "jvicreg.cuda.benchmark";
    public static final String BENCHMARK_ENV = "JVICREG_CUDA_BENCHMARK";
    public static final String CUDNN_GRAPH_PROPERTY = "jvicreg.cuda.cudnnGraph";
    public static final String CUDNN_GRAPH_ENV = "JVICREG_CUDA_CUDNN_GRAPH";

    /** Which binding of cuBLAS and cuDNN may be used. */
    public enum Provider {
        AUTO, JCUDA, FFM;

        boolean allowsJCuda() {
            return this != FFM;
        }

        boolean allowsFfm() {
            return this != JCUDA;
        }
    }

    public CudaOptions {
        libraryDirs = List.copyOf(libraryDirs);
        if (device < 0) throw new IllegalArgumentException("cuda: device ordinal must be >= 0, got " + device);
    }

    public static CudaOptions fromSystem() {
        return from(System.getProperties(), System.getenv());
    }

    public static CudaOptions from(Properties props, Map<String, String> env) {
        List<Path> dirs = new ArrayList<>();
        addPathList(dirs, props.getProperty(LIBS_PROPERTY));
        addPathList(dirs, env.get(LIBS_ENV));
        String tf32 = setting(props, env, TF32_PROPERTY, TF32_ENV, "false");
        String provider = setting(props, env, PROVIDER_PROPERTY, PROVIDER_ENV, "auto");
        String device = setting(props, env, DEVICE_PROPERTY, DEVICE_ENV, "0");
        String benchmark = setting(props, env, BENCHMARK_PROPERTY, BENCHMARK_ENV, "false");
        String graph = setting(props, env, CUDNN_GRAPH_PROPERTY, CUDNN_GRAPH_ENV, "true");
        return new CudaOptions(dirs, parseBoolean(TF32_PROPERTY, tf32), parseProvider(provider), parseDevice(device),
                parseBoolean(BENCHMARK_PROPERTY, benchmark), parseBoolean(CUDNN_GRAPH_PROPERTY, graph));
    }

    private static String setting(Properties props, Map<String, String> env, String property, String variable, String dflt) {
        String v = props.getProperty(property);
        if (v == null || v.isBlank()) v = env.get(variable);
        return v == null || v.isBlank() ? dflt : v.trim();
    }

    private static void addPathList(List<Path> out, String list) {
        if (list == null) return;
        for (String part : list.split(File.pathSeparator)) {
            if (!part.isBlank()) out.add(Path.of(part.trim()));
        }
    }

    private static boolean parseBoolean(String name, String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new IllegalArgumentException(name + ": expected true or false, got '" + v + "'");
        };
    }

    private static Provider parseProvider(String v) {
        try {
            return Provider.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PROVIDER_PROPERTY + ": expected auto, jcuda or ffm, got '" + v + "'");
        }
    }

    private static int parseDevice(String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(DEVICE_PROPERTY + ": expected a device ordinal, got '" + v + "'");
        }
    }
}
