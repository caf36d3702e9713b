package org.jvicreg.engine.io;

import org.jvicreg.engine.Tensor;

import java.io.IOException;
import java.util.Map;

/**
 * Finds NaN and infinite values in tensors read from outside, so that a loader can refuse them by the
 * tensor's name instead of training or evaluating on them (a NaN weight turns every output into NaN).
 */
public final class NonFinite {
    private NonFinite() {}

    /** The flat index of the first NaN or infinite value of {@code values}, or -1 when every value is finite. */
    public static int firstIndex(float[] values) {
        for (int i = 0; i < values.length; i++) if (!Float.isFinite(values[i])) return i;
        return -1;
    }

    /**
     * What is wrong with the first tensor, in map order, that holds a NaN or infinite value, e.g.
     * "tensor 'fc.weight' holds a non-finite value (NaN) at flat index 3", or null when all are finite.
     */
    public static String describeFirst(Map<String, Tensor> tensors) {
        for (var e : tensors.entrySet()) {
            float[] v = e.getValue().toArray();
            int i = firstIndex(v);
            if (i >= 0) {
                return "tensor " + Json.shown(e.getKey()) + " holds a non-finite value (" + v[i] + ") at flat index " + i;
            }
        }
        return null;
    }

    /**
     * What makes the first unusable tensor of a state dict unusable, or null: a NaN or infinite value anywhere
     * ({@link #describeFirst}), or a negative value in a batch norm's variance (a name ending in running_var),
     * e.g. "tensor 'bn1.running_var' holds a negative variance (-1.0) at flat index 0".
     */
    public static String describeUnusable(Map<String, Tensor> tensors) {
        String bad = describeFirst(tensors);
        if (bad != null) return bad;
        for (var e : tensors.entrySet()) {
            if (!e.getKey().endsWith("running_var")) continue;
            float[] v = e.getValue().toArray();
            for (int i = 0; i < v.length; i++) {
                if (v[i] < 0) {
                    return "tensor " + Json.shown(e.getKey()) + " holds a negative variance (" + v[i] + ") at flat index " + i;
                }
            }
        }
        return null;
    }

    /**
     * Refuses tensors read from {@code source} (a file name) when one of them is unusable
     * ({@link #describeUnusable}): throws an IOException with the one-line message "SOURCE: tensor 'NAME' holds
     * a non-finite value (NaN) at flat index I" (or "... a negative variance ...") for the first such tensor;
     * returns {@code tensors} otherwise.
     */
    public static Map<String, Tensor> require(String source, Map<String, Tensor> tensors) throws IOException {
        String bad = describeUnusable(tensors);
        if (bad != null) throw new IOException(source + ": " + bad);
        return tensors;
    }
}
