package org.jvicreg.engine.cpu;

import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.ConvGeometry;

/**
 * Run in a JVM of its own with -Djvicreg.threads=16 (ConvKernelsTest#filterGradientIsTheSameWithManyThreads):
 * the filter gradient of convolutions that split their reduction among threads, computed six times, must
 * come out bitwise the same each time. Exits 1 with a message when it does not.
 */
public final class ManyThreadsConvCheck {
    public static void main(String[] args) {
        ConvGeometry[] cases = {
                new ConvGeometry(16, 256, 16, 16, 512, 1, 1, 2, 2, 0, 0, 1, 1, 1),
                new ConvGeometry(16, 3, 64, 64, 64, 7, 7, 2, 2, 3, 3, 1, 1, 1),
                new ConvGeometry(16, 128, 16, 16, 128, 3, 3, 1, 1, 1, 1, 1, 1, 1)};
        Rng r = new Rng(1);
        for (ConvGeometry g : cases) {
            Tensor x = Tensor.randn(r, g.n(), g.c(), g.h(), g.w()), dy = Tensor.randn(r, g.n(), g.k(), g.p(), g.q());
            float[] first = null;
            for (int rep = 0; rep < 6; rep++) {
                Tensor dw = Tensor.zeros(g.k(), g.cg(), g.r(), g.s());
                CpuBackend.INSTANCE.conv2dBackwardFilter(g, x, dy, dw);
                float[] v = dw.toArray();
                if (first == null) {
                    first = v;
                } else if (!java.util.Arrays.equals(first, v)) {
                    System.err.println("filter gradient of " + g + " changed between runs with " + Parallel.threads() + " threads");
                    System.exit(1);
                }
            }
        }
    }
}
