package org.jvicreg.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Creation, shapes, views, error messages and the autograd contract. */
class TensorTest {

    @Test
    void creation() {
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0}, Tensor.zeros(2, 3).toArray());
        assertArrayEquals(new float[] {1, 1}, Tensor.ones(2).toArray());
        assertArrayEquals(new float[] {2.5f, 2.5f}, Tensor.full(2.5f, 1, 2).toArray());
        assertArrayEquals(new float[] {0, 1, 2, 3}, Tensor.arange(4).toArray());
        assertArrayEquals(new float[] {1, 1.5f, 2, 2.5f}, Tensor.arange(1, 3, 0.5).toArray());
        assertEquals(0, Tensor.scalar(3f).dim());
        assertEquals(3f, Tensor.scalar(3f).item());
        assertArrayEquals(Tensor.randn(new Rng(7), 5).toArray(), Tensor.randn(new Rng(7), 5).toArray());
        float[] u = Tensor.rand(new Rng(8), 1000).toArray();
        for (float v : u) assertTrue(v >= 0 && v < 1);
        assertEquals(5f, Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).get(1, 1));
    }

    @Test
    void shapeErrorsNameTheOpAndBothShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).add(Tensor.zeros(4)));
        assertTrue(e.getMessage().contains("add") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(4, 5)));
        assertTrue(e.getMessage().contains("matmul") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).reshape(4, 2));
        assertTrue(e.getMessage().contains("reshape") && e.getMessage().contains("[2, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).sum(2, false));
        assertTrue(e.getMessage().contains("sum") && e.getMessage().contains("axis 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.mseLoss(Tensor.zeros(2, 3), Tensor.zeros(3)));
        assertTrue(e.getMessage().contains("mse_loss"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.conv2d(Tensor.zeros(1, 3, 5, 5), Tensor.zeros(4, 2, 3, 3), 1, 1));
        assertTrue(e.getMessage().contains("conv2d") && e.getMessage().contains("[4, 2, 3, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.cat(List.of(Tensor.zeros(2, 3), Tensor.zeros(2, 4)), 0));
        assertTrue(e.getMessage().contains("cat"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(Tensor.zeros(3, 4), Tensor.zeros(2)));
        assertTrue(e.getMessage().contains("cross_entropy"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(1, 3).var(0, true, false));
        assertTrue(e.getMessage().contains("var") && e.getMessage().contains("at least 2"), e.getMessage());
    }

    @Test
    void viewsShareStorageCopiesDoNot() {
        Tensor x = Tensor.arange(12).reshape(3, 4);
        assertSame(x.storage(), x.reshape(4, 3).storage());
        assertSame(x.storage(), x.narrow(0, 1, 2).storage());
        assertArrayEquals(new float[] {4, 5, 6, 7, 8, 9, 10, 11}, x.narrow(0, 1, 2).toArray());
        assertArrayEquals(new float[] {1, 2, 5, 6, 9, 10}, x.narrow(1, 1, 2).toArray());
        assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, x.t().toArray());
        assertArrayEquals(new int[] {3, 1, 4}, x.unsqueeze(1).shape());
        assertArrayEquals(new int[] {2, 3, 4}, x.expand(2, 3, 4).shape());
        assertArrayEquals(new int[] {3, 2, 4}, Tensor.stack(List.of(x, x), 1).shape());
    }

    @Test
    void reductionShapes() {
        Tensor x = Tensor.arange(24).reshape(2, 3, 4);
        assertArrayEquals(new int[] {3}, x.sum(new int[] {0, 2}, false).shape());
        assertArrayEquals(new int[] {1, 3, 1}, x.sum(new int[] {0, 2}, true).shape());
        assertArrayEquals(new int[] {}, x.sum().shape());
        assertEquals(276f, x.sum().item());
        assertArrayEquals(new float[] {3, 3, 3, 3, 3, 3}, x.argmax(2, false).toArray());
        assertArrayEquals(new float[] {20, 21, 22, 23}, x.max(new int[] {0, 1}, false).toArray());
        assertEquals(1f, Tensor.of(new float[] {1, 2, 3}).var(0, true, false).item(), 1e-6);
        assertEquals(2f / 3f, Tensor.of(new float[] {1, 2, 3}).var(0, false, false).item(), 1e-6);
    }

    @Test
    void gradientsAccumulateAcrossBackwardCalls() {
        Tensor x = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true);
        x.mul(2f).sum().backward();
        x.mul(x).sum().backward();
        assertArrayEquals(new float[] {4, 6, 8}, x.grad().toArray());
        x.zeroGrad();
        assertNull(x.grad());
    }

    @Test
    void sharedSubexpressionsSumTheirGradients() {
        Tensor x = Tensor.of(new float[] {2}).requiresGrad(true);
        Tensor y = x.mul(x);
        y.add(y).add(x).sum().backward(); // d/dx (2x^2 + x) = 4x + 1
        assertArrayEquals(new float[] {9}, x.grad().toArray());
    }

    @Test
    void graphIsFreedAfterBackwardUnlessRetained() {
        Tensor x = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        Tensor y = x.exp().sum();
        y.backward();
        var e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("freed"), e.getMessage());
        Tensor z = x.exp().sum();
        z.backward(Tensor.scalar(1f), true);
        z.backward(Tensor.scalar(1f), true);
    }

    @Test
    void detachAndNoGradStopRecording() {
        Tensor x = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        assertTrue(!x.detach().requiresGrad());
        try (var g = Grad.off()) {
            Tensor y = x.mul(3f);
            assertTrue(!y.requiresGrad());
            assertNull(y.gradFnName());
        }
        assertEquals("mul_scalar", x.mul(3f).gradFnName());
        assertThrows(IllegalStateException.class, () -> Tensor.zeros(2).backward());
    }

    @Test
    void inPlaceUpdatesRefuseRecordedTensors() {
        Tensor p = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        assertThrows(IllegalStateException.class, () -> p.addInPlace(Tensor.ones(2), 1f));
        try (var g = Grad.off()) {
            p.addInPlace(Tensor.ones(2), -0.5f).mulInPlace(2f);
        }
        assertArrayEquals(new float[] {1, 3}, p.toArray());
    }

    @Test
    void crossDeviceCopyIsIdentityOnCpu() {
        Tensor x = Tensor.ones(2);
        assertSame(x, x.to(Device.cpu()));
        assertTrue(Device.cpu().isCpu());
    }

    @Test
    void cudaAbsenceIsReportedNotThrownAtStartup() {
        if (Device.cudaAvailable()) return;
        var e = assertThrows(IllegalStateException.class, Device::cuda);
        assertTrue(e.getMessage().startsWith("CUDA is unavailable: "), e.getMessage());
    }

    @Test
    void aKeptTensorOutlivesItsScope() {
        Tensor t;
        try (var scope = Memory.scope()) {
            t = scope.keep(Tensor.ones(3));
            assertEquals(0, scope.size());
        }
        assertEquals(3f, t.sum().item());
    }

    /** A backend object that is neither the CPU's nor CUDA's (every call goes to the CPU backend). */
    private static org.jvicreg.engine.backend.Backend otherBackend() {
        return (org.jvicreg.engine.backend.Backend) java.lang.reflect.Proxy.newProxyInstance(TensorTest.class.getClassLoader(),
                new Class<?>[] {org.jvicreg.engine.backend.Backend.class},
                (proxy, method, args) -> method.invoke(org.jvicreg.engine.cpu.CpuBackend.INSTANCE, args));
    }

    @Test
    void devicesOverBackendsBuiltElsewhere() {
        var backend = otherBackend();
        var e = assertThrows(IllegalArgumentException.class, () -> Device.of(backend));
        assertTrue(e.getMessage().contains("Device.of(name, backend)"), e.getMessage());
        Device d = Device.of("mine", backend);
        assertEquals("mine", d.name());
        assertSame(d, Device.of("mine again", backend));
        assertSame(d, Device.of(backend));
        assertSame(Device.cpu(), Device.of("cpu too", Device.cpu().backend()));
        assertSame(Device.cpu(), Tensor.zeros(2).device());
    }
}
