package org.jvicreg.vicreg.loss;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The edge of BYOL's normalisation that the fixtures (ByolParityTest) do not reach: a prediction row of zeros. */
class ByolLossTest {

    /**
     * F.normalize divides by max(||p||, 1e-12), so a zero row's normalised value is zero and its gradient is
     * -2 z_i / (N ||z_i|| 1e-12) from the numerator alone (the clamped norm passes none): large, never NaN.
     */
    @Test
    void aZeroRowHasTheGradientOfFNormalize() {
        Tensor p = Tensor.of(new float[] {0, 0, 0, 1, 2, 3}, 2, 3).requiresGrad(true);
        Tensor z = Tensor.of(new float[] {1, 2, 2, 3, 0, 4}, 2, 3);
        Tensor loss = ByolLoss.normalizedMse(p, z);
        loss.backward();
        float[] g = p.grad().toArray();
        for (float v : g) assertTrue(Float.isFinite(v), "gradient " + java.util.Arrays.toString(g));
        float[] zRow = {1, 2, 2};
        for (int j = 0; j < 3; j++) {
            double expected = -2.0 / 2 * zRow[j] / 3.0 / 1e-12;
            assertEquals(expected, g[j], Math.abs(expected) * 1e-5, "d loss / d p[0][" + j + "]");
        }
        double cos = (1 * 3 + 2 * 0 + 3 * 4) / (Math.sqrt(14) * 5);
        assertEquals((2 + (2 - 2 * cos)) / 2, loss.item(), 1e-6, "loss with a zero row");
    }
}
