package org.jvicreg.vicreg.model;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BYOL's networks: names, the target as a copy outside the trained parameters, its moving average and schedule. */
class ByolTest {
    private static Byol byol() {
        return new Byol(new ResNet.Config("resnet18", 1, 2, true, true), "8-6", 5, new Rng(3));
    }

    @Test
    void onlineNetworkHasThePredictorAndTheTargetIsACopyOutsideIt() {
        Byol b = byol();
        Map<String, Tensor> state = b.stateDict();
        for (String k : new String[] {"predictor.0.weight", "predictor.0.bias", "predictor.1.running_var", "predictor.3.weight",
            "predictor.3.bias"}) {
            assertTrue(state.containsKey(k), k + " in " + state.keySet());
        }
        assertArrayEquals(new int[] {5, 6}, state.get("predictor.0.weight").shape(), "Linear D -> H with D the projector's output");
        assertArrayEquals(new int[] {6, 5}, state.get("predictor.3.weight").shape());
        assertTrue(state.keySet().stream().noneMatch(k -> k.startsWith("target")), "the target is not in the online state dict");
        Map<String, Tensor> target = b.target().stateDict();
        assertEquals(state.keySet().stream().filter(k -> !k.startsWith("predictor.")).toList(), target.keySet().stream().toList());
        for (var e : target.entrySet()) {
            assertArrayEquals(state.get(e.getKey()).toArray(), e.getValue().toArray(), e.getKey());
            assertTrue(e.getValue() != state.get(e.getKey()), "a copy, not the same tensor: " + e.getKey());
        }
        for (Tensor p : b.target().parameters()) assertFalse(p.requiresGrad());
        b.eval();
        assertFalse(b.target().isTraining(), "eval() reaches the target");
        b.train(true);
        assertTrue(b.target().backbone().isTraining());
    }

    @Test
    void updateTargetIsTheMovingAverageOfTheOnlineParameters() {
        Byol b = byol();
        Map<String, Tensor> online = b.namedParameters();
        Rng r = new Rng(9);
        try (var g = Grad.off()) {
            for (Tensor p : online.values()) p.assignInPlace(Tensor.randn(r, p.shape()));
        }
        Map<String, float[]> before = new java.util.HashMap<>();
        b.target().namedParameters().forEach((k, v) -> before.put(k, v.toArray()));
        Map<String, float[]> buffers = new java.util.HashMap<>();
        b.target().namedBuffers().forEach((k, v) -> buffers.put(k, v.toArray()));

        b.updateTarget(0.9);
        for (var e : b.target().namedParameters().entrySet()) {
            float[] xi = before.get(e.getKey()), theta = online.get(e.getKey()).toArray(), got = e.getValue().toArray();
            for (int i = 0; i < xi.length; i++) assertEquals(0.9f * xi[i] + (1 - 0.9f) * theta[i], got[i], 0f, e.getKey());
        }
        b.target().namedBuffers().forEach((k, v) -> assertArrayEquals(buffers.get(k), v.toArray(), "buffers are the target's own: " + k));
        b.updateTarget(0);
        b.target().namedParameters().forEach((k, v) -> assertArrayEquals(online.get(k).toArray(), v.toArray(), k));
        assertThrows(IllegalArgumentException.class, () -> b.updateTarget(1.5));
    }

    @Test
    void targetDecayRisesFromTheBaseToOneOnACosine() {
        assertEquals(0.996, Byol.targetDecay(0.996, 0, 1000), 1e-15);
        assertEquals(0.998, Byol.targetDecay(0.996, 500, 1000), 1e-15);
        assertEquals(1.0, Byol.targetDecay(0.996, 1000, 1000), 1e-15);
        assertEquals(1 - 0.004 * (Math.cos(Math.PI * 0.25) + 1) / 2, Byol.targetDecay(0.996, 250, 1000), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> Byol.targetDecay(0.996, 0, 0));
    }
}
