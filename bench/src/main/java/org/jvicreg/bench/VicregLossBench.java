package org.jvicreg.bench;

import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.vicreg.loss.VicregLoss;
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
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * The VICReg loss (official coefficients, automatic covariance path) forward and backward to both inputs,
 * on CPU: the figure compared with PyTorch's official formulation timed by bench/pytorch/vicreg_loss.py on
 * the same shapes and the same machine.
 * <pre>
 *   java -jar bench/target/benchmarks.jar VicregLossBench                   (both shapes)
 *   java -jar bench/target/benchmarks.jar VicregLossBench -p n=256          (one)
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx8g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class VicregLossBench {
    @Param({"256", "2048"})
    int n;

    @Param({"8192"})
    int d;

    private Tensor x, y;
    private final VicregLoss loss = VicregLoss.official();

    @Setup
    public void setup() {
        Rng rng = new Rng(5);
        x = Tensor.randn(rng, n, d);
        y = Tensor.randn(rng, n, d).mul(0.5f);
    }

    @Benchmark
    public void forwardBackward(Blackhole bh) {
        Tensor a = x.detach().requiresGrad(true), b = y.detach().requiresGrad(true);
        VicregLoss.Result r = loss.compute(a, b);
        r.loss().backward();
        bh.consume(r.total());
        bh.consume(a.grad());
        bh.consume(b.grad());
    }
}
