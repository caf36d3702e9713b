package org.jvicreg.bench;

import org.jvicreg.engine.Device;
import org.jvicreg.vicreg.bench.ConvWorkload;
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
 * Every distinct ResNet-50 convolution ({@link ResNet50Convs}) at batch 16 and 224 x 224 input, through
 * autograd as training runs it: forward alone, and forward + backward (both gradients; the stem's input
 * needs none). The workload of {@code vicreg bench conv}.
 * <pre>
 *   java -jar bench/target/benchmarks.jar ConvLayerBench -p layer=layer3.1.conv2 -p pass=fwdbwd
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseG1GC", "-Xms6g", "-Xmx6g",
    "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ConvLayerBench {
    @Param({"conv1", "layer1.0.conv1", "layer1.0.conv2", "layer1.0.conv3", "layer1.1.conv1",
        "layer2.0.conv1", "layer2.0.conv2", "layer2.0.conv3", "layer2.0.downsample", "layer2.1.conv1", "layer2.1.conv2",
        "layer3.0.conv1", "layer3.0.conv2", "layer3.0.conv3", "layer3.0.downsample", "layer3.1.conv1", "layer3.1.conv2",
        "layer4.0.conv1", "layer4.0.conv2", "layer4.0.conv3", "layer4.0.downsample", "layer4.1.conv1", "layer4.1.conv2"})
    String layer;

    @Param({"fwd", "fwdbwd"})
    String pass;

    @Param({"16"})
    int batch;

    private ConvWorkload work;

    @Setup
    public void setup() {
        ResNet50Convs.Layer l = ResNet50Convs.byName(layer);
        if (l == null) throw new IllegalArgumentException("unknown layer " + layer);
        work = new ConvWorkload(l, batch, pass.equals("fwdbwd"), Device.cpu());
    }

    @Benchmark
    public void conv() {
        work.run();
    }
}
