package org.jvicreg.engine;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.jvicreg.engine.Fixtures.assertClose;

/**
 * The engine against PyTorch on golden fixtures (fixtures/torch, made by make_fixtures.py): forward
 * values and gradients within 1e-4 relative error (max abs error / max abs reference).
 */
class TorchParityTest {
    static final double TOL = 1e-4;

    private static Fixtures fx(String name) {
        return Fixtures.of("torch", name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"conv_3x3_s1_p1_bias", "conv_3x3_s2_p1", "conv_7x7_s2_p3_stem", "conv_1x1_s1",
        "conv_1x1_s2_downsample", "conv_3x3_groups4", "conv_3x3_dilation2", "conv_rect_2x3_s12"})
    void conv2d(String name) {
        Fixtures f = fx(name);
        float[] m = f.get("meta").toArray();
        boolean hasBias = name.contains("bias") || name.contains("groups");
        Tensor x = f.var("x"), w = f.var("w"), b = hasBias ? f.var("b") : null;
        Tensor y = F.conv2d(x, w, b, new int[] {(int) m[0], (int) m[1]}, new int[] {(int) m[2], (int) m[3]},
                new int[] {(int) m[4], (int) m[5]}, (int) m[6]);
        assertClose(name + " y", f.get("y"), y, TOL);
        y.backward(f.get("gy"));
        assertClose(name + " dx", f.get("gx"), x.grad(), TOL);
        assertClose(name + " dw", f.get("gw"), w.grad(), TOL);
        if (b != null) assertClose(name + " db", f.get("gb"), b.grad(), TOL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bn_train_4d", "bn_train_2d", "bn_train_3d", "bn_eval_4d"})
    void batchNorm(String name) {
        Fixtures f = fx(name);
        Tensor x = f.var("x"), w = f.var("weight"), b = f.var("bias");
        Tensor rm = f.get("running_mean"), rv = f.get("running_var");
        boolean training = name.contains("train");
        Tensor y = F.batchNorm(x, rm, rv, w, b, training, 0.1f, 1e-5f);
        assertClose(name + " y", f.get("y"), y, TOL);
        y.backward(f.get("gy"));
        assertClose(name + " dx", f.get("gx"), x.grad(), TOL);
        assertClose(name + " dweight", f.get("gweight"), w.grad(), TOL);
        assertClose(name + " dbias", f.get("gbias"), b.grad(), TOL);
        assertClose(name + " running_mean", f.get("running_mean_after"), rm, TOL);
        assertClose(name + " running_var", f.get("running_var_after"), rv, TOL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"maxpool_3x3_s2_p1", "maxpool_2x2_s2", "avgpool_3x3_s2_p1", "avgpool_2x2_s2",
        "adaptive_avg_1x1", "adaptive_avg_3x2"})
    void pooling(String name) {
        Fixtures f = fx(name);
        Tensor x = f.var("x");
        Tensor y = switch (name) {
            case "maxpool_3x3_s2_p1" -> F.maxPool2d(x, 3, 2, 1);
            case "maxpool_2x2_s2" -> F.maxPool2d(x, 2, 2, 0);
            case "avgpool_3x3_s2_p1" -> F.avgPool2d(x, 3, 2, 1);
            case "avgpool_2x2_s2" -> F.avgPool2d(x, 2, 2, 0);
            case "adaptive_avg_1x1" -> F.adaptiveAvgPool2d(x, 1, 1);
            default -> F.adaptiveAvgPool2d(x, 3, 2);
        };
        assertClose(name + " y", f.get("y"), y, TOL);
        y.backward(f.get("gy"));
        assertClose(name + " dx", f.get("gx"), x.grad(), TOL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"softmax_axis1", "log_softmax_axis1"})
    void softmax(String name) {
        Fixtures f = fx(name);
        Tensor x = f.var("x");
        Tensor y = name.startsWith("log") ? F.logSoftmax(x, 1) : F.softmax(x, 1);
        assertClose(name + " y", f.get("y"), y, TOL);
        y.backward(f.get("gy"));
        assertClose(name + " dx", f.get("gx"), x.grad(), TOL);
    }

    @org.junit.jupiter.api.Test
    void crossEntropy() {
        Fixtures f = fx("cross_entropy");
        Tensor logits = f.var("logits");
        Tensor loss = F.crossEntropy(logits, f.get("target"));
        assertClose("cross_entropy loss", f.get("loss"), loss.reshape(1), TOL);
        loss.backward();
        assertClose("cross_entropy dlogits", f.get("glogits"), logits.grad(), TOL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"matmul_2d", "matmul_2d_tA", "matmul_2d_tB", "matmul_2d_tAtB", "matmul_batched",
        "matmul_broadcast", "matmul_large_k"})
    void matmul(String name) {
        Fixtures f = fx(name);
        float[] m = f.get("meta").toArray();
        Tensor a = f.var("a"), b = f.var("b");
        Tensor y = a.matmul(b, m[0] != 0, m[1] != 0);
        assertClose(name + " y", f.get("y"), y, TOL);
        y.backward(f.get("gy"));
        assertClose(name + " da", f.get("ga"), a.grad(), TOL);
        assertClose(name + " db", f.get("gb"), b.grad(), TOL);
    }
}
