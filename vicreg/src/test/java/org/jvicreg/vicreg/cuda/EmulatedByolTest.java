package org.jvicreg.vicreg.cuda;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Device;
import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.cuda.EmulatedDevice;
import org.jvicreg.vicreg.model.Byol;
import org.jvicreg.vicreg.model.ResNet;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * BYOL's target update on the CUDA backend is one fused kernel per target parameter (moving_average_f32), on
 * the CPU emulator of the kernels, with bit for bit the CPU's values.
 */
class EmulatedByolTest {
    private static EmulatedDevice emulator;
    private static Device device;

    @BeforeAll
    static void open() throws Throwable {
        emulator = EmulatedCuda.load("CudaBackendTest checks moving_average_f32 against the CPU there");
        device = Device.of("cuda-emulated", emulator.backend());
    }

    private static Byol byol() {
        Byol b = new Byol(new ResNet.Config("resnet18", 1, 2, true, true), "8-6", 5, new Rng(3));
        Rng r = new Rng(4);
        try (var g = Grad.off()) {
            for (Tensor p : b.parameters()) p.assignInPlace(Tensor.randn(r, p.shape())); // the online network moved away
        }
        return b;
    }

    @Test
    void oneKernelPerTargetParameterWithTheCpuValues() {
        Byol cpu = byol(), gpu = byol();
        gpu.to(device);
        List<Tensor> targetParams = gpu.target().parameters();
        for (double tau : new double[] {0.996, 0.5}) {
            cpu.updateTarget(tau);
            long before = emulator.launches();
            gpu.updateTarget(tau);
            assertEquals(before + targetParams.size(), emulator.launches(), "kernel launches, tau " + tau);
        }
        List<Tensor> expected = cpu.target().parameters();
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).toArray(), targetParams.get(i).to(Device.cpu()).toArray(), "target parameter " + i);
        }
    }
}
