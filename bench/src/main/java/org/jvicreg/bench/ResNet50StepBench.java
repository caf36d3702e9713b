package org.jvicreg.bench;

import org.jvicreg.engine.Device;
import org.jvicreg.vicreg.bench.ResNet50StepWorkload;
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
 * One ResNet-50 SGD training step (train-mode batch norm) at batch 16, 224 x 224: the workload of
 * {@code vicreg bench resnet50-step}. Each measured iteration is one step. images/s = batch / time.
 * <pre>
 *   java -jar bench/target/benchmarks.jar ResNet50StepBench
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseG1GC", "-Xms3g", "-Xmx3g",
    "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 4)
@Measurement(iterations = 8)
public class ResNet50StepBench {
    @Param({"16"})
    int batch;

    @Param({"224"})
    int size;

    private ResNet50StepWorkload work;

    @Setup
    public void setup() {
        work = new ResNet50StepWorkload(batch, size, Device.cpu());
    }

    @Benchmark
    public void step() {
        work.run();
    }
}
