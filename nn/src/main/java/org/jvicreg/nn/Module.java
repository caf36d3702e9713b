package org.jvicreg.nn;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.NonFinite;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A layer or a network: named parameters (tensors that require grad), named buffers (state such as
 * BatchNorm's running statistics) and named child modules. Names join with dots in registration order,
 * which is how torchvision names its state dicts ({@code layer1.0.bn1.running_var}).
 */
public abstract class Module {
    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** The module's computation on one input. */
    public abstract Tensor forward(Tensor x);

    protected Tensor registerParameter(String name, Tensor t) {
        checkName(name);
        t.requiresGrad(true);
        params.put(name, t);
        return t;
    }

    protected Tensor registerBuffer(String name, Tensor t) {
        checkName(name);
        buffers.put(name, t);
        return t;
    }

    protected <M extends Module> M registerModule(String name, M m) {
        checkName(name);
        children.put(name, m);
        return m;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) throw new IllegalArgumentException("bad module entry name '" + name + "'");
        if (params.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("'" + name + "' is already registered in " + getClass().getSimpleName());
        }
    }

    /** This module's own parameter by local name (as registered), for use in forward(). */
    protected Tensor param(String name) {
        return params.get(name);
    }

    protected Tensor buffer(String name) {
        return buffers.get(name);
    }

    public Map<String, Module> children() {
        return java.util.Collections.unmodifiableMap(children);
    }

    /** Every parameter under its dotted name, depth-first in registration order. */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true, false);
        return out;
    }

    public List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    public Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, false, true);
        return out;
    }

    /** Parameters and buffers under their dotted names, in torchvision's order (each module's own first). */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true, true);
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out, boolean withParams, boolean withBuffers) {
        if (withParams) params.forEach((k, v) -> out.put(prefix + k, v));
        if (withBuffers) buffers.forEach((k, v) -> out.put(prefix + k, v));
        children.forEach((k, m) -> m.collect(prefix + k + ".", out, withParams, withBuffers));
    }

    /** What a state-dict load found: names missing from the source, names it had that we do not, shape clashes. */
    public record LoadReport(List<String> missing, List<String> unexpected, List<String> shapeMismatches) {
        public boolean clean() {
            return missing.isEmpty() && unexpected.isEmpty() && shapeMismatches.isEmpty();
        }

        @Override
        public String toString() {
            List<String> parts = new ArrayList<>();
            if (!missing.isEmpty()) parts.add("missing keys " + missing);
            if (!unexpected.isEmpty()) parts.add("unexpected keys " + unexpected);
            if (!shapeMismatches.isEmpty()) parts.add("shape mismatches " + shapeMismatches);
            return parts.isEmpty() ? "all keys matched" : String.join("; ", parts);
        }
    }

    /**
     * Copies values from {@code state} into this module's parameters and buffers by name. Keys matching
     * one of {@code ignore} (exact names or "prefix.*") are skipped. With {@code strict}, any missing,
     * unexpected or mis-shaped key is an error naming all of them and nothing is modified; otherwise
     * matching keys load and the report lists the rest. Either way a tensor that would load and holds a
     * NaN or infinite value, or a {@code running_var} with a negative value, is an error naming the tensor
     * (the first in this module's order), and nothing is modified.
     */
    public LoadReport loadStateDict(Map<String, Tensor> state, boolean strict, String... ignore) {
        Map<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), mismatch = new ArrayList<>();
        for (var e : own.entrySet()) {
            if (ignored(e.getKey(), ignore)) continue;
            Tensor src = state.get(e.getKey());
            if (src == null) missing.add(e.getKey());
            else if (!Arrays.equals(src.shape(), e.getValue().shape())) {
                mismatch.add(e.getKey() + " (checkpoint " + Shape.str(src.shape()) + ", model " + Shape.str(e.getValue().shape()) + ")");
            }
        }
        for (String k : state.keySet()) if (!own.containsKey(k) && !ignored(k, ignore)) unexpected.add(k);
        LoadReport report = new LoadReport(missing, unexpected, mismatch);
        if (strict && !report.clean()) throw new IllegalArgumentException("state dict does not match the model: " + report);
        Map<String, Tensor> loading = new LinkedHashMap<>();
        for (var e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src != null && !ignored(e.getKey(), ignore) && Arrays.equals(src.shape(), e.getValue().shape())) loading.put(e.getKey(), src);
        }
        checkValues(loading);
        try (var g = Grad.off()) {
            for (var e : loading.entrySet()) {
                Tensor dst = own.get(e.getKey());
                dst.assignInPlace(e.getValue().to(dst.device()));
            }
        }
        return report;
    }

    /** Refuses non-finite values anywhere and negative values in a variance, naming the first bad tensor. */
    private static void checkValues(Map<String, Tensor> loading) {
        String bad = NonFinite.describeUnusable(loading);
        if (bad != null) throw new IllegalArgumentException(bad);
    }

    private static boolean ignored(String key, String[] ignore) {
        for (String p : ignore) {
            if (p.endsWith(".*") ? key.startsWith(p.substring(0, p.length() - 1)) : key.equals(p)) return true;
        }
        return false;
    }

    /** Training mode (batch statistics in BatchNorm) for this module and all below it; returns this. */
    public Module train(boolean on) {
        training = on;
        for (Module m : children.values()) m.train(on);
        return this;
    }

    public Module eval() {
        return train(false);
    }

    public boolean isTraining() {
        return training;
    }

    public void zeroGrad() {
        for (Tensor p : parameters()) p.zeroGrad();
    }

    /** Moves every parameter and buffer to the device (in place in this module's registry); returns this. */
    public Module to(Device device) {
        try (var g = Grad.off()) {
            params.replaceAll((k, v) -> v.device() == device ? v : v.to(device).requiresGrad(true));
            buffers.replaceAll((k, v) -> v.device() == device ? v : v.to(device));
        }
        for (Module m : children.values()) m.to(device);
        return this;
    }

    /** Number of scalar parameters. */
    public long parameterCount() {
        long n = 0;
        for (Tensor p : parameters()) n += p.numel();
        return n;
    }
}
