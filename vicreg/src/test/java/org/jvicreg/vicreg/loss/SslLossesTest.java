package org.jvicreg.vicreg.loss;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.jvicreg.engine.Fixtures;
import org.jvicreg.engine.Tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Barlow Twins and NT-Xent against the reference formulations in PyTorch (fixtures/ssl_losses), a zero embedding included. */
class SslLossesTest {
    static final double TOL = 1e-4;

    private static void assertRel(String what, double expected, double actual) {
        double err = Math.abs(expected - actual) / Math.max(1e-12, Math.abs(expected));
        assertTrue(err <= TOL, what + ": expected " + expected + ", got " + actual + " (rel " + err + ")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"barlow_n16_d40", "barlow_n48_d12", "simclr_n8_d16", "simclr_n20_d33", "simclr_zero_row_n6_d5"})
    void matchesTheReference(String name) {
        Fixtures f = Fixtures.of("ssl_losses", name);
        float[] t = f.get("terms").toArray();
        Tensor x = f.var("x"), y = f.var("y");
        SslLoss loss = name.startsWith("barlow") ? new BarlowTwinsLoss(t[3]) : new NtXentLoss(t[1]);
        SslLoss.Terms r = loss.evaluate(x, y);
        assertRel(name + " loss", t[0], r.loss().item());
        if (name.startsWith("barlow")) {
            assertRel(name + " on-diagonal", t[1], r.values().get("on_diagonal"));
            assertRel(name + " off-diagonal", t[2], r.values().get("off_diagonal"));
        }
        r.loss().backward();
        Fixtures.assertClose(name + " d/dx", f.get("grad_x"), x.grad(), TOL);
        Fixtures.assertClose(name + " d/dy", f.get("grad_y"), y.grad(), TOL);
    }
}
