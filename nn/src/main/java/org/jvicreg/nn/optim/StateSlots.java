package org.jvicreg.nn.optim;

import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Memory;
import org.jvicreg.engine.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Lazily created per-parameter state tensors (momentum, moments), saved and restored by name. */
final class StateSlots {
    private final String name;
    private final Tensor[] slots;

    StateSlots(String name, int count) {
        this.name = name;
        this.slots = new Tensor[count];
    }

    /** The slot for parameter i, created as zeros shaped like p on first use. */
    Tensor get(int i, Tensor p) {
        if (slots[i] == null) slots[i] = Memory.persistent(Tensor.zeros(p.device(), p.shape()));
        return slots[i];
    }

    boolean has(int i) {
        return slots[i] != null;
    }

    void putInto(Map<String, Tensor> out) {
        for (int i = 0; i < slots.length; i++) if (slots[i] != null) out.put(i + "." + name, slots[i]);
    }

    void loadFrom(Map<String, Tensor> state, List<Tensor> params) {
        for (int i = 0; i < slots.length; i++) {
            Tensor t = state.get(i + "." + name);
            if (t == null) {
                slots[i] = null;
                continue;
            }
            if (!Arrays.equals(t.shape(), params.get(i).shape())) {
                throw new IllegalArgumentException("optimizer state " + i + "." + name + " has shape " + Shape.str(t.shape())
                        + " but parameter " + i + " has shape " + Shape.str(params.get(i).shape()));
            }
            slots[i] = Memory.persistent(t.to(params.get(i).device()).copy());
        }
    }

    static Map<String, Tensor> collect(StateSlots... all) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (StateSlots s : all) s.putInto(out);
        return out;
    }
}
