package org.jvicreg.vicreg.cuda;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Memory;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.Backend;
import org.jvicreg.vicreg.loss.VicregLoss;

import java.util.function.Supplier;

/**
 * Where the time of the VICReg loss goes on a GPU: each tensor operation VicregLoss runs for one branch at
 * N=2048, D=8192 (and the whole loss, forward + backward), timed alone with the device synchronised around
 * it. Run by native-kernels/gpu-check.sh; the sum of the phases against the whole shows the host's share.
 */
public final class VicregLossPhases {
    private static Backend gpu;

    private static void time(String what, Supplier<Object> work) {
        for (int i = 0; i < 3; i++) {
            try (var s = Memory.scope()) {
                work.get();
            }
        }
        gpu.synchronize();
        int reps = 0;
        long t0 = System.nanoTime(), t;
        do {
            try (var s = Memory.scope()) {
                work.get();
                gpu.synchronize();
            }
            reps++;
            t = System.nanoTime();
        } while (t - t0 < 300_000_000L && reps < 100);
        System.out.printf("%-48s %8.3f ms%n", what, (t - t0) / 1e6 / reps);
    }

    public static void main(String[] args) {
        int n = 2048, d = 8192;
        Device cuda = Device.cuda();
        gpu = cuda.backend();
        Rng rng = new Rng(5);
        Tensor x = Tensor.randn(rng, n, d).to(cuda).requiresGrad(true);
        Tensor y = Tensor.randn(rng, n, d).mul(0.5f).to(cuda).requiresGrad(true);
        Tensor xc = x.detach().sub(x.detach().mean(0, true));
        Tensor k = xc.matmul(xc, false, true);
        Tensor s = xc.square().sum(0, true);
        VicregLoss loss = VicregLoss.official();
        time("whole loss, forward + backward", () -> {
            loss.compute(x, y).loss().backward();
            x.zeroGrad();
            y.zeroGrad();
            return null;
        });
        time("whole loss, forward only", () -> loss.compute(x.detach(), y.detach()));
        time("allocate 2048x8192 (zero-filled)", () -> Tensor.zeros(cuda, n, d));
        time("columnStdHinge", () -> {
            Tensor zc = Tensor.zeros(cuda, n, d), std = Tensor.zeros(cuda, d), hg = Tensor.zeros(cuda, n, d);
            gpu.columnStdHinge(n, d, x, 1e-4f, zc, std, hg);
            return zc;
        });
        time("x - y", () -> x.detach().sub(y.detach()));
        time("sum of all (x^2)", () -> x.detach().square().sum().item());
        time("column sums of squares (1, D)", () -> xc.square().sum(0, true));
        time("K = Xc Xc^T", () -> xc.matmul(xc, false, true));
        time("row sums of K^2, to host", () -> k.square().sum(1, false).toArray());
        time("K Xc", () -> k.matmul(xc));
        time("Xc * s (broadcast row)", () -> xc.mul(s));
        time("a - b", () -> xc.sub(xc));
        time("a * scalar", () -> xc.mul(0.5f));
        time("a + b", () -> xc.add(xc));
    }
}
