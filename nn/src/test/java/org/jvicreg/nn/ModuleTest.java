package org.jvicreg.nn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Names, state dicts, modes and initialisation statistics. */
class ModuleTest {
    @TempDir
    Path dir;

    private static Sequential net(long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Linear(4, 8, true, rng), BatchNorm.bn1d(8), new Layers.ReLU(), new Linear(8, 3, false, rng));
    }

    @Test
    void dottedNamesInTorchOrder() {
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                "1.num_batches_tracked", "3.weight"), List.copyOf(net(1).stateDict().keySet()));
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "3.weight"), List.copyOf(net(1).namedParameters().keySet()));
        assertEquals(4 * 8 + 8 + 8 + 8 + 8 * 3, net(1).parameterCount());
    }

    @Test
    void stateDictRoundTripThroughSafetensors() throws IOException {
        Sequential a = net(1), b = net(2);
        a.forward(Tensor.randn(new Rng(3), 5, 4)); // moves running stats and the counter
        Path f = dir.resolve("w.safetensors");
        StateDicts.save(a, f);
        assertTrue(StateDicts.load(b, f, true).clean());
        for (var e : a.stateDict().entrySet()) {
            assertArrayEquals(e.getValue().toArray(), b.stateDict().get(e.getKey()).toArray(), e.getKey());
        }
        assertEquals(1f, b.stateDict().get("1.num_batches_tracked").item());
    }

    @Test
    void loadReportsMissingUnexpectedAndMisshapenKeysByName() {
        Sequential a = net(1);
        Map<String, Tensor> state = new java.util.LinkedHashMap<>(net(2).stateDict());
        state.remove("0.bias");
        state.put("fc.weight", Tensor.zeros(2, 2));
        state.put("3.weight", Tensor.zeros(3, 9));
        float[] before = a.stateDict().get("0.weight").toArray();
        var e = assertThrows(IllegalArgumentException.class, () -> a.loadStateDict(state, true));
        assertTrue(e.getMessage().contains("0.bias") && e.getMessage().contains("fc.weight")
                && e.getMessage().contains("3.weight (checkpoint [3, 9], model [3, 8])"), e.getMessage());
        assertArrayEquals(before, a.stateDict().get("0.weight").toArray(), "strict failure modifies nothing");
        Module.LoadReport r = a.loadStateDict(state, false, "fc.*");
        assertEquals(List.of("0.bias"), r.missing());
        assertEquals(List.of(), r.unexpected());
        assertEquals(1, r.shapeMismatches().size());
    }

    @Test
    void truncatedCheckpointNamesTheFile() throws IOException {
        Path f = dir.resolve("w.safetensors");
        StateDicts.save(net(1), f);
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        var e = assertThrows(IOException.class, () -> StateDicts.load(net(2), f, true));
        assertTrue(e.getMessage().contains("w.safetensors") && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void trainAndEvalModesChangeBatchNorm() {
        Sequential a = net(1);
        Tensor x = Tensor.randn(new Rng(4), 6, 4).mul(3f).add(1f);
        a.forward(x);
        Tensor rm = a.stateDict().get("1.running_mean");
        assertTrue(Math.abs(rm.sum().item()) > 0, "running mean moved");
        a.eval();
        assertTrue(!a.get(1).isTraining());
        float[] e1 = a.forward(x).toArray(), e2 = a.forward(x.narrow(0, 0, 1)).toArray();
        for (int j = 0; j < 3; j++) assertEquals(e1[j], e2[j], 1e-5, "eval output of a row does not depend on the batch");
        assertEquals(1f, a.stateDict().get("1.num_batches_tracked").item());
        var bad = assertThrows(IllegalArgumentException.class, () -> a.forward(Tensor.zeros(2, 5)));
        assertTrue(bad.getMessage().contains("Linear(4 -> 8)"), bad.getMessage());
    }

    @Test
    void initialisationStatistics() {
        Rng rng = new Rng(5);
        Tensor w = Init.kaimingNormalFanOut(rng, 64, 32, 3, 3);
        double std = Math.sqrt(w.var(new int[] {0, 1, 2, 3}, true, false).item());
        assertEquals(Math.sqrt(2.0 / (64 * 9)), std, 0.02 * std);
        Tensor u = new Linear(100, 50, true, rng).weight();
        float bound = (float) (1 / Math.sqrt(100));
        assertTrue(u.max().item() <= bound && u.neg().max().item() <= bound);
        assertEquals(bound * bound / 3, u.var(new int[] {0, 1}, true, false).item(), 0.1 * bound * bound / 3);
    }
}
