package org.jvicreg.vicreg.model;

import org.jvicreg.engine.Tensor;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The deterministic weights of the torchvision fixtures (fixtures/torchvision/make_fixtures.py builds the
 * same ones in numpy): every value is a pure function of the tensor's name and the flat index, computed
 * with integer and IEEE double operations that Python and Java perform identically, so a full-width
 * ResNet's weights need not be stored. For a tensor NAME and flat index i:
 * <pre>
 *   seed  = FNV-1a 64 of NAME's UTF-8 bytes
 *   z     = splitmix64(seed + (i + 1) * 0x9E3779B97F4A7C15)
 *   v     = ((z >>> 40) + 0.5) * 2^-23 - 1                   in (-1, 1), exact
 *   value = (float) (centre + halfWidth * v)
 * </pre>
 * The spread (centre, halfWidth) depends on the kind of tensor; make_fixtures.py explains the choices,
 * notably why the last BN of each residual branch gets small weights.
 */
public final class HashedWeights {
    private HashedWeights() {}

    /** A state dict entry: its name, shape, and whether it is a parameter (else a buffer). */
    public record Entry(String name, int[] shape, boolean parameter) {}

    /** The generated checkpoint of architecture {@code arch}; num_batches_tracked counters are 0. */
    public static Map<String, Tensor> checkpoint(String arch, Iterable<Entry> entries) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Entry e : entries) {
            out.put(e.name(), e.name().endsWith("num_batches_tracked") ? Tensor.zeros(e.shape()) : tensor(arch, e.name(), e.shape()));
        }
        return out;
    }

    /** One generated tensor of architecture {@code arch} (resnet18, resnet34 or resnet50). */
    public static Tensor tensor(String arch, String name, int[] shape) {
        double[] spread = spread(name, shape, arch.equals("resnet50") ? "bn3" : "bn2");
        long seed = fnv1a64(name);
        long n = 1;
        for (int d : shape) n *= d;
        float[] data = new float[Math.toIntExact(n)];
        for (int i = 0; i < data.length; i++) {
            long z = splitmix64(seed + (i + 1L) * 0x9E3779B97F4A7C15L);
            double v = ((z >>> 40) + 0.5) * 0x1p-23 - 1.0;
            data[i] = (float) (spread[0] + spread[1] * v);
        }
        return Tensor.of(data, shape);
    }

    /**
     * (centre, half width): conv weights spread like kaiming_normal_(fan_out); BN and running stats
     * randomised, the last BN of a residual branch ({@code lastBn}: bn2 or bn3) with small weights.
     */
    static double[] spread(String name, int[] shape, String lastBn) {
        if (name.matches("layer\\d+\\.\\d+\\." + lastBn + "\\.weight")) return new double[] {0.2, 0.1};
        if (name.endsWith("running_var")) return new double[] {1.0, 0.5};
        if (name.endsWith("running_mean")) return new double[] {0.0, 0.2};
        if (name.startsWith("fc.")) return new double[] {0.0, 0.05};
        if (shape.length == 4) return new double[] {0.0, Math.sqrt(6.0 / ((double) shape[0] * shape[2] * shape[3]))};
        if (name.endsWith("weight")) return new double[] {1.0, 0.5};
        if (name.endsWith("bias")) return new double[] {0.0, 0.2};
        throw new IllegalArgumentException("no spread for " + name);
    }

    static long fnv1a64(String name) {
        long h = 0xCBF29CE484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) h = (h ^ (b & 0xff)) * 0x100000001B3L;
        return h;
    }

    static long splitmix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
