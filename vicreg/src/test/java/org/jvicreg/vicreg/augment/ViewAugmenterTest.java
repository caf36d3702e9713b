package org.jvicreg.vicreg.augment;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Rng;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The random pipeline: determinism, sampled ranges and frequencies, and the order of the ops. */
class ViewAugmenterTest {
    private static final int C = 3, H = 40, W = 36;

    private static float[] image(long seed, int n) {
        Rng rng = new Rng(seed);
        float[] img = new float[n];
        for (int i = 0; i < n; i++) img[i] = rng.nextFloat();
        return img;
    }

    @Test
    void sameSeedEpochAndIndexGiveTheSameViews() {
        AugmentConfig cfg = AugmentConfig.official(24);
        float[] src = image(3, C * H * W);
        int n = C * 24 * 24;
        float[][] a = views(cfg, src, SampleRng.of(42, 3, 17), n);
        float[][] b = views(cfg, src, SampleRng.of(42, 3, 17), n);
        assertArrayEquals(a[0], b[0]);
        assertArrayEquals(a[1], b[1]);
        assertFalse(Arrays.equals(a[0], a[1]), "the two views differ");
        assertFalse(Arrays.equals(a[0], views(cfg, src, SampleRng.of(42, 4, 17), n)[0]), "another epoch differs");
        assertFalse(Arrays.equals(a[0], views(cfg, src, SampleRng.of(42, 3, 18), n)[0]), "another index differs");
        assertFalse(Arrays.equals(a[0], views(cfg, src, SampleRng.of(43, 3, 17), n)[0]), "another seed differs");
    }

    private static float[][] views(AugmentConfig cfg, float[] src, Rng rng, int n) {
        float[] v1 = new float[n], v2 = new float[n];
        new ViewAugmenter().twoViews(src, 0, C, H, W, cfg, rng, v1, v2, 0, false);
        return new float[][] {v1, v2};
    }

    @Test
    void unnormalisedViewsStayInTheUnitRangeAndNormalisationIsApplied() {
        AugmentConfig cfg = AugmentConfig.official(16);
        float[] src = image(5, C * H * W);
        int n = C * 16 * 16;
        float[] v1 = new float[2 * n], v2 = new float[2 * n], n1 = new float[2 * n], n2 = new float[2 * n];
        ViewAugmenter aug = new ViewAugmenter();
        for (int i = 0; i < 200; i++) {
            aug.twoViews(src, 0, C, H, W, cfg, SampleRng.of(1, 0, i), v1, v2, n, false);
            for (int k = n; k < 2 * n; k++) {
                assertTrue(v1[k] >= 0f && v1[k] <= 1f && v2[k] >= 0f && v2[k] <= 1f, "value " + v1[k] + " / " + v2[k]);
            }
            aug.twoViews(src, 0, C, H, W, cfg, SampleRng.of(1, 0, i), n1, n2, n, true);
            cfg.normalization().invert(n1, n, 16 * 16);
            for (int k = n; k < 2 * n; k++) assertEquals(v1[k], n1[k], 1e-6);
            for (int k = 0; k < n; k++) assertEquals(0f, n1[k], "nothing written before the offset");
        }
    }

    @Test
    void sampledDecisionsFollowTheOfficialRecipe() {
        AugmentConfig cfg = AugmentConfig.official();
        ViewParams p = new ViewParams();
        int trials = 4000;
        for (int view = 0; view < 2; view++) {
            ViewConfig vc = view == 0 ? cfg.view1() : cfg.view2();
            Rng rng = new Rng(100 + view);
            int flips = 0, jitters = 0, grays = 0, blurs = 0, solarizes = 0;
            Set<String> orders = new HashSet<>();
            for (int i = 0; i < trials; i++) {
                p.sample(vc, rng, 300, 400);
                if (p.flip) flips++;
                if (p.grayscale) grays++;
                if (p.solarize) solarizes++;
                if (p.blur) {
                    blurs++;
                    assertTrue(p.blurSigma >= 0.1 && p.blurSigma <= 2.0, "sigma " + p.blurSigma);
                }
                if (p.jitter) {
                    jitters++;
                    assertTrue(p.brightness >= 0.6f && p.brightness <= 1.4f, "brightness " + p.brightness);
                    assertTrue(p.contrast >= 0.6f && p.contrast <= 1.4f, "contrast " + p.contrast);
                    assertTrue(p.saturation >= 0.8f && p.saturation <= 1.2f, "saturation " + p.saturation);
                    assertTrue(p.hue >= -0.1f && p.hue <= 0.1f, "hue " + p.hue);
                    int[] sorted = p.jitterOrder.clone();
                    Arrays.sort(sorted);
                    assertArrayEquals(new int[] {0, 1, 2, 3}, sorted);
                    orders.add(Arrays.toString(p.jitterOrder));
                }
                assertTrue(p.crop.fitsIn(300, 400));
            }
            // binomial standard deviations are at most 0.008 at 4000 trials: 0.03 is about 4 of them
            assertEquals(0.5, flips / (double) trials, 0.03, "flip rate");
            assertEquals(0.8, jitters / (double) trials, 0.03, "jitter rate");
            assertEquals(0.2, grays / (double) trials, 0.03, "grayscale rate");
            assertEquals(view == 0 ? 1.0 : 0.1, blurs / (double) trials, 0.03, "blur rate");
            assertEquals(view == 0 ? 0.0 : 0.2, solarizes / (double) trials, 0.03, "solarize rate");
            assertEquals(24, orders.size(), "every jitter order occurs");
        }
    }

