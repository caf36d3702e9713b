package org.jvicreg.engine.cuda;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Memory;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.ConvGeometry;

/**
 * Host time per cuDNN convolution call, legacy API against the graph API's cached plans, at ResNet-50
 * shapes (run by native-kernels/gpu-check.sh, stage profile). For each shape and direction: the
 * microseconds the host spends issuing one call (200 calls queued back to back, before synchronising),
 * the device time per call (the same 200 calls, synchronised), and the largest difference between the
 * two paths' outputs relative to the largest output.
 */
public final class ConvHostTime {
    private interface Call {
        void run();
    }

    private static CudaBackend gpu;

    /** {host microseconds per call, wall microseconds per call including the device}. */
    private static double[] time(Call c) {
        for (int i = 0; i < 10; i++) c.run();
        gpu.synchronize();
        int reps = 200;
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) c.run();
        long t1 = System.nanoTime();
        gpu.synchronize();
        long t2 = System.nanoTime();
        return new double[] {(t1 - t0) / 1e3 / reps, (t2 - t0) / 1e3 / reps};
    }

    private static double relDiff(Tensor a, Tensor b) {
        float[] x = a.toArray(), y = b.toArray();
        double max = 0, diff = 0;
        for (int i = 0; i < x.length; i++) {
            max = Math.max(max, Math.abs(x[i]));
            diff = Math.max(diff, Math.abs(x[i] - y[i]));
        }
        return diff / Math.max(max, 1e-30);
    }

    public static void main(String[] args) {
        gpu = (CudaBackend) Device.cuda().backend();
        System.out.println(gpu.describe());
        Rng r = new Rng(0);
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        ConvGeometry[] shapes = {
            new ConvGeometry(n, 3, 224, 224, 64, 7, 7, 2, 2, 3, 3, 1, 1, 1),
            new ConvGeometry(n, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1),
            new ConvGeometry(n, 64, 56, 56, 256, 1, 1, 1, 1, 0, 0, 1, 1, 1),
            new ConvGeometry(n, 256, 14, 14, 256, 3, 3, 1, 1, 1, 1, 1, 1, 1),
            new ConvGeometry(n, 1024, 14, 14, 256, 1, 1, 1, 1, 0, 0, 1, 1, 1),
            new ConvGeometry(n, 512, 7, 7, 2048, 1, 1, 1, 1, 0, 0, 1, 1, 1),
            new ConvGeometry(n, 1024, 14, 14, 2048, 1, 1, 2, 2, 0, 0, 1, 1, 1),
        };
        System.out.printf("%-44s %-15s %12s %12s %12s %12s %10s%n", "shape (n c h w -> k r s, stride)", "direction",
                "legacy host", "graph host", "legacy wall", "graph wall", "rel diff");
        for (ConvGeometry g : shapes) {
            try (var scope = Memory.scope()) {
                Tensor x = Tensor.randn(r, g.n(), g.c(), g.h(), g.w()).to(Device.cuda());
                Tensor w = Tensor.randn(r, g.k(), g.cg(), g.r(), g.s()).to(Device.cuda());
                Tensor dy = Tensor.randn(r, g.n(), g.k(), g.p(), g.q()).to(Device.cuda());
                Tensor[] out = new Tensor[2];
                String shape = g.n() + " " + g.c() + " " + g.h() + " " + g.w() + " -> " + g.k() + " " + g.r() + "x" + g.s()
                        + " /" + g.strideH();
                for (String dir : new String[] {"forward", "backward data", "backward filter"}) {
                    double[][] t = new double[2][];
                    for (int graph = 0; graph < 2; graph++) {
                        gpu.setCudnnGraph(graph == 1);
                        Tensor o = switch (dir) {
                            case "forward" -> Tensor.allocate(gpu, g.n(), g.k(), g.p(), g.q());
                            case "backward data" -> Tensor.allocate(gpu, g.n(), g.c(), g.h(), g.w());
                            default -> Tensor.allocate(gpu, g.k(), g.cg(), g.r(), g.s());
                        };
                        Call c = switch (dir) {
                            case "forward" -> () -> gpu.conv2dForward(g, x, w, o);
                            case "backward data" -> () -> gpu.conv2dBackwardData(g, dy, w, o);
                            default -> () -> gpu.conv2dBackwardFilter(g, x, dy, o);
                        };
                        t[graph] = time(c);
                        out[graph] = o;
                    }
                    System.out.printf("%-44s %-15s %9.1f us %9.1f us %9.1f us %9.1f us %10.2e%n", shape, dir,
                            t[0][0], t[1][0], t[0][1], t[1][1], relDiff(out[0], out[1]));
                }
            }
        }
        gpu.setCudnnGraph(true);
        System.out.println(gpu.describe());
    }
}
