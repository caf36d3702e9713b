package org.jvicreg.bench;

import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.nn.optim.Lars;
import org.jvicreg.vicreg.model.ResNet;
import org.jvicreg.vicreg.model.Vicreg;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One LARS step (official hyper-parameters) over recipe R's parameters (ResNet-18 width 16 with the small
 * stem, expander 512-512-512: 62 tensors, 1.29 M floats), each with a fixed random gradient: on the CPU one
 * fused backend call per parameter ({@code Backend#larsStep}).
 * <pre>
 *   java -jar bench/target/benchmarks.jar LarsStepBench
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LarsStepBench {
    private Lars lars;

    @Setup
    public void setup() {
        Rng rng = new Rng(3);
        List<Tensor> params = new Vicreg(new ResNet.Config("resnet18", 1, 16, true, true), "512-512-512", rng).parameters();
        for (Tensor p : params) p.setGrad(Tensor.randn(rng, p.shape()).mul(1e-3f));
        lars = Lars.official(params, 0.3);
    }

    @Benchmark
    public void step() {
        lars.step();
    }
}
