package org.jvicreg.vicreg.loss;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.jvicreg.engine.Fixtures;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loss and its gradients against the official formulation (fixtures/vicreg_loss), on both covariance paths. */
class VicregLossTest {
    static final double TOL = 1e-4;

    private static void assertRel(String what, double expected, double actual) {
        double err = Math.abs(expected - actual) / Math.max(1e-12, Math.abs(expected));
        assertTrue(err <= TOL || Math.abs(expected - actual) < 1e-9, what + ": expected " + expected + ", got " + actual + " (rel " + err + ")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"n2_d5", "n16_d37_gram", "n64_d24_direct", "near_collapse", "correlated", "n32_d300_coeffs"})
    void matchesTheOfficialCode(String name) {
        Fixtures f = Fixtures.of("vicreg_loss", name);
        float[] t = f.get("terms").toArray();
        for (VicregLoss.CovPath path : VicregLoss.CovPath.values()) {
            Tensor x = f.var("x"), y = f.var("y");
            VicregLoss loss = new VicregLoss(t[4], t[5], t[6], path);
            VicregLoss.Result r = loss.compute(x, y);
            String w = name + " (" + path + ")";
            assertRel(w + " loss", t[0], r.total());
            assertRel(w + " invariance", t[1], r.invariance());
            assertRel(w + " variance", t[2], r.variance());
            assertRel(w + " covariance", t[3], r.covariance());
            float[] norms = f.get("term_grad_norms").toArray();
            VicregLoss.TermGradients gn = r.gradientNorms();
            assertRel(w + " |d invariance|", norms[0], gn.invariance());
            assertRel(w + " |d variance|", norms[1], gn.variance());
            assertRel(w + " |d covariance|", norms[2], gn.covariance());
            r.loss().backward();
            Fixtures.assertClose(w + " d/dx", f.get("grad_x"), x.grad(), TOL);
            Fixtures.assertClose(w + " d/dy", f.get("grad_y"), y.grad(), TOL);
        }
    }

    @Test
    void gramAndDirectPathsAgreeOnRandomShapes() {
        int[][] shapes = {{3, 7}, {8, 8}, {20, 9}, {33, 130}, {5, 64}, {31, 32}, {63, 64}, {128, 129}};
        Rng rng = new Rng(11);
        for (int[] s : shapes) {
            Tensor x = Tensor.randn(rng, s), y = Tensor.randn(rng, s).mul(0.3f);
            VicregLoss.Result gram = new VicregLoss(25, 25, 1, VicregLoss.CovPath.GRAM).compute(x.detach().requiresGrad(true), y);
            Tensor xd = x.detach().requiresGrad(true);
            VicregLoss.Result direct = new VicregLoss(25, 25, 1, VicregLoss.CovPath.DIRECT).compute(xd, y);
            assertRel("covariance " + java.util.Arrays.toString(s), direct.covariance(), gram.covariance());
            Tensor xg = x.detach().requiresGrad(true);
            new VicregLoss(25, 25, 1, VicregLoss.CovPath.GRAM).compute(xg, y).loss().backward();
            direct.loss().backward();
            Fixtures.assertClose("gradient " + java.util.Arrays.toString(s), xd.grad(), xg.grad(), TOL);
        }
    }

    @Test
    void upstreamGradientScalesTheResult() {
        Rng rng = new Rng(12);
        Tensor x = Tensor.randn(rng, 6, 10).requiresGrad(true), y = Tensor.randn(rng, 6, 10);
        VicregLoss.official().compute(x, y).loss().mul(3f).backward();
        Tensor g3 = x.grad();
        x.zeroGrad();
        VicregLoss.official().compute(x, y).loss().backward();
        Fixtures.assertClose("3 * grad", x.grad().mul(3f), g3, 1e-6);
    }

    @Test
    void errorsSayWhy() {
        var e = assertThrows(IllegalArgumentException.class, () -> VicregLoss.official().compute(Tensor.zeros(1, 4), Tensor.zeros(1, 4)));
        assertTrue(e.getMessage().contains("at least 2 samples") && e.getMessage().contains("N - 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> VicregLoss.official().compute(Tensor.zeros(4, 4), Tensor.zeros(4, 5)));
        assertTrue(e.getMessage().contains("[4, 4]") && e.getMessage().contains("[4, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> VicregLoss.official().compute(Tensor.zeros(4), Tensor.zeros(4)));
        assertTrue(e.getMessage().contains("(N, D)"), e.getMessage());
    }

    @Test
    void collapsedEmbeddingsMaximiseTheVarianceTerm() {
        Tensor c = Tensor.full(0.5f, 8, 16);
        VicregLoss.Result r = VicregLoss.official().compute(c, c);
        assertEquals(0.0, r.invariance(), 0);
        assertEquals(1 - Math.sqrt(1e-4), r.variance(), 1e-6);
        assertEquals(0.0, r.covariance(), 1e-12);
    }
}
