package org.jvicreg.engine.cpu;

import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.ConvGeometry;

/**
 * Run in a JVM of its own with -Djvicreg.threads=16 (ConvKernelsTest#filterGradientIsTheSameWithManyThreads):
 * the filter gradient of convolutions that split their reduction among threads, computed six times, must
 * come out bitwise the same each time; the batch-last filter gradient, whose threads split the depth at
 * arbitrary (pixel, image) positions, must also match the NCHW one. Exits 1 with a message when not.
 */
public final class ManyThreadsConvCheck {
    public static void main(String[] args) {
        ConvGeometry[] cases = {
                new ConvGeometry(16, 256, 16, 16, 512, 1, 1, 2, 2, 0, 0, 1, 1, 1),
                new ConvGeometry(16, 3, 64, 64, 64, 7, 7, 2, 2, 3, 3, 1, 1, 1),
                new ConvGeometry(16, 128, 16, 16, 120, 3, 3, 1, 1, 1, 1, 1, 1, 1),  // direct
                new ConvGeometry(16, 128, 16, 16, 128, 3, 3, 1, 1, 1, 1, 1, 1, 1)}; // Winograd F(4x4)
        Rng r = new Rng(1);
        checkBatchLast(new ConvGeometry(32, 16, 27, 27, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1), r); // 16 threads splitting pixels, the narrow tile
        checkBatchLast(new ConvGeometry(64, 32, 15, 15, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1), r); // strided, odd size
        checkImageSplit(new ConvGeometry(16, 3, 64, 64, 24, 7, 7, 2, 2, 3, 3, 1, 1, 1), r); // stride phases copied
        checkImageSplit(new ConvGeometry(16, 16, 30, 30, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1), r); // padded copy, wide output
        checkImageSplit(new ConvGeometry(16, 64, 14, 14, 120, 3, 3, 1, 1, 1, 1, 1, 1, 1), r); // split by output channels
        checkImageSplit(new ConvGeometry(16, 64, 28, 28, 128, 3, 3, 2, 2, 1, 1, 1, 1, 1), r); // by channels, stride phases
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

    /**
     * Forward and input gradient of 3 images (fewer than the 16 threads: each image's columns, or its output
     * channels, are split among them) bitwise equal to the same 3 images inside a batch of 16 (one image per thread).
     */
    private static void checkImageSplit(ConvGeometry g, Rng r) {
        ConvGeometry three = new ConvGeometry(3, g.c(), g.h(), g.w(), g.k(), g.r(), g.s(), g.strideH(), g.strideW(),
                g.padH(), g.padW(), g.dilH(), g.dilW(), g.groups());
        if (!CpuConv.readsImagesInPlace(g.r() * g.s(), g.k(), g.p() * g.q()) || CpuConv.winograd(g) != null) {
            fail(g + " does not read images in place");
        }
        Tensor x = Tensor.randn(r, g.n(), g.c(), g.h(), g.w()), w = Tensor.randn(r, g.k(), g.c(), g.r(), g.s());
        Tensor dy = Tensor.randn(r, g.n(), g.k(), g.p(), g.q());
        float[] x16 = x.toArray(), dy16 = dy.toArray(), w16 = w.toArray();
        float[] y16 = new float[g.n() * g.k() * g.p() * g.q()], y3 = new float[3 * g.k() * g.p() * g.q()];
        CpuConv.forward(g, x16, 0, w16, 0, y16, 0);
        CpuConv.forward(three, x16, 0, w16, 0, y3, 0);
        if (!java.util.Arrays.equals(y3, java.util.Arrays.copyOf(y16, y3.length))) fail("forward of " + three + " differs from a batch of 16");
        float[] dx16 = new float[x16.length], dx3 = new float[3 * g.c() * g.h() * g.w()];
        CpuConv.backwardData(g, dy16, 0, w16, 0, dx16, 0);
        CpuConv.backwardData(three, dy16, 0, w16, 0, dx3, 0);
        if (!java.util.Arrays.equals(dx3, java.util.Arrays.copyOf(dx16, dx3.length))) fail("input gradient of " + three + " differs from a batch of 16");
    }

    /** The batch-last filter gradient of g, run six times, is bitwise stable and within 1e-4 of the NCHW one. */
    private static void checkBatchLast(ConvGeometry g, Rng r) {
        Tensor x = Tensor.randn(r, g.n(), g.c(), g.h(), g.w()), dy = Tensor.randn(r, g.n(), g.k(), g.p(), g.q());
        Tensor xl = x.permute(1, 2, 3, 0), dyl = dy.permute(1, 2, 3, 0);
        Tensor ref = Tensor.zeros(g.k(), g.c(), g.r(), g.s());
        CpuBackend.INSTANCE.conv2dBackwardFilter(g, x, dy, ref);
        float[] want = ref.toArray(), first = null;
        for (int rep = 0; rep < 6; rep++) {
            Tensor dw = Tensor.zeros(g.k(), g.c(), g.r(), g.s());
            CpuBackend.INSTANCE.conv2dBackwardFilter(g.withLayout(ConvGeometry.Layout.BATCH_LAST), xl, dyl, dw);
            float[] v = dw.toArray();
            if (first == null) first = v;
            else if (!java.util.Arrays.equals(first, v)) fail("batch-last filter gradient of " + g + " changed between runs");
        }
        double maxErr = 0, scale = 0;
        for (int i = 0; i < want.length; i++) {
            maxErr = Math.max(maxErr, Math.abs(first[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        if (maxErr > 1e-4 * scale) fail("batch-last filter gradient of " + g + " is " + maxErr / scale + " off the NCHW one");
    }

    private static void fail(String message) {
        System.err.println(message + " with " + Parallel.threads() + " threads");
        System.exit(1);
    }
}
