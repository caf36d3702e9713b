package org.jvicreg.vicreg.cuda;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Device;
import org.jvicreg.engine.Fixtures;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.cuda.EmulatedDevice;
import org.jvicreg.nn.optim.Sgd;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SGD on the CUDA backend runs each parameter's step as one fused kernel (sgd_step_f32), on the CPU
 * emulator of the kernels: the same parameters as the CPU's separate operations, with and without
 * momentum, weight decay and Nesterov, over a first step and later ones.
 */
class EmulatedSgdTest {
    private static EmulatedDevice emulator;
    private static Device device;

    @BeforeAll
    static void open() throws Throwable {
        emulator = EmulatedCuda.load("ResNet50CudaStepTest and the bench stage run SGD and LARS on it");
        device = Device.of("cuda-emulated", emulator.backend());
    }

    private static List<Tensor> params(Rng r, Device d) {
        List<Tensor> out = new ArrayList<>();
        for (int[] shape : new int[][] {{7, 3}, {5}, {2, 3, 4, 4}}) out.add(Tensor.randn(r, shape).to(d).requiresGrad(true));
        return out;
    }

    @Test
    void oneKernelPerParameterWithTheOperationsResults() {
        double[][] configs = {{0, 0, 0}, {0.9, 0, 0}, {0.9, 1e-2, 0}, {0.9, 1e-2, 1}, {0, 5e-2, 0}}; // momentum, decay, nesterov
        for (double[] c : configs) {
            double momentum = c[0], decay = c[1];
            boolean nesterov = c[2] != 0;
            List<Tensor> cpu = params(new Rng(1), Device.cpu()), gpu = params(new Rng(1), device);
            Sgd cpuOpt = new Sgd(cpu, 0.1, momentum, decay, nesterov), gpuOpt = new Sgd(gpu, 0.1, momentum, decay, nesterov);
            Rng g = new Rng(2);
            for (int step = 0; step < 3; step++) {
                for (int i = 0; i < cpu.size(); i++) {
                    Tensor grad = Tensor.randn(g, cpu.get(i).shape());
                    cpu.get(i).setGrad(grad);
                    gpu.get(i).setGrad(grad.to(device));
                }
                cpuOpt.step();
                long before = emulator.launches();
                gpuOpt.step();
                String what = "momentum " + momentum + " decay " + decay + " nesterov " + nesterov + " step " + step;
                assertEquals(before + gpu.size(), emulator.launches(), "kernel launches, " + what);
                for (int i = 0; i < cpu.size(); i++) {
                    double err = Fixtures.relativeError(cpu.get(i), gpu.get(i).to(Device.cpu()));
                    assertTrue(err <= 1e-6, "parameter " + i + ", " + what + ": relative error " + err);
                }
            }
        }
    }
}
