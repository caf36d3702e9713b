package org.jvicreg.vicreg.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A ResNet computes the same features, parameter gradients and running statistics with batch-last
 * activations as with NCHW ones (whose numbers the torchvision fixtures check), in train and eval mode
 * (gradients to within ten times their own sensitivity to a 2-ulp change of the images, or 1e-4):
 * the small-image stem and the ImageNet stem with its max-pool, basic blocks and bottlenecks, at a batch
 * and widths the direct batch-last kernels take.
 */
class ResNetLayoutTest {

    @ParameterizedTest
    @CsvSource({"resnet18, 1, 8, true, 12", "resnet50, 3, 8, false, 32"})
    void batchLastMatchesNchw(String arch, int channels, int width, boolean smallStem, int size) {
        ResNet.Config config = new ResNet.Config(arch, channels, width, smallStem, false);
        Tensor images = Tensor.randn(new Rng(3), 32, channels, size, size);
        Run nchw = run(config, ResNet.Layout.NCHW, images), batchLast = run(config, ResNet.Layout.BATCH_LAST, images);
        // how much the NCHW gradients themselves move when the images move by about 2 ulps: a deep ResNet
        // at a few pixels per image in train mode amplifies rounding (ResNet-50 at 32 px: up to 5e-2)
        Run nudged = run(config, ResNet.Layout.NCHW, images.mul(1.0000002f));
        close(arch + " train features", nchw.train, batchLast.train, 1e-4);
        close(arch + " eval features", nchw.eval, batchLast.eval, 1e-4);
        for (String name : nchw.grads.keySet()) {
            double own = relativeError(nchw.grads.get(name), nudged.grads.get(name));
            close(arch + " gradient of " + name, nchw.grads.get(name), batchLast.grads.get(name), Math.max(1e-4, 10 * own));
        }
        for (String name : nchw.state.keySet()) {
            close(arch + " " + name, nchw.state.get(name), batchLast.state.get(name), 1e-4);
        }
    }

    private record Run(Tensor train, Tensor eval, Map<String, Tensor> grads, Map<String, Tensor> state) {}

    /** Features in train mode (and their gradients for a fixed random seed), then in eval mode. */
    private static Run run(ResNet.Config config, ResNet.Layout layout, Tensor images) {
        ResNet model = new ResNet(config, new Rng(7)).layout(layout);
        model.train(true);
        Tensor f = model.forward(images);
        f.backward(Tensor.randn(new Rng(8), f.shape()));
        Map<String, Tensor> grads = new java.util.LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> grads.put(name, p.grad()));
        model.train(false);
        Tensor eval = model.forward(images);
        return new Run(f.detach(), eval, grads, model.stateDict());
    }

    private static void close(String what, Tensor expected, Tensor actual, double tol) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double err = relativeError(expected, actual);
        assertTrue(err <= tol, what + ": relative error " + err + " > " + tol);
    }

    /** max |a - e| / max |e| (0 when both are all zeros). */
    private static double relativeError(Tensor expected, Tensor actual) {
        float[] e = expected.toArray(), a = actual.toArray();
        double err = 0, ref = 0;
        for (int i = 0; i < e.length; i++) {
            err = Math.max(err, Math.abs(e[i] - a[i]));
            ref = Math.max(ref, Math.abs(e[i]));
        }
        return ref == 0 ? err : err / ref;
    }
}
