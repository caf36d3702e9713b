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
 * Square SGEMM C = A B on the CPU backend, all cores: the workload of {@code vicreg bench gemm}, compared
 * with torch.mm by bench/pytorch/compare.py. GFLOP/s = 2 n^3 / time.
 * <pre>
 *   java -jar bench/target/benchmarks.jar GemmBench -p n=2048
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseG1GC", "-Xms4g", "-Xmx4g",
    "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class GemmBench {
    @Param({"256", "512", "1024", "2048", "4096"})
    int n;

    private GemmWorkload work;

    @Setup
    public void setup() {
        work = GemmWorkload.square(n, Device.cpu());
    }

    @Benchmark
    public void gemm() {
        work.run();
    }
}
