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
 *
 *   JAVA_HOME/bin/java --add-modules jdk.incubator.vector -cp vicreg/target/jvicreg-cli.jar bench/recipe/RecipeLayers.java
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

    public static void main(String[] args) {
        int batch = 256;
        Rng rng = new Rng(1);
        double[] totals = new double[2];
        System.out.printf("%-28s %-10s %8s %8s %8s %10s%n", "layer", "layout", "fwd", "dgrad", "wgrad", "per step");
        for (ResNet50Convs.Layer l : RecipeConvs.ALL) {
            int c = l.in(), k = l.out(), h = l.size(), f = l.filter(), st = l.stride(), count = l.count();
            ConvGeometry g = new ConvGeometry(batch, c, h, h, k, f, f, st, st, l.pad(), l.pad(), 1, 1, 1);
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
                System.out.printf("%-28s %-10s %8.2f %8.2f %8.2f %10.1f%n", l.name(), last ? "batch-last" : "NCHW", fwd, dgrad, wgrad, step);
            }
        }
        System.out.printf("convolutions per step (two views): NCHW %.0f ms, batch-last %.0f ms%n", totals[0], totals[1]);
    }
}
