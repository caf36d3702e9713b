package org.jvicreg.engine.cpu;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.backend.ConvGeometry;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The three convolution kernels (forward, backward-data, backward-filter) against the definitions written
 * as plain double-precision loops: every ResNet-50 layer geometry (channels divided by 4 to keep the
 * reference loops quick, spatial sizes and strides as they are) at batch 2, then shapes that take the other
 * paths: padding beyond the filter reach, dilation, groups, rectangular filters, mixed strides, outputs that
 * are not a multiple of the register tile, and tensors that start at an offset in their arrays.
 */
class ConvKernelsTest {

    /** in channels, out channels, input size, filter size, stride, padding of each ResNet-50 layer shape. */
    static final int[][] RESNET50 = {
        {3, 64, 224, 7, 2, 3},
        {64, 64, 56, 1, 1, 0}, {64, 64, 56, 3, 1, 1}, {64, 256, 56, 1, 1, 0}, {256, 64, 56, 1, 1, 0},
        {256, 128, 56, 1, 1, 0}, {128, 128, 56, 3, 2, 1}, {256, 512, 56, 1, 2, 0},
        {512, 128, 28, 1, 1, 0}, {128, 128, 28, 3, 1, 1}, {128, 512, 28, 1, 1, 0},
        {512, 256, 28, 1, 1, 0}, {256, 256, 28, 3, 2, 1}, {512, 1024, 28, 1, 2, 0},
        {1024, 256, 14, 1, 1, 0}, {256, 256, 14, 3, 1, 1}, {256, 1024, 14, 1, 1, 0},
        {1024, 512, 14, 1, 1, 0}, {512, 512, 14, 3, 2, 1}, {1024, 2048, 14, 1, 2, 0},
        {2048, 512, 7, 1, 1, 0}, {512, 512, 7, 3, 1, 1}, {512, 2048, 7, 1, 1, 0},
    };

    static float[] random(Rng rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rng.nextGaussian();
        return a;
    }

    /** Input offset of output (oh, ow) through tap (r, s), or -1 when it falls in the padding. */
    private static int tap(ConvGeometry g, int oh, int ow, int r, int s) {
        int ih = oh * g.strideH() - g.padH() + r * g.dilH(), iw = ow * g.strideW() - g.padW() + s * g.dilW();
        return ih < 0 || ih >= g.h() || iw < 0 || iw >= g.w() ? -1 : ih * g.w() + iw;
    }

    /**
     * Visits every (image, out channel, output pixel, in channel of the group, tap) with the flat
     * indices of y, x and w: the one loop nest the three reference directions share.
     */
    interface Visit {
        void at(int yi, int xi, int wi);
    }

    static void forEachProduct(ConvGeometry g, Visit v) {
        int p = g.p(), q = g.q();
        for (int b = 0; b < g.n(); b++) for (int o = 0; o < g.k(); o++) {
            int grp = o / g.kg();
            for (int oh = 0; oh < p; oh++) for (int ow = 0; ow < q; ow++) {
                int yi = ((b * g.k() + o) * p + oh) * q + ow;
                for (int ci = 0; ci < g.cg(); ci++) for (int r = 0; r < g.r(); r++) for (int s = 0; s < g.s(); s++) {
                    int t = tap(g, oh, ow, r, s);
                    if (t < 0) continue;
                    v.at(yi, (b * g.c() + grp * g.cg() + ci) * g.h() * g.w() + t, ((o * g.cg() + ci) * g.r() + r) * g.s() + s);
                }
            }
        }
    }

