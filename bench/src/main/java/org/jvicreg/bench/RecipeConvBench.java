package org.jvicreg.bench;

import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.Backend;
import org.jvicreg.engine.backend.ConvGeometry;
import org.jvicreg.engine.cpu.CpuBackend;
import org.jvicreg.vicreg.bench.RecipeConvs;
import org.jvicreg.vicreg.bench.ResNet50Convs;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Each convolution of recipe R's network ({@link RecipeConvs}) at batch 256: forward, input gradient and
 * filter gradient through the CPU backend, on NCHW tensors or batch-last ones (the kernels the CPU uses
 * for this network). RecipeLayers (in this module) prints the same per pass; recipe_layers.py is PyTorch's.
 * <pre>
 *   java -jar bench/target/benchmarks.jar RecipeConvBench -p layer=layer4.0.conv2
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseG1GC", "-Xms2g", "-Xmx2g",
    "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RecipeConvBench {
    @Param({"conv1", "layer1.0.conv1", "layer2.0.conv1", "layer2.0.conv2", "layer2.0.downsample", "layer3.0.conv1",
        "layer3.0.conv2", "layer3.0.downsample", "layer4.0.conv1", "layer4.0.conv2", "layer4.0.downsample"})
    String layer;

    @Param({"batch-last", "nchw"})
    String layout;

    private static final Backend B = CpuBackend.INSTANCE;
    private ConvGeometry g;
    private Tensor x, w, y, dy, dx, dw;
    private boolean last;

    @Setup
    public void setup() {
        ResNet50Convs.Layer l = RecipeConvs.byName(layer);
        int n = 256, c = l.in(), k = l.out(), h = l.size(), f = l.filter(), p = l.outSize();
        last = layout.equals("batch-last");
        g = new ConvGeometry(n, c, h, h, k, f, f, l.stride(), l.stride(), l.pad(), l.pad(), 1, 1, 1,
                last ? ConvGeometry.Layout.BATCH_LAST : ConvGeometry.Layout.NCHW);
        Rng rng = new Rng(1);
        x = last ? Tensor.randn(rng, c, h, h, n) : Tensor.randn(rng, n, c, h, h);
        y = last ? Tensor.zeros(k, p, p, n) : Tensor.zeros(n, k, p, p);
        w = Tensor.randn(rng, k, c, f, f);
        dy = Tensor.randn(rng, y.shape());
        dx = Tensor.zeros(x.shape());
        dw = Tensor.zeros(w.shape());
    }

    /** Forward, then both gradients (the stem's input needs none), as one training step runs them. */
    @Benchmark
    public void fwdbwd() {
        B.conv2dForward(g, x, w, y);
        if (g.c() > 1) B.conv2dBackwardData(g, dy, w, dx);
        B.conv2dBackwardFilter(g, x, dy, dw);
    }
}
