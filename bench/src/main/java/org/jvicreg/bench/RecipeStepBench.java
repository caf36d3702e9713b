package org.jvicreg.bench;

import org.jvicreg.engine.Device;
import org.jvicreg.vicreg.bench.VicregStepWorkload;
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
 * One step of recipe R without the data loader (two views of 256 1 x 28 x 28 images, ResNet-18 width 16
 * with the small stem, 512-512-512 expander, VICReg loss, LARS): the workload of
 * {@code vicreg bench recipe-step}. Each measured iteration is one step.
 * <pre>
 *   java -jar bench/target/benchmarks.jar RecipeStepBench
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseG1GC", "-Xms4g", "-Xmx4g",
    "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 4)
@Measurement(iterations = 8)
public class RecipeStepBench {
    @Param({"256"})
    int batch;

    @Param({"28"})
    int size;

    private VicregStepWorkload work;

    @Setup
    public void setup() {
        work = VicregStepWorkload.recipe(batch, size, Device.cpu());
    }

    @Benchmark
    public void step() {
        work.run();
    }
}
