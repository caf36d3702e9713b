package org.jvicreg.bench;

import org.jvicreg.engine.Device;
import org.jvicreg.vicreg.bench.GemmWorkload;
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
 * The VICReg covariance product C = Z^T Z (d x d, depth n) on the CPU backend: the workload of
 * {@code vicreg bench ztz}. GFLOP/s = 2 n d^2 / time.
 * <pre>
 *   java -jar bench/target/benchmarks.jar ZtzBench
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseG1GC", "-Xms4g", "-Xmx4g",
    "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class ZtzBench {
    @Param({"256", "512"})
    int n;

    @Param({"8192"})
    int d;

    private GemmWorkload work;

    @Setup
    public void setup() {
        work = GemmWorkload.ztz(n, d, Device.cpu());
    }

    @Benchmark
    public void ztz() {
        work.run();
    }
}
