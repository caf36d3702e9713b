package org.jvicreg.vicreg.augment;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * torchvision's {@code F.gaussian_blur(img, [k, k], [sigma, sigma])} on float images, from
 * {@code fixtures/sampled_blur/make_fixtures.py}: k 3, 5, 7 and sigmas from 0.1 to 5, on an RGB, a gray and
 * a tiny image (reflection 3 pixels into a 4-pixel side); relative error (max |difference| / max |value|)
 * at most 1e-5.
 */
class SampledGaussianBlurTest {
    private static final String FOLDER = "sampled_blur";

    @Test
    void matchesTorchvision() {
        float[] sigmas = AugmentFixtures.load(FOLDER, "sigmas").toArray(), kernels = AugmentFixtures.load(FOLDER, "kernels").toArray();
        SampledGaussianBlur blur = new SampledGaussianBlur();
        int compared = 0;
        for (String name : new String[] {"rgb", "gray", "tiny"}) {
            Tensor input = AugmentFixtures.load(FOLDER, name);
            int c = input.shape()[0], h = input.shape()[1], w = input.shape()[2], n = c * h * w;
            for (float kf : kernels) {
                int k = (int) kf;
                float[] want = AugmentFixtures.load(FOLDER, name + "_k" + k).toArray();
                for (int s = 0; s < sigmas.length; s++) {
                    float[] expected = AugmentFixtures.slice(want, s, n);
                    float[] img = new float[n + 2]; // at an offset, the values around it untouched
                    img[0] = -7f;
                    img[n + 1] = -9f;
                    System.arraycopy(input.toArray(), 0, img, 1, n);
                    blur.apply(img, 1, c, h, w, k, sigmas[s]);
                    float[] got = new float[n];
                    System.arraycopy(img, 1, got, 0, n);
                    double scale = 0;
                    for (float v : expected) scale = Math.max(scale, Math.abs(v));
                    double rel = AugmentFixtures.maxAbsDiff(expected, got) / scale;
                    assertTrue(rel <= 1e-5, name + " k " + k + " sigma " + sigmas[s] + ": relative error " + rel);
                    assertEquals(-7f, img[0]);
                    assertEquals(-9f, img[n + 1]);
                    compared++;
                }
            }
        }
        assertEquals(3 * 3 * 6, compared);
    }

    @Test
    void kernelIsTorchvisionsSampledGaussian() {
        float[] k = SampledGaussianBlur.kernel(3, 1.0);
        double e = Math.exp(-0.5), sum = 1 + 2 * e;
        assertArrayEquals(new float[] {(float) (e / sum), (float) (1 / sum), (float) (e / sum)}, k, 1e-7f);
        float[] k7 = SampledGaussianBlur.kernel(7, 0.1);
        assertEquals(1f, k7[3], 1e-6f, "a small sigma leaves the centre tap alone");
        assertThrows(IllegalArgumentException.class, () -> SampledGaussianBlur.kernel(4, 1.0));
        assertThrows(IllegalArgumentException.class, () -> SampledGaussianBlur.kernel(1, 1.0));
        assertThrows(IllegalArgumentException.class, () -> SampledGaussianBlur.kernel(3, 0.0));
    }

    @Test
    void reflectsWithoutRepeatingTheEdge() {
        assertEquals(1, SampledGaussianBlur.reflect(-1, 5));
        assertEquals(3, SampledGaussianBlur.reflect(-3, 5));
        assertEquals(3, SampledGaussianBlur.reflect(5, 5));
        assertEquals(1, SampledGaussianBlur.reflect(7, 5));
        assertThrows(IllegalArgumentException.class, () -> new SampledGaussianBlur().apply(new float[9], 0, 1, 3, 3, 7, 1.0),
                "a 7-tap kernel reflects 3 pixels, more than a 3-pixel side has beyond its edge");
    }

    @Test
    void viewsBlurWithTheKernelTheirConfigNames() {
        Rng rng = new Rng(5);
        float[] src = new float[3 * 24 * 24];
        for (int i = 0; i < src.length; i++) src[i] = (float) rng.nextDouble();
        ViewConfig full = ViewConfig.builder().outputSize(24, 24).flip(0).jitter(0, 0, 0, 0, 0).grayscale(0)
                .blur(1.0, 1.5, 1.5).build();
        ViewConfig sampled = full.toBuilder().blurKernel(5).build();
        ViewParams p = new ViewParams().sample(full, new Rng(1), 24, 24);
        ViewAugmenter aug = new ViewAugmenter();
        float[] a = new float[src.length], b = new float[src.length], cropped = new float[src.length];
        aug.apply(src, 0, 3, 24, 24, full, p, a, 0);
        aug.apply(src, 0, 3, 24, 24, sampled, p, b, 0);
        assertTrue(p.blur);
        p.blur = false;
        aug.apply(src, 0, 3, 24, 24, full, p, cropped, 0);
        float[] pil = cropped.clone();
        new SampledGaussianBlur().apply(cropped, 0, 3, 24, 24, 5, 1.5);
        assertArrayEquals(cropped, b, "the 5-tap kernel after the same crop");
        new GaussianBlur().apply(pil, 0, 3, 24, 24, 1.5);
        assertArrayEquals(pil, a, "PIL's blur after the same crop");
        assertTrue(AugmentFixtures.maxAbsDiff(a, b) > 1e-4, "PIL's blur is another filter");
    }

    @Test
    void viewsTakeFullOrAnOddKernelThatFits() {
        ViewConfig v = ViewConfig.builder().outputSize(28, 28).build();
        assertEquals("full", v.blurKernelName());
        assertEquals(ViewConfig.FULL_BLUR, ViewConfig.blurKernel("full"));
        assertEquals(5, v.toBuilder().blurKernel(ViewConfig.blurKernel("5")).build().blurKernel());
        assertEquals(55, v.toBuilder().blurKernel(55).build().blurKernel(), "27 reflected pixels in a 28-pixel side");
        for (int bad : new int[] {1, 2, 4, -3, 57}) {
            assertThrows(IllegalArgumentException.class, () -> v.toBuilder().blurKernel(bad).build(), "kernel " + bad);
        }
        for (String bad : new String[] {"0", "Full", "", "3.0"}) {
            assertThrows(IllegalArgumentException.class, () -> ViewConfig.blurKernel(bad), bad);
        }
    }
}
