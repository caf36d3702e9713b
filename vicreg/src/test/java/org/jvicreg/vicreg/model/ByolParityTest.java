package org.jvicreg.vicreg.model;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Fixtures;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.SafeTensors;
import org.jvicreg.nn.optim.Lars;
import org.jvicreg.vicreg.loss.ByolLoss;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One BYOL step against PyTorch (fixtures/byol, make_fixtures.py there: float64 from the same float32 weights):
 * the loss, every online gradient, and after the LARS step and the target's moving average both networks'
 * parameters, running statistics and batch counters, each within 1e-4 relative error (max abs difference over
 * max abs value per tensor). A bias followed by a batch norm has a gradient of exactly zero in exact
 * arithmetic (the normalisation removes it); those are held to 1e-6 of their layer's weight gradient instead.
 */
class ByolParityTest {
    static final double TOL = 1e-4;

    private static Path fixture() {
        try {
            var url = ByolParityTest.class.getResource("/fixtures/byol/byol_step.safetensors");
            if (url == null) throw new IllegalStateException("missing fixture fixtures/byol/byol_step.safetensors");
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Tensor> prefixed(Map<String, Tensor> all, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v);
        });
        return out;
    }

    /** Compares every entry of {@code actual} with {@code expected[prefix + name]}; returns the largest error. */
    private static double compare(String what, Map<String, Tensor> expected, String prefix, Map<String, Tensor> actual) {
        double worst = 0;
        for (var e : actual.entrySet()) {
            Tensor ref = expected.get(prefix + e.getKey());
            assertTrue(ref != null, what + ": the fixture has no " + prefix + e.getKey());
            double err = Fixtures.relativeError(ref, e.getValue());
            assertTrue(err <= TOL, what + " " + e.getKey() + ": relative error " + err);
            worst = Math.max(worst, err);
        }
        return worst;
    }

    private static boolean biasBeforeBatchNorm(String name) {
        return name.equals("projector.0.bias") || name.equals("predictor.0.bias");
    }

    @Test
    void oneStepMatchesPyTorch() throws IOException {
        Path file = fixture();
        Map<String, Tensor> f = SafeTensors.read(file);
        Map<String, String> meta = SafeTensors.metadata(file);
        Byol byol = new Byol(new ResNet.Config("resnet18", 3, 4, true, true), "32-16", 24, new Rng(1));
        byol.loadStateDict(prefixed(f, "init.model."), true);
        byol.target().loadStateDict(prefixed(f, "init.target."), true);
        byol.train(true);

        Byol.Views v = byol.embed(f.get("x1"), f.get("x2"));
        Tensor loss = ByolLoss.symmetric(v.p1(), v.p2(), v.target1(), v.target2());
        double lossErr = Math.abs(loss.item() - f.get("loss").item()) / Math.abs(f.get("loss").item());
        assertTrue(lossErr <= TOL, "loss " + loss.item() + " against " + f.get("loss").item());
        loss.backward();

        double gradErr = 0;
        Map<String, Tensor> params = byol.namedParameters();
        for (var e : params.entrySet()) {
            Tensor ref = f.get("grad." + e.getKey());
            if (biasBeforeBatchNorm(e.getKey())) {
                String weight = e.getKey().replace(".bias", ".weight");
                double scale = maxAbs(f.get("grad." + weight)), got = maxAbs(e.getValue().grad());
                assertTrue(maxAbs(ref) <= 1e-9 * scale && got <= 1e-6 * scale, e.getKey() + " gradient " + got + " of " + scale);
                continue;
            }
            double err = Fixtures.relativeError(ref, e.getValue().grad());
            assertTrue(err <= TOL, "gradient of " + e.getKey() + ": relative error " + err);
            gradErr = Math.max(gradErr, err);
        }
        for (Tensor p : byol.target().parameters()) assertNull(p.grad(), "no gradient reaches the target");

        double tau = Double.parseDouble(meta.get("tau"));
        new Lars(byol.parameters(), Double.parseDouble(meta.get("lr")), Double.parseDouble(meta.get("weight_decay")),
                Double.parseDouble(meta.get("momentum")), Double.parseDouble(meta.get("eta"))).step();
        byol.updateTarget(tau);
        assertEquals(prefixed(f, "after.model.").keySet(), byol.stateDict().keySet());
        assertEquals(prefixed(f, "after.target.").keySet(), byol.target().stateDict().keySet());
        double onlineErr = compare("online after the step", f, "after.model.", byol.stateDict());
        double targetErr = compare("target after the moving average", f, "after.target.", byol.target().stateDict());
        System.out.printf(Locale.ROOT, "BYOL step against PyTorch: loss %.3g, gradients %.3g, online after LARS %.3g, target %.3g%n",
                lossErr, gradErr, onlineErr, targetErr);
    }

    private static double maxAbs(Tensor t) {
        double m = 0;
        for (float x : t.toArray()) m = Math.max(m, Math.abs(x));
        return m;
    }
}
