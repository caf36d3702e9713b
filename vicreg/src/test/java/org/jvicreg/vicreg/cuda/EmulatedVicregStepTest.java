package org.jvicreg.vicreg.cuda;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Fixtures;
import org.jvicreg.engine.Memory;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.cuda.CudaBackend;
import org.jvicreg.engine.cuda.EmulatedDevice;
import org.jvicreg.nn.optim.Lars;
import org.jvicreg.vicreg.loss.SslLoss;
import org.jvicreg.vicreg.loss.VicregLoss;
import org.jvicreg.vicreg.model.ResNet;
import org.jvicreg.vicreg.model.Vicreg;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@link ResNet50CudaStepTest} checks on a GPU, on the CPU emulator of the CUDA backend (the real
 * launch code, kernels, FFM bindings to a host cuBLAS/cuDNN): a whole VICReg step of a small model
 * (ResNet-18 width 4 with the small-image stem, both residual forms, downsampling; expander 32-32-32;
 * the official loss through its N x N Gram path; LARS) against the CPU from the same weights, then a
 * few steps without device memory growth. It runs everywhere g++ is, so the model-level CUDA path is
 * checked where no GPU is (and is skipped by native-kernels/gpu-check.sh, which runs the real one).
 */
class EmulatedVicregStepTest {
    private static final int BATCH = 8, SIZE = 12;
    private static CudaBackend gpu;
    private static Device device;
    private static EmulatedDevice emulator;

    @BeforeAll
    static void open() throws Throwable {
        emulator = EmulatedCuda.load("ResNet50CudaStepTest checks the real step");
        gpu = emulator.backend();
        gpu.setTf32(false);
        device = Device.of("cuda-emulated", gpu);
    }

    private static Vicreg model(Device d) {
        Vicreg m = new Vicreg(new ResNet.Config("resnet18", 3, 4, true, false), "32-32-32", new Rng(11));
        m.to(d);
        m.train(true);
        return m;
    }

    private static Map<String, Tensor> step(Vicreg m, Lars opt, Tensor a, Tensor b, double[] terms) {
        VicregLoss.Result r = m.embed(a, b).loss(VicregLoss.official());
        opt.zeroGrad();
        r.loss().backward();
        terms[0] = r.invariance();
        terms[1] = r.variance();
        terms[2] = r.covariance();
        VicregLoss.TermGradients norms = r.gradientNorms(); // after backward, as the trainer logs them
        terms[3] = norms.invariance();
        terms[4] = norms.variance();
        terms[5] = norms.covariance();
        Map<String, Tensor> grads = new LinkedHashMap<>();
        m.namedParameters().forEach((k, p) -> grads.put(k, p.grad().to(Device.cpu())));
        opt.step();
        return grads;
    }

    @Test
    void aVicregStepMatchesTheCpuAndFurtherStepsDoNotGrowDeviceMemory() {
        Rng r = new Rng(3);
        Tensor a = Tensor.randn(r, BATCH, 3, SIZE, SIZE), b = Tensor.randn(r, BATCH, 3, SIZE, SIZE);
        Vicreg cpuModel = model(Device.cpu()), gpuModel = model(device);
        Lars cpuOpt = Lars.official(cpuModel.parameters(), 0.2), gpuOpt = Lars.official(gpuModel.parameters(), 0.2);
        Tensor ag = a.to(device), bg = b.to(device);
        double[] cpuTerms = new double[6], gpuTerms = new double[6]; // three terms, then their gradient norms
        try (var scope = Memory.scope()) {
            Map<String, Tensor> c = step(cpuModel, cpuOpt, a, b, cpuTerms), g = step(gpuModel, gpuOpt, ag, bg, gpuTerms);
            for (int i = 0; i < 6; i++) {
                assertEquals(cpuTerms[i], gpuTerms[i], 1e-4 * Math.abs(cpuTerms[i]), (i < 3 ? "loss term " : "gradient norm of term ") + i % 3);
            }
            for (var e : c.entrySet()) {
                // a Linear followed by batch norm: its bias cannot change the output, so its gradient is 0 up to rounding
                if (e.getKey().equals("projector.0.bias") || e.getKey().equals("projector.3.bias")) continue;
                double err = Fixtures.relativeError(e.getValue(), g.get(e.getKey()));
                assertTrue(err <= 1e-3, "gradient of " + e.getKey() + ": relative error " + err);
            }
        }
        for (var e : cpuModel.namedParameters().entrySet()) {
            double err = Fixtures.relativeError(e.getValue(), gpuModel.namedParameters().get(e.getKey()));
            assertTrue(err <= 1e-3, "parameter " + e.getKey() + " after the LARS step: relative error " + err);
        }
        long baseline = -1;
        for (int s = 0; s < 4; s++) {
            try (var scope = Memory.scope()) {
                step(gpuModel, gpuOpt, ag, bg, gpuTerms);
            }
            if (s == 1) baseline = gpu.bytesInUse();
            if (s > 1) assertTrue(gpu.bytesInUse() <= baseline, "device memory grew by step " + s + ": " + gpu.memoryStats());
        }
    }

    /**
     * The forward pass waits for the device once (the loss's terms), the trainer's per-term gradient norms
     * once more, and LARS keeps its trust ratios on the device, so a step queues its work without draining
     * the queue (on a GPU each wait makes the host
     * refill it while the GPU idles).
     */
    @Test
    void theForwardPassWaitsOnceAndALarsStepNever() {
        Rng r = new Rng(4);
        Vicreg m = model(device);
        Lars opt = Lars.official(m.parameters(), 0.2);
        try (var scope = Memory.scope()) {
            Tensor a = Tensor.randn(r, BATCH, 3, SIZE, SIZE).to(device), b = Tensor.randn(r, BATCH, 3, SIZE, SIZE).to(device);
            long before = emulator.hostWaits();
            VicregLoss.Result res = m.embed(a, b).loss(VicregLoss.official());
            // the loss's terms come to the host in one read
            assertEquals(before + 1, emulator.hostWaits(), "device waits in the forward pass and the loss");
            opt.zeroGrad();
            res.loss().backward();
            before = emulator.hostWaits();
            res.gradientNorms();
            assertEquals(before + 1, emulator.hostWaits(), "device waits for the terms' gradient norms");
            before = emulator.hostWaits();
            opt.step();
            assertEquals(before, emulator.hostWaits(), "device waits during a LARS step");
        }
    }

    @Test
    void everyLossRefusesEmbeddingsOnTwoDevicesAndNamesThem() {
        Tensor x = Tensor.randn(new Rng(5), 4, 3), y = Tensor.randn(new Rng(6), 4, 3).to(device);
        for (String name : new String[] {"vicreg", "barlow", "simclr"}) {
            SslLoss loss = SslLoss.of(name, 25, 25, 1, 0.0051, 0.2);
            var e = assertThrows(IllegalArgumentException.class, () -> loss.evaluate(x, y), name);
            assertEquals(name + " loss: x and y are on different devices (cpu and " + gpu.name() + ")", e.getMessage());
        }
    }
}
