package org.jvicreg.vicreg.model;

import org.jvicreg.engine.Fixtures;
import org.jvicreg.engine.Tensor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One architecture's folder of fixtures/torchvision (see make_fixtures.py there): torchvision's state-dict
 * layout, the input batch and gradient seed, and PyTorch's outputs and gradients in eval and train mode
 * for the weights {@link HashedWeights} generates.
 */
public final class TorchvisionFixture {
    /** Gradients are compared at flat indices (k * STRIDE) % numel for k < min(SAMPLES, numel). */
    public static final int SAMPLES = 256;
    public static final long STRIDE = 1000003;

    private final String arch;
    private final Fixtures files;
    private final List<HashedWeights.Entry> stateDict;

    public TorchvisionFixture(String arch) {
        this.arch = arch;
        this.files = Fixtures.of("torchvision", arch);
        this.stateDict = readStateDict(arch);
    }

    public String arch() {
        return arch;
    }

    /** torchvision's state dict (fc = Identity) in its order. */
    public List<HashedWeights.Entry> stateDict() {
        return stateDict;
    }

    /** The parameters among the state dict, in named_parameters() order. */
    public List<HashedWeights.Entry> parameters() {
        return stateDict.stream().filter(HashedWeights.Entry::parameter).toList();
    }

    /** The generated weights as a checkpoint, num_batches_tracked counters included. */
    public Map<String, Tensor> weights() {
        return HashedWeights.checkpoint(arch, stateDict);
    }

    public Tensor get(String array) {
        return files.get(array);
    }

    /** The sampled entries of {@code full}, in the order make_fixtures.py stored them. */
    public static float[] sample(Tensor full) {
        float[] v = full.toArray();
        int k = Math.min(SAMPLES, v.length);
        float[] out = new float[k];
        for (int i = 0; i < k; i++) out[i] = v[(int) ((i * STRIDE) % v.length)];
        return out;
    }

    /** How many sampled entries a parameter of this shape contributes. */
    public static int sampleCount(int[] shape) {
        return (int) Math.min(SAMPLES, Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b));
    }

    private static List<HashedWeights.Entry> readStateDict(String arch) {
        String resource = "/fixtures/torchvision/" + arch + "/state_dict.txt";
        var in = TorchvisionFixture.class.getResourceAsStream(resource);
        if (in == null) throw new IllegalStateException("missing fixture " + resource);
        List<HashedWeights.Entry> out = new ArrayList<>();
        try (var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) continue;
                String[] f = line.trim().split(" ");
                if (f.length != 3) throw new IllegalStateException(resource + ": bad line '" + line + "'");
                int[] shape = f[1].isEmpty() ? new int[0] : Arrays.stream(f[1].split(",")).mapToInt(Integer::parseInt).toArray();
                out.add(new HashedWeights.Entry(f[0], shape, f[2].equals("param")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