    @Test
    void applyRunsTheOpsInThePipelineOrder() {
        ViewConfig vc = ViewConfig.builder().outputSize(20, 18).interpolation(Interpolation.BILINEAR).build();
        float[] src = image(9, C * H * W);
        ViewParams p = new ViewParams();
        p.crop = new CropBox(3, 4, 30, 25);
        p.flip = true;
        p.jitter = true;
        System.arraycopy(new int[] {ViewParams.HUE, ViewParams.CONTRAST, ViewParams.BRIGHTNESS, ViewParams.SATURATION}, 0, p.jitterOrder, 0, 4);
        p.brightness = 1.2f;
        p.contrast = 0.7f;
        p.saturation = 1.3f;
        p.hue = -0.05f;
        p.grayscale = false;
        p.blur = true;
        p.blurSigma = 0.8;
        p.solarize = true;
        int pixels = 20 * 18;
        float[] actual = new float[C * pixels];
        new ViewAugmenter().apply(src, 0, C, H, W, vc, p, actual, 0);

        float[] expected = new float[C * pixels];
        new ResizedCrop().apply(src, 0, C, H, W, p.crop, Interpolation.BILINEAR, expected, 0, 20, 18);
        Flip.horizontal(expected, 0, C, 20, 18);
        ColorAdjust.hue(expected, 0, C, pixels, -0.05f);
        ColorAdjust.contrast(expected, 0, C, pixels, 0.7f);
        ColorAdjust.brightness(expected, 0, C, pixels, 1.2f);
        ColorAdjust.saturation(expected, 0, C, pixels, 1.3f);
        new GaussianBlur().apply(expected, 0, C, 20, 18, 0.8);
        Solarize.apply(expected, 0, C * pixels, 0.5f);
        assertArrayEquals(expected, actual);
    }

    @Test
    void fashionMnistPresetOnOneChannel() {
        AugmentConfig cfg = AugmentConfig.fashionMnist();
        assertEquals(28, cfg.outHeight());
        assertEquals(0.2, cfg.view1().scaleMin());
        assertEquals(1, cfg.normalization().channels());
        float[] src = image(11, 28 * 28);
        float[] v1 = new float[28 * 28], v2 = new float[28 * 28];
        ViewAugmenter aug = new ViewAugmenter();
        int solarized = 0, blurred = 0;
        for (int i = 0; i < 500; i++) {
            aug.twoViews(src, 0, 1, 28, 28, cfg, SampleRng.of(0, 0, i), v1, v2, 0, false);
            assertFalse(aug.lastParams(0).solarize, "view 1 is never solarized");
            assertTrue(aug.lastParams(0).blur, "view 1 is always blurred");
            if (aug.lastParams(1).solarize) solarized++;
            if (aug.lastParams(1).blur) blurred++;
        }
        assertTrue(solarized > 60 && solarized < 140, "view 2 solarized about 20%: " + solarized);
        assertTrue(blurred > 20 && blurred < 80, "view 2 blurred about 10%: " + blurred);
    }

    @Test
    void officialPresetIsTheAsymmetricRecipe() {
        AugmentConfig cfg = AugmentConfig.official();
        for (ViewConfig v : new ViewConfig[] {cfg.view1(), cfg.view2()}) {
            assertEquals(224, v.outHeight());
            assertEquals(Interpolation.BICUBIC, v.interpolation());
            assertEquals(0.08, v.scaleMin());
            assertEquals(0.5, v.flipP());
            assertEquals(0.8, v.jitterP());
            assertEquals(0.4, v.brightness());
            assertEquals(0.4, v.contrast());
            assertEquals(0.2, v.saturation());
            assertEquals(0.1, v.hue());
            assertEquals(0.2, v.grayscaleP());
            assertEquals(0.1, v.blurSigmaMin());
            assertEquals(2.0, v.blurSigmaMax());
        }
        assertEquals(1.0, cfg.view1().blurP());
        assertEquals(0.1, cfg.view2().blurP());
        assertEquals(0.0, cfg.view1().solarizeP());
        assertEquals(0.2, cfg.view2().solarizeP());
        assertEquals(Normalization.IMAGENET, cfg.normalization());
        assertEquals(32, AugmentConfig.forDataset("cifar10").outHeight());
        assertEquals(0.5, AugmentConfig.forDataset("fashion-mnist").withCropScale(0.5, 1).view2().scaleMin());
    }

    @Test
    void invalidConfigurationsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ViewConfig.builder().flip(1.5).build());
        assertThrows(IllegalArgumentException.class, () -> ViewConfig.builder().cropScale(0.5, 0.2).build());
        assertThrows(IllegalArgumentException.class, () -> ViewConfig.builder().jitter(0.8, 0.4, 0.4, 0.2, 0.7).build());
        assertThrows(IllegalArgumentException.class, () -> ViewConfig.builder().blur(0.5, 0.0, 1.0).build());
        ViewConfig a = ViewConfig.builder().outputSize(28, 28).build(), b = ViewConfig.builder().outputSize(32, 32).build();
        assertThrows(IllegalArgumentException.class, () -> new AugmentConfig(a, b, Normalization.IMAGENET));
        assertThrows(IllegalArgumentException.class, () -> AugmentConfig.forDataset("svhn"));
    }
}
