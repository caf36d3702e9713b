package org.jvicreg.nn;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Weights files whose values no model should load, one row each: the tensor spoiled, the value put in,
 * and the one-line message naming the file and the tensor. Nothing is loaded when one is refused.
 */
class HostileWeightsTest {
    @TempDir
    Path dir;

    record Row(String tensor, int index, float value, String message) {}

    static Stream<Row> rows() {
        return Stream.of(
                new Row("0.weight", 5, Float.NaN, "tensor '0.weight' holds a non-finite value (NaN) at flat index 5"),
                new Row("3.weight", 0, Float.POSITIVE_INFINITY, "tensor '3.weight' holds a non-finite value (Infinity) at flat index 0"),
                new Row("1.running_mean", 2, Float.NEGATIVE_INFINITY,
                        "tensor '1.running_mean' holds a non-finite value (-Infinity) at flat index 2"),
                new Row("1.running_var", 7, -0.5f, "tensor '1.running_var' holds a negative variance (-0.5) at flat index 7"));
    }

    private static Sequential net(long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Linear(4, 8, true, rng), BatchNorm.bn1d(8), new Layers.ReLU(), new Linear(8, 3, false, rng));
    }

    @ParameterizedTest
    @MethodSource("rows")
    void refusedByTheTensorsNameAndNothingLoads(Row r) throws IOException {
        Map<String, Tensor> state = new LinkedHashMap<>(net(1).stateDict());
        float[] v = state.get(r.tensor()).toArray();
        v[r.index()] = r.value();
        state.put(r.tensor(), Tensor.of(v, state.get(r.tensor()).shape()));
        Path f = dir.resolve("spoiled.safetensors");
        SafeTensors.write(f, state, Map.of());

        Sequential target = net(2);
        float[] before = target.stateDict().get("0.weight").toArray();
        var e = assertThrows(IOException.class, () -> StateDicts.load(target, f, true));
        assertEquals(f + ": " + r.message(), e.getMessage());
        assertArrayEquals(before, target.stateDict().get("0.weight").toArray(), "a refused load modifies nothing");
        assertThrows(IllegalArgumentException.class, () -> target.loadStateDict(state, false), "non-strict loads refuse too");
    }
}