    private static void assertNear(double[] expected, float[] actual, int off, double tol, String what) {
        double maxErr = 0, maxRef = 0;
        for (int i = 0; i < expected.length; i++) {
            maxErr = Math.max(maxErr, Math.abs(expected[i] - actual[off + i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        assertTrue(maxErr <= tol * Math.max(1, maxRef), what + ": max error " + maxErr + " (max ref " + maxRef + ")");
    }

    /** Runs all three kernels on random data placed at odd offsets and checks each against the loops. */
    private static void check(ConvGeometry g, String what) {
        Rng rng = new Rng(g.hashCode());
        int xn = g.n() * g.c() * g.h() * g.w(), wn = g.k() * g.cg() * g.r() * g.s(), yn = g.n() * g.k() * g.p() * g.q();
        int xo = 3, wo = 5, yo = 7;
        float[] x = random(rng, xo + xn), w = random(rng, wo + wn), dy = random(rng, yo + yn);
        double[] yRef = new double[yn], dxRef = new double[xn], dwRef = new double[wn];
        forEachProduct(g, (yi, xi, wi) -> {
            yRef[yi] += (double) x[xo + xi] * w[wo + wi];
            dxRef[xi] += (double) dy[yo + yi] * w[wo + wi];
            dwRef[wi] += (double) dy[yo + yi] * x[xo + xi];
        });
        double tol = 2e-6 * Math.sqrt(g.cg() * g.r() * g.s() + g.kg() * g.r() * g.s() + g.n() * g.p() * g.q());

        float[] y = new float[yo + yn + 4];
        java.util.Arrays.fill(y, Float.NaN); // outputs are overwritten, never accumulated into
        CpuConv.forward(g, x, xo, w, wo, y, yo);
        assertNear(yRef, y, yo, tol, what + " forward");

        float[] dx = new float[xo + xn + 4];
        java.util.Arrays.fill(dx, Float.NaN);
        CpuConv.backwardData(g, dy, yo, w, wo, dx, xo);
        assertNear(dxRef, dx, xo, tol, what + " backward-data");

        float[] dw = new float[wo + wn + 4];
        java.util.Arrays.fill(dw, Float.NaN);
        CpuConv.backwardFilter(g, x, xo, dy, yo, dw, wo);
        assertNear(dwRef, dw, wo, tol, what + " backward-filter");
    }

    private static ConvGeometry square(int n, int c, int k, int hw, int rs, int stride, int pad, int dil, int groups) {
        return new ConvGeometry(n, c, hw, hw, k, rs, rs, stride, stride, pad, pad, dil, dil, groups);
    }

    @Test
    void everyResNet50LayerShape() {
        for (int[] l : RESNET50) {
            int c = Math.max(3, l[0] / 4), k = l[1] / 4;
            check(square(2, c, k, l[2], l[3], l[4], l[5], 1, 1), "resnet50 " + java.util.Arrays.toString(l));
        }
    }

    /**
     * One image, fewer than the threads (unless the machine has one core): the layers that read images in
     * place then split each image's output columns, or its output channels (from 14 px on here), among the
     * threads instead of giving each thread images.
     */
    @Test
    void resNet50LayersReadInPlaceAtBatchOne() {
        for (int[] l : RESNET50) {
            int c = Math.max(3, l[0] / 4), k = l[1] / 4, p = (l[2] + 2 * l[5] - l[3]) / l[4] + 1;
            if (!CpuConv.readsImagesInPlace(l[3] * l[3], k, p * p)) continue;
            check(square(1, c, k, l[2], l[3], l[4], l[5], 1, 1), "resnet50 at batch 1 " + java.util.Arrays.toString(l));
        }
    }

    /** Full channel counts at small images (64 px input: 16x16 down to 2x2), as a ResNet-50 step on small crops runs them. */
    @Test
    void everyResNet50LayerAtSmallImagesAndFullChannels() {
        for (int[] l : RESNET50) {
            int hw = Math.max(2, l[2] * 64 / 224);
            while (hw > 2 && 4L * l[0] * l[1] * l[3] * l[3] * hw * hw > 8_000_000L) hw /= 2; // keep the reference loops quick
            check(square(4, l[0], l[1], hw, l[3], l[4], l[5], 1, 1), "resnet50 at " + hw + " px " + java.util.Arrays.toString(l));
        }
    }

    /**
     * With many threads a pool worker can run several parts of the filter gradient's reduction split in
     * turn; each part's sum must survive until the parts are added (a per-thread scratch array did not,
     * and made gradients depend on scheduling on a 16-core machine). The pool's size is fixed when it
     * starts, so this runs in a JVM of its own with 16 threads.
     */
    @Test
    void filterGradientIsTheSameWithManyThreads() throws Exception {
        runInOwnJvm(ManyThreadsConvCheck.class, "-Djvicreg.threads=16");
    }

    /**
     * The kernels give bitwise the same results interpreted and compiled by C2 (JitTierCheck), so that two
     * training runs with one seed agree whenever the JIT compiles what. The batch-last filter gradient summed
     * its vector lanes with reduceLanes, whose order differs between the two, and runs drifted apart.
     */
    @Test
    void sameResultsInterpretedAndCompiled() throws Exception {
        runInOwnJvm(JitTierCheck.class, "-Xbatch", "-XX:-TieredCompilation");
    }

    /** -Djvicreg.cpu.winograd=always sends 3x3 stride-1 layers through Winograd3x3 (the flag is read once, at start). */
    @Test
    void winogradWhenAskedFor() throws Exception {
        runInOwnJvm(WinogradDispatchCheck.class, "-Djvicreg.cpu.winograd=always");
    }

    /** With -Djvicreg.threads=1 there is no worker team, and every kind of range still runs (OneThreadCheck). */
    @Test
    void everyRangeRunsOnOneThread() throws Exception {
        runInOwnJvm(OneThreadCheck.class, "-Djvicreg.threads=1");
    }

    /** Runs main's class in a JVM of its own with these flags and the test classpath; fails with its output unless it exits 0. */
    private static void runInOwnJvm(Class<?> main, String... flags) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx1g"));
        command.addAll(List.of(flags));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor() == 0, main.getSimpleName() + " " + String.join(" ", flags) + ": " + output);
    }

    /** The reduction split with more parts than threads, against the definition. */
    @Test
    void reductionSplitWithMorePartsThanThreads() {
        Rng rng = new Rng(9);
        int m = 37, n = 53, k = 1000;
        float[] a = random(rng, m * k), b = random(rng, k * n);
        double[] ref = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                for (int j = 0; j < n; j++) ref[i * n + j] += (double) a[i * k + p] * b[p * n + j];
            }
        }
        for (int parts : new int[] {2, 5, 16}) {
            float[] c = new float[m * n];
            CpuConv.reductionSplit(new GemmOperands.DenseA(false, a, 0, k, 1f), new GemmOperands.DenseB(false, b, 0, n),
                    GemmOutput.matrix(c, 0, n), m, n, k, parts);
            assertNear(ref, c, 0, 2e-6 * Math.sqrt(k) * 10, "reduction split in " + parts + " parts");
        }
    }

