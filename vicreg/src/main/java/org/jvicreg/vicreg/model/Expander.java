package org.jvicreg.vicreg.model;

import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.nn.BatchNorm;
import org.jvicreg.nn.Layers;
import org.jvicreg.nn.Linear;
import org.jvicreg.nn.Module;
import org.jvicreg.nn.Sequential;

/**
 * The VICReg expander ("projector" in the official code) from a spec such as "8192-8192-8192":
 * Linear-BN-ReLU for each hidden layer, then a final Linear without bias. Names follow nn.Sequential
 * ("0.weight", "1.running_mean", ...); each BN-ReLU pair runs as one fused pass, forward and backward.
 */
public final class Expander extends Module {
    private final Sequential layers;
    private final int outDim;

    public Expander(int inDim, String spec, Rng rng) {
        int[] dims = parse(spec);
        int[] f = new int[dims.length + 1];
        f[0] = inDim;
        System.arraycopy(dims, 0, f, 1, dims.length);
        Sequential s = new Sequential();
        for (int i = 0; i < f.length - 2; i++) {
            s.add(new Linear(f[i], f[i + 1], true, rng));
            s.add(BatchNorm.bn1d(f[i + 1]));
            s.add(new Layers.ReLU());
        }
        s.add(new Linear(f[f.length - 2], f[f.length - 1], false, rng));
        layers = s;
        // registered under no prefix of its own: the Sequential's children are this module's children
        for (var e : s.children().entrySet()) registerModule(e.getKey(), e.getValue());
        outDim = f[f.length - 1];
    }

    /** "8192-8192-8192" to {8192, 8192, 8192}; a clear error for anything else. */
    public static int[] parse(String spec) {
        String[] parts = spec.trim().split("-");
        int[] dims = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                dims[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad expander spec '" + spec + "' (expected sizes joined by '-', e.g. 8192-8192-8192)");
            }
            if (dims[i] <= 0) throw new IllegalArgumentException("bad expander spec '" + spec + "': sizes must be positive");
        }
        return dims;
    }

    public int outDim() {
        return outDim;
    }

    /** The layers in order, each batch norm and the ReLU after it as one fused pass ({@link BatchNorm#forwardRelu}). */
    @Override
    public Tensor forward(Tensor x) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof BatchNorm bn && i + 1 < layers.size() && layers.get(i + 1) instanceof Layers.ReLU) {
                x = bn.forwardRelu(x);
                i++;
            } else {
                x = layers.get(i).forward(x);
            }
        }
        return x;
    }
}
