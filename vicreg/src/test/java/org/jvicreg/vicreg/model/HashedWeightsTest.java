package org.jvicreg.vicreg.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.jvicreg.engine.Tensor;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java generator builds the same weights as make_fixtures.py's numpy one (checked through its per-tensor sums). */
class HashedWeightsTest {

    @ParameterizedTest
    @ValueSource(strings = {"resnet18", "resnet34", "resnet50"})
    void matchesThePythonGenerator(String arch) {
        TorchvisionFixture f = new TorchvisionFixture(arch);
        float[] sums = f.get("weight_sums").toArray();
        Map<String, Tensor> weights = f.weights();
        int i = 0;
        for (var e : weights.entrySet()) {
            if (e.getKey().endsWith("num_batches_tracked")) continue;
            double sum = 0;
            for (float v : e.getValue().toArray()) sum += v;
            // the fixture's float64 sum was stored as float32 by the .npy reader: compare to its rounding
            assertEquals(sums[i], sum, 1e-6 * Math.abs(sums[i]) + 1e-9, arch + " " + e.getKey());
            i++;
        }
        assertEquals(sums.length, i, "tensor count");
    }

    @Test
    void valuesStayInsideTheirSpread() {
        Tensor w = HashedWeights.tensor("resnet18", "layer1.0.conv1.weight", new int[] {64, 64, 3, 3});
        double half = Math.sqrt(6.0 / (64 * 9));
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (float v : w.toArray()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertTrue(min >= -half && max <= half && max - min > 1.9 * half, min + " .. " + max);
        Tensor var = HashedWeights.tensor("resnet18", "bn1.running_var", new int[] {64});
        for (float v : var.toArray()) assertTrue(v > 0.5f && v < 1.5f, "running_var " + v);
        Tensor last = HashedWeights.tensor("resnet50", "layer2.3.bn3.weight", new int[] {512});
        for (float v : last.toArray()) assertTrue(v > 0.1f && v < 0.3f, "last BN of a bottleneck " + v);
        Tensor middle = HashedWeights.tensor("resnet50", "layer2.3.bn2.weight", new int[] {128});
        for (float v : middle.toArray()) assertTrue(v > 0.5f && v < 1.5f, "middle BN of a bottleneck " + v);
    }
}