    @Test
    void otherGeometries() {
        List<ConvGeometry> cases = new ArrayList<>();
        cases.add(square(3, 5, 7, 9, 3, 1, 2, 1, 1));        // padding beyond the filter's reach
        cases.add(square(2, 6, 10, 11, 3, 1, 2, 2, 1));      // dilation 2
        cases.add(square(2, 8, 12, 10, 3, 1, 1, 1, 4));      // groups
        cases.add(square(3, 4, 6, 13, 3, 3, 1, 1, 2));       // stride 3, groups
        cases.add(square(2, 9, 11, 5, 1, 1, 1, 1, 1));       // 1x1 with padding
        cases.add(new ConvGeometry(2, 5, 9, 14, 7, 2, 3, 1, 2, 1, 0, 1, 1, 1));  // rectangular filter, mixed stride
        cases.add(new ConvGeometry(3, 7, 6, 17, 9, 3, 1, 2, 1, 0, 1, 1, 2, 1));  // rectangular, mixed dilation
        cases.add(square(1, 3, 5, 1, 3, 1, 1, 1, 1));        // 1x1 image, 3x3 filter
        cases.add(square(4, 300, 70, 6, 3, 1, 1, 1, 1));     // depth past one KC block, 6x6 images straddling panels
        cases.add(square(2, 20, 400, 5, 1, 1, 0, 1, 1));     // more output channels than one MC block
        cases.add(square(3, 64, 8, 112, 3, 2, 1, 1, 1));     // strided input gradient in two batches of images
        // at least 28 x 28 output pixels: stride-1 filters wider than 1x1 read padded images in place
        cases.add(square(2, 5, 7, 30, 3, 1, 2, 1, 1));       // padding beyond the filter's reach, 7 filters
        cases.add(square(2, 6, 9, 30, 3, 1, 2, 2, 1));       // dilation 2
        cases.add(new ConvGeometry(2, 4, 29, 33, 10, 3, 5, 1, 1, 1, 2, 1, 1, 2));  // groups, rectangular filter
        cases.add(new ConvGeometry(1, 3, 40, 30, 5, 1, 3, 1, 1, 0, 1, 1, 1, 1));   // 1x3 filter
        // read in place at 10 x 10 with the filters packed once for all images: a partial last depth block
        // (60 x 9 = 540 > KC) with a partial row panel (13 filters), and more filters than one MC block
        cases.add(square(2, 60, 13, 10, 3, 1, 1, 1, 1));
        cases.add(square(2, 60, 200, 10, 3, 1, 1, 1, 1));
        // strided, read in place from stride-phase copies; the input gradient one product per phase
        cases.add(square(2, 5, 9, 61, 3, 2, 2, 2, 1));       // stride 2, dilation 2, odd size
        cases.add(new ConvGeometry(2, 4, 57, 60, 6, 5, 2, 3, 2, 2, 1, 1, 1, 1));  // 5x2 filter, stride 3x2
        cases.add(square(2, 3, 4, 20, 2, 3, 0, 1, 1));       // stride past the filter: a phase no tap reaches
        cases.add(square(2, 8, 12, 30, 3, 2, 1, 1, 2));      // groups
        // expanding 1x1, filter gradient with dY read in place and X packed: partial row and column panels
        // and two depth blocks (900 pixels > KC); groups; strided (the 1x1 of its 9 x 9 subsample)
        cases.add(square(2, 40, 70, 30, 1, 1, 0, 1, 1));
        cases.add(square(2, 12, 36, 9, 1, 1, 0, 1, 2));
        cases.add(square(2, 12, 36, 17, 1, 2, 0, 1, 1));
        for (ConvGeometry g : cases) check(g, g.toString());
    }
}
