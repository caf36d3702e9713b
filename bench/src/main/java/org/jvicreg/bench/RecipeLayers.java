package org.jvicreg.bench;

import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.Backend;
import org.jvicreg.engine.backend.ConvGeometry;
import org.jvicreg.engine.cpu.CpuBackend;
import org.jvicreg.vicreg.bench.RecipeConvs;
import org.jvicreg.vicreg.bench.ResNet50Convs;

/**
 * Times each convolution of recipe R's network ({@link RecipeConvs}: ResNet-18 width 16, small stem, 28 px,
 * batch 256) by itself:
 * forward, input gradient and filter gradient, on NCHW tensors and on batch-last ones, in ms, and the
 * step's share (each layer's count, two views). bench/pytorch/recipe_layers.py times the same in PyTorch.
 * With arguments {@code resnet50 LAYER...} it times those ResNet-50 layers ({@link ResNet50Convs}) instead,
 * NCHW at batch 16, as `vicreg bench conv` runs them.
 *
 * <pre>
 *   "$(bin/find-jdk)/bin/java" --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar org.jvicreg.bench.RecipeLayers
 *   "$(bin/find-jdk)/bin/java" --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar org.jvicreg.bench.RecipeLayers resnet50 layer2.0.conv2
 * </pre>
 */
public class RecipeLayers {
    static final Backend B = CpuBackend.INSTANCE;

    /** Mean over at least 5 runs and 1.5 s, after 3 warm-up runs. */
    static double time(Runnable r) {
        for (int i = 0; i < 3; i++) r.run();
        int n = 0;
        long s = System.nanoTime();
        while (n < 5 || System.nanoTime() - s < 1.5e9) {
            r.run();
            n++;
        }
        return (System.nanoTime() - s) / 1e6 / n;
    }

    /**
     * Forward, input gradient (0 when not {@code inputGradient}) and filter gradient of g in ms, on tensors in
     * NCHW or, with {@code batchLast}, (C, H, W, N) layout.
     */
    static double[] passes(ConvGeometry nchw, boolean batchLast, boolean inputGradient, Rng rng) {
        ConvGeometry g = batchLast ? nchw.withLayout(ConvGeometry.Layout.BATCH_LAST) : nchw;
        int n = g.n(), c = g.c(), k = g.k(), h = g.h(), f = g.r();
        Tensor w = Tensor.randn(rng, k, c, f, f), dw = Tensor.zeros(k, c, f, f);
        Tensor x = batchLast ? Tensor.randn(rng, c, h, h, n) : Tensor.randn(rng, n, c, h, h);
        Tensor y = batchLast ? Tensor.zeros(k, g.p(), g.q(), n) : Tensor.zeros(n, k, g.p(), g.q());
        Tensor dy = Tensor.randn(rng, y.shape()), dx = Tensor.zeros(x.shape());
        double fwd = time(() -> B.conv2dForward(g, x, w, y));
        double dgrad = !inputGradient ? 0 : time(() -> B.conv2dBackwardData(g, dy, w, dx));
        double wgrad = time(() -> B.conv2dBackwardFilter(g, x, dy, dw));
        return new double[] {fwd, dgrad, wgrad};
    }

    /** The square convolution of layer l at this batch. */
    static ConvGeometry geometry(ResNet50Convs.Layer l, int batch) {
        int h = l.size(), f = l.filter();
        return new ConvGeometry(batch, l.in(), h, h, l.out(), f, f, l.stride(), l.stride(), l.pad(), l.pad(), 1, 1, 1);
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("resnet50")) {
            resnet50(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        Rng rng = new Rng(1);
        double[] totals = new double[2];
        System.out.printf("%-28s %-10s %8s %8s %8s %10s%n", "layer", "layout", "fwd", "dgrad", "wgrad", "per step");
        for (ResNet50Convs.Layer l : RecipeConvs.ALL) {
            ConvGeometry g = geometry(l, 256);
            for (int layout = 0; layout < 2; layout++) {
                // the stem's input needs no gradient
                double[] t = passes(g, layout == 1, l.in() > 1, rng);
                double step = (t[0] + t[1] + t[2]) * l.count() * 2;
                totals[layout] += step;
                System.out.printf("%-28s %-10s %8.2f %8.2f %8.2f %10.1f%n", l.name(), layout == 1 ? "batch-last" : "NCHW",
                        t[0], t[1], t[2], step);
            }
        }
        System.out.printf("convolutions per step (two views): NCHW %.0f ms, batch-last %.0f ms%n", totals[0], totals[1]);
    }

    /** The three passes of the named ResNet-50 convolutions, NCHW at batch 16, in ms and GFLOP/s. */
    static void resnet50(String[] layers) {
        Rng rng = new Rng(1);
        System.out.printf("%-22s %16s %16s %16s %8s%n", "layer", "fwd ms (GF/s)", "dgrad", "wgrad", "total");
        for (String name : layers) {
            ResNet50Convs.Layer l = ResNet50Convs.byName(name);
            if (l == null) throw new IllegalArgumentException("no ResNet-50 convolution named " + name);
            ConvGeometry g = geometry(l, 16);
            double[] t = passes(g, false, true, rng);
            double mflop = l.flops(16) / 1e6;
            System.out.printf("%-22s %7.2f (%5.1f) %7.2f (%5.1f) %7.2f (%5.1f) %8.2f%n", name, t[0], mflop / t[0],
                    t[1], mflop / t[1], t[2], mflop / t[2], t[0] + t[1] + t[2]);
        }
    }
}
