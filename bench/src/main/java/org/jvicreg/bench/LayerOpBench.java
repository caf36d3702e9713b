package org.jvicreg.bench;

import org.jvicreg.engine.Device;
import org.jvicreg.vicreg.bench.LayerOpWorkload;
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
 * ResNet-50's memory-bound layers at batch 16, forward + backward through autograd ({@link LayerOpWorkload}):
 * train-mode batch norm on 256 x 56 x 56 alone, with ReLU, with residual add and ReLU, and the stem's max
 * pooling on 64 x 112 x 112, and the official expander's batch norm over 16 x 8192 rows. The workload of
 * {@code vicreg bench layer-op}; bench/pytorch/workloads.py
 * layer-op times PyTorch's.
 * <pre>
 *   java -jar bench/target/benchmarks.jar LayerOpBench -p op=maxpool
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseG1GC", "-Xms4g", "-Xmx4g",
    "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LayerOpBench {
    @Param({"batchnorm", "batchnorm-relu", "batchnorm-add-relu", "maxpool", "batchnorm1d"})
    String op;

    @Param({"16"})
    int batch;

    private LayerOpWorkload work;

    @Setup
    public void setup() {
        LayerOpWorkload.Op o = LayerOpWorkload.Op.byName(op);
        if (o == null) throw new IllegalArgumentException("unknown op " + op);
        int[] shape = o.defaultShape();
        work = new LayerOpWorkload(o, batch, shape[0], shape[1], Device.cpu());
    }

    @Benchmark
    public void forwardBackward() {
        work.run();
    }
}
