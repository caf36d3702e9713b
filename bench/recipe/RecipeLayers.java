import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.Backend;
import org.jvicreg.engine.backend.ConvGeometry;
import org.jvicreg.engine.cpu.CpuBackend;

/**
 * Times each convolution of recipe R's network (ResNet-18 width 16, small stem, 28 px, batch 256) by itself:
 * forward, input gradient and filter gradient, on NCHW tensors and on batch-last ones, in ms, and the
 * step's share (each layer's count, two views). bench/pytorch/recipe_layers.py times the same in PyTorch.
 *
 *   JAVA_HOME/bin/java --add-modules jdk.incubator.vector -cp vicreg/target/jvicreg-cli.jar bench/recipe/RecipeLayers.java
 */
public class RecipeLayers {
    static final Backend B = CpuBackend.INSTANCE;

    /** Name, in channels, out channels, input size, filter, stride, occurrences per view. */
    static final Object[][] LAYERS = {
        {"stem 1->16 28px", 1, 16, 28, 3, 1, 1},
        {"layer1 16->16 28px", 16, 16, 28, 3, 1, 4},
        {"layer2.0.conv1 16->32 s2", 16, 32, 28, 3, 2, 1},
        {"layer2 32->32 14px", 32, 32, 14, 3, 1, 3},
        {"layer2 downsample 1x1 s2", 16, 32, 28, 1, 2, 1},
        {"layer3.0.conv1 32->64 s2", 32, 64, 14, 3, 2, 1},
        {"layer3 64->64 7px", 64, 64, 7, 3, 1, 3},
        {"layer3 downsample 1x1 s2", 32, 64, 14, 1, 2, 1},
        {"layer4.0.conv1 64->128 s2", 64, 128, 7, 3, 2, 1},
        {"layer4 128->128 4px", 128, 128, 4, 3, 1, 3},
        {"layer4 downsample 1x1 s2", 64, 128, 7, 1, 2, 1},
    };

    /** Median-free mean over at least 5 runs and 1.5 s, after 3 warm-up runs. */
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

    public static void main(String[] args) {
        int batch = 256;
        Rng rng = new Rng(1);
        double[] totals = new double[2];
        System.out.printf("%-28s %-10s %8s %8s %8s %10s%n", "layer", "layout", "fwd", "dgrad", "wgrad", "per step");
        for (Object[] l : LAYERS) {
            int c = (int) l[1], k = (int) l[2], h = (int) l[3], f = (int) l[4], st = (int) l[5], count = (int) l[6];
            ConvGeometry g = new ConvGeometry(batch, c, h, h, k, f, f, st, st, f / 2, f / 2, 1, 1, 1);
            Tensor w = Tensor.randn(rng, k, c, f, f), dw = Tensor.zeros(k, c, f, f);
            for (int layout = 0; layout < 2; layout++) {
                boolean last = layout == 1;
                Tensor x = last ? Tensor.randn(rng, c, h, h, batch) : Tensor.randn(rng, batch, c, h, h);
                Tensor y = last ? Tensor.zeros(k, g.p(), g.q(), batch) : Tensor.zeros(batch, k, g.p(), g.q());
                Tensor dy = Tensor.randn(rng, y.shape()), dx = Tensor.zeros(x.shape());
                double fwd = time(() -> { if (last) B.conv2dForwardBatchLast(g, x, w, y); else B.conv2dForward(g, x, w, y); });
                // the stem's input needs no gradient
                double dgrad = c == 1 ? 0 : time(() -> { if (last) B.conv2dBackwardDataBatchLast(g, dy, w, dx); else B.conv2dBackwardData(g, dy, w, dx); });
                double wgrad = time(() -> { if (last) B.conv2dBackwardFilterBatchLast(g, x, dy, dw); else B.conv2dBackwardFilter(g, x, dy, dw); });
                double step = (fwd + dgrad + wgrad) * count * 2;
                totals[layout] += step;
                System.out.printf("%-28s %-10s %8.2f %8.2f %8.2f %10.1f%n", l[0], last ? "batch-last" : "NCHW", fwd, dgrad, wgrad, step);
            }
        }
        System.out.printf("convolutions per step (two views): NCHW %.0f ms, batch-last %.0f ms%n", totals[0], totals[1]);
    }
}
