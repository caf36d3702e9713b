package org.jvicreg.vicreg.embed;

import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.TorchCheckpoint;
import org.jvicreg.nn.Module;
import org.jvicreg.vicreg.model.ResNet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A ResNet backbone found in a checkpoint: which tensors are the backbone's (a training checkpoint's
 * {@code model} or {@code state_dict} entry, {@code module.} and {@code backbone.} prefixes stripped, the
 * projector and {@code fc} left out) and which architecture they fit, read from their names and shapes.
 *
 * @param config the architecture the weights fit
 * @param state  the backbone's tensors under torchvision's names
 * @param picked what was taken from the file, in words
 */
public record BackboneWeights(ResNet.Config config, Map<String, Tensor> state, String picked) {

    /** The backbone in an object read by {@link TorchCheckpoint#read}. */
    static BackboneWeights fromCheckpoint(String file, Object root) throws IOException {
        Object dict = root;
        String entry = "";
        if (root instanceof Map<?, ?> m) {
            for (String key : List.of("state_dict", "model")) {
                if (m.get(key) instanceof Map<?, ?>) {
                    dict = m.get(key);
                    entry = key + ": ";
                    break;
                }
            }
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        if (dict instanceof Map<?, ?> d) {
            for (var e : d.entrySet()) {
                if (e.getKey() instanceof String k && e.getValue() instanceof Tensor t) tensors.put(k, t);
            }
        }
        if (tensors.isEmpty()) throw new IOException(file + ": holds no state dict of tensors (top level, 'state_dict' or 'model')");
        return fromStateDict(file, tensors, entry);
    }

    /** The backbone in a flat state dict (a safetensors file, or a checkpoint's dict). */
    static BackboneWeights fromStateDict(String file, Map<String, Tensor> tensors, String entry) throws IOException {
        Map<String, Tensor> state = new LinkedHashMap<>(tensors);
        String prefixes = "";
        for (String prefix : List.of("module.", "backbone.")) {
            if (state.keySet().stream().anyMatch(k -> k.startsWith(prefix))) {
                Map<String, Tensor> kept = new LinkedHashMap<>();
                for (var e : state.entrySet()) if (e.getKey().startsWith(prefix)) kept.put(e.getKey().substring(prefix.length()), e.getValue());
                state = kept;
                prefixes += prefix;
            }
        }
        int before = state.size();
        state.keySet().removeIf(k -> k.startsWith("fc.") || k.endsWith("num_batches_tracked"));
        ResNet.Config config = infer(file, state);
        String picked = entry + (prefixes.isEmpty() ? "" : prefixes + "* ") + "(" + state.size() + " tensors"
                + (tensors.size() > before ? ", " + (tensors.size() - before) + " others such as a projector ignored" : "") + ")";
        return new BackboneWeights(config, state, picked);
    }

    /** The architecture of torchvision-named ResNet weights, or an IOException saying what does not fit. */
    static ResNet.Config infer(String file, Map<String, Tensor> state) throws IOException {
        Tensor conv1 = state.get("conv1.weight");
        if (conv1 == null || conv1.dim() != 4) {
            throw new IOException(file + ": not ResNet weights: no 4-d conv1.weight (keys: " + few(new ArrayList<>(state.keySet())) + ")");
        }
        int width = conv1.size(0), channels = conv1.size(1), k = conv1.size(2);
        if (k != 7 && k != 3) throw new IOException(file + ": conv1.weight is " + k + "x" + k + " (a ResNet stem is 7x7 or 3x3)");
        boolean bottleneck = state.containsKey("layer1.0.conv3.weight");
        TreeMap<Integer, Integer> blocks = new TreeMap<>();
        for (String key : state.keySet()) {
            if (key.startsWith("layer") && key.length() > 7 && key.charAt(6) == '.') {
                int stage = key.charAt(5) - '0', dot = key.indexOf('.', 7);
                if (dot < 0) continue;
                try {
                    blocks.merge(stage, Integer.parseInt(key.substring(7, dot)) + 1, Math::max);
                } catch (NumberFormatException e) {
                    throw new IOException(file + ": unexpected key " + key);
                }
            }
        }
        List<Integer> counts = new ArrayList<>(blocks.values());
        String arch = !blocks.keySet().equals(java.util.Set.of(1, 2, 3, 4)) ? null
                : !bottleneck && counts.equals(List.of(2, 2, 2, 2)) ? "resnet18"
                : !bottleneck && counts.equals(List.of(3, 4, 6, 3)) ? "resnet34"
                : bottleneck && counts.equals(List.of(3, 4, 6, 3)) ? "resnet50" : null;
        if (arch == null) {
            throw new IOException(file + ": " + (bottleneck ? "bottleneck" : "basic") + " blocks per stage " + blocks
                    + " fit none of resnet18 [2, 2, 2, 2], resnet34 [3, 4, 6, 3], resnet50 [3, 4, 6, 3] with bottlenecks");
        }
        return new ResNet.Config(arch, channels, width, k == 3, false);
    }

    /** Loads the weights into a model of their architecture, or says which keys are wrong. */
    void loadInto(ResNet model, String file) throws IOException {
        load(model, state, file + ": ");
    }

    /**
     * Loads torchvision-named weights into a model, ignoring {@code fc.*} and the batch norms'
     * num_batches_tracked counters, or throws one line, starting with {@code where}, naming up to three
     * missing, unexpected and mis-shaped keys each.
     */
    public static void load(ResNet model, Map<String, Tensor> state, String where) throws IOException {
        List<String> ignore = new ArrayList<>(List.of("fc.*"));
        for (String k : state.keySet()) if (k.endsWith("num_batches_tracked")) ignore.add(k);
        for (String k : model.stateDict().keySet()) if (k.endsWith("num_batches_tracked")) ignore.add(k);
        Module.LoadReport report;
        try {
            report = model.loadStateDict(state, false, ignore.toArray(new String[0]));
        } catch (IllegalArgumentException e) { // a NaN, an infinity or a negative variance, by tensor name
            throw new IOException(where + e.getMessage(), e);
        }
        if (!report.clean()) {
            List<String> parts = new ArrayList<>();
            if (!report.missing().isEmpty()) parts.add("missing " + few(report.missing()));
            if (!report.unexpected().isEmpty()) parts.add("unexpected " + few(report.unexpected()));
            if (!report.shapeMismatches().isEmpty()) parts.add("wrong shape " + few(report.shapeMismatches()));
            throw new IOException(where + "does not hold torchvision " + model.config().arch() + " weights: "
                    + String.join("; ", parts));
        }
    }

    /** Up to three names, then how many more. */
    static String few(List<String> names) {
        String shown = String.join(", ", names.subList(0, Math.min(3, names.size())));
        return names.size() <= 3 ? shown : shown + " and " + (names.size() - 3) + " more";
    }
}
