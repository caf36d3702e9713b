package org.jvicreg.nn;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Fixtures;
import org.jvicreg.engine.Tensor;
import org.jvicreg.nn.optim.AdamW;
import org.jvicreg.nn.optim.Lars;
import org.jvicreg.nn.optim.Optimizer;
import org.jvicreg.nn.optim.Sgd;
import org.jvicreg.nn.optim.WarmupCosine;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Four steps of each optimizer on a 2-D weight (one zero row), a conv weight and a bias, against
 * torch.optim (SGD, AdamW) and the official VICReg LARS (fixtures/optim/make_fixtures.py).
 */
class OptimizerParityTest {

    private static void trajectory(String name, Function<List<Tensor>, Optimizer> make) {
        Fixtures in = Fixtures.of("optim", "inputs"), ref = Fixtures.of("optim", name);
        List<Tensor> params = new ArrayList<>();
        for (int i = 0; i < 3; i++) params.add(in.get("p" + i).requiresGrad(true));
        Optimizer opt = make.apply(params);
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < 3; i++) params.get(i).setGrad(in.get("grad" + k + "_p" + i));
            opt.step();
            for (int i = 0; i < 3; i++) {
                Fixtures.assertClose(name + " step " + k + " param " + i, ref.get("step" + k + "_p" + i), params.get(i), 1e-5);
            }
        }
    }

    @Test
    void sgd() {
        trajectory("sgd_momentum_wd", ps -> new Sgd(ps, 0.1, 0.9, 1e-2, false));
        trajectory("sgd_nesterov", ps -> new Sgd(ps, 0.05, 0.8, 0, true));
        trajectory("sgd_plain", ps -> new Sgd(ps, 0.3, 0, 0, false));
    }

    @Test
    void larsAsTheOfficialCode() {
        trajectory("lars_official", ps -> Lars.official(ps, 0.7));
        trajectory("lars_big_decay", ps -> new Lars(ps, 0.2, 0.05, 0.9, 0.02));
    }

    @Test
    void adamw() {
        trajectory("adamw", ps -> new AdamW(ps, 0.01, 0.9, 0.999, 1e-8, 0.05));
    }

    @Test
    void officialScheduleEveryStep() {
        float[] expected = Fixtures.of("optim", "").get("schedule_7x13_warm2_b512_lr0.2").toArray();
        WarmupCosine s = new WarmupCosine(WarmupCosine.scaledBase(0.2, 512), 2 * 13, 7 * 13, 0.001);
        for (int step = 0; step < expected.length; step++) assertEquals(expected[step], s.at(step), 1e-7, "step " + step);
    }

    @Test
    void optimizerStateRoundTrips() {
        Fixtures in = Fixtures.of("optim", "inputs");
        List<Tensor> a = new ArrayList<>(), b = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            a.add(in.get("p" + i).requiresGrad(true));
            b.add(in.get("p" + i).requiresGrad(true));
        }
        Lars la = Lars.official(a, 0.5), lb = Lars.official(b, 0.5);
        for (int i = 0; i < 3; i++) {
            a.get(i).setGrad(in.get("grad0_p" + i));
            b.get(i).setGrad(in.get("grad0_p" + i));
        }
        la.step();
        lb.step();
        Lars restored = Lars.official(b, 0.5);
        restored.loadState(la.state());
        for (int i = 0; i < 3; i++) {
            a.get(i).setGrad(in.get("grad1_p" + i));
            b.get(i).setGrad(in.get("grad1_p" + i));
        }
        la.step();
        restored.step();
        for (int i = 0; i < 3; i++) Fixtures.assertClose("resumed LARS param " + i, a.get(i), b.get(i), 0);
    }
}
