package org.jvicreg.vicreg.augment;

import org.junit.jupiter.api.Test;

import static org.jvicreg.vicreg.augment.AugmentFixtures.array;
import static org.jvicreg.vicreg.augment.AugmentFixtures.assertMaxAbs;
import static org.jvicreg.vicreg.augment.AugmentFixtures.load;
import static org.jvicreg.vicreg.augment.AugmentFixtures.maxAbsDiff;
import static org.jvicreg.vicreg.augment.AugmentFixtures.quantized;
import static org.jvicreg.vicreg.augment.AugmentFixtures.slice;

/**
 * The deterministic ops against torchvision 0.14's tensor functions on float32 (the semantics we
 * implement for crops and colours) and against PIL on uint8 (what the official VICReg code runs, and
 * the semantics we implement for the blur). The PIL comparisons feed us the input rounded to 256
 * levels, exactly what PIL sees.
 *
 * <p>Tolerances, as max absolute differences on values in [0, 1], measured values in brackets:
 * <ul>
 *   <li>1e-6 for flip, grayscale, brightness, contrast, saturation, hue, solarize (all [0]) and
 *       normalise [2.4e-7]: the same float32 operations in the same order; normalise multiplies by
 *       {@code 1 / std} where torch divides (one rounding).</li>
 *   <li>2e-6 for resized crop [5.4e-7]: our filter weights are computed in double, torch's in float32.</li>
 *   <li>Resized crop against PIL: 1.05/255 for bilinear [0.96/255]: PIL rounds the horizontal pass and
 *       the result to uint8 (0.5/255 each; a bilinear pass is a convex blend, so errors do not grow).
 *       9/255 for bicubic [7.7/255 on the enlarging case, 0.94/255 on the shrinking one]: PIL also
 *       clamps the intermediate pass to [0, 255] where bicubic overshoots on this noise image; emulating
 *       that clamp in PyTorch brings it to 1.2/255, so it is not a difference in the weights.</li>
 *   <li>Gaussian blur against PIL: 3/255 [2.85/255 at sigma 0.1]: PIL rounds to uint8 after each of its
 *       six box passes (0.5/255 each; the passes are convex blends). A fixed-point emulation of our
 *       algorithm reproduces PIL to 1/255, so this is rounding, not a different filter.</li>
 * </ul>
 */
class TorchvisionParityTest {
    private static final int C = 3, H = 16, W = 20, N = C * H * W;
    private final float[] rgb = array("rgb");
    private final float[] gray = array("gray");

    @Test
    void resizedCropMatchesTorchvisionAntialiasedTensorPath() {
        float[] params = array("resized_crop_params");
        ResizedCrop op = new ResizedCrop();
        for (int k = 0; k < params.length / 7; k++) {
            CropBox box = new CropBox((int) params[7 * k], (int) params[7 * k + 1], (int) params[7 * k + 2], (int) params[7 * k + 3]);
            int oh = (int) params[7 * k + 4], ow = (int) params[7 * k + 5];
            Interpolation interp = params[7 * k + 6] == 0 ? Interpolation.BILINEAR : Interpolation.BICUBIC;
            float[] out = new float[C * oh * ow];
            op.apply(rgb, 0, C, H, W, box, interp, out, 0, oh, ow);
            assertMaxAbs("resized crop " + k + " " + box + " -> " + oh + "x" + ow + " " + interp, array("resized_crop_" + k), out, 2e-6);

            op.apply(quantized(rgb), 0, C, H, W, box, interp, out, 0, oh, ow);
            for (int i = 0; i < out.length; i++) out[i] = Math.max(0f, Math.min(1f, out[i]));
            double pilTolerance = interp == Interpolation.BILINEAR ? 1.05 / 255 : 9.0 / 255;
            assertMaxAbs("resized crop " + k + " against PIL", array("resized_crop_pil_" + k), out, pilTolerance);
        }
    }

    @Test
    void flipGrayscaleSolarizeNormalize() {
        float[] img = rgb.clone();
        Flip.horizontal(img, 0, C, H, W);
        assertMaxAbs("hflip", array("hflip_rgb"), img, 0);

        img = rgb.clone();
        ColorAdjust.grayscale(img, 0, C, H * W);
        assertMaxAbs("grayscale", array("grayscale_rgb"), img, 1e-6);

        img = rgb.clone();
        Solarize.apply(img, 0, N, 0.5f);
        assertMaxAbs("solarize", array("solarize_rgb"), img, 0);

        float[] ms = array("normalize_params");
        Normalization norm = Normalization.of(new float[] {ms[0], ms[1], ms[2]}, new float[] {ms[3], ms[4], ms[5]});
        img = rgb.clone();
        norm.apply(img, 0, H * W);
        assertMaxAbs("normalize", array("normalize_rgb"), img, 1e-6);
        norm.invert(img, 0, H * W);
        assertMaxAbs("normalize then invert", rgb, img, 1e-6);
    }

    @Test
    void brightnessAndContrastOnRgbAndGray() {
        checkJitter("brightness", (img, c, f) -> ColorAdjust.brightness(img, 0, c, H * W, f), true, 1e-6);
        checkJitter("contrast", (img, c, f) -> ColorAdjust.contrast(img, 0, c, H * W, f), true, 1e-6);
    }

    @Test
    void saturationAndHueOnRgb() {
        checkJitter("saturation", (img, c, f) -> ColorAdjust.saturation(img, 0, c, H * W, f), false, 1e-6);
        checkJitter("hue", (img, c, f) -> ColorAdjust.hue(img, 0, c, H * W, f), false, 1e-6);
    }

    @Test
    void saturationAndHueLeaveOneChannelAlone() {
        float[] img = gray.clone();
        ColorAdjust.saturation(img, 0, 1, H * W, 0.3f);
        ColorAdjust.hue(img, 0, 1, H * W, 0.2f);
        ColorAdjust.grayscale(img, 0, 1, H * W);
        assertMaxAbs("1-channel saturation/hue/grayscale", gray, img, 0);
    }

    @Test
    void gaussianBlurMatchesPil() {
        float[] sigmas = array("blur_sigmas");
        float[] pilRgb = array("blur_pil_rgb"), pilGray = array("blur_pil_gray");
        GaussianBlur blur = new GaussianBlur();
        for (int k = 0; k < sigmas.length; k++) {
            float[] img = quantized(rgb);
            blur.apply(img, 0, C, H, W, sigmas[k]);
            assertMaxAbs("blur sigma " + sigmas[k] + " rgb", slice(pilRgb, k, N), img, 3.0 / 255 + 1e-6);
            img = quantized(gray);
            blur.apply(img, 0, 1, H, W, sigmas[k]);
            assertMaxAbs("blur sigma " + sigmas[k] + " gray", slice(pilGray, k, H * W), img, 3.0 / 255 + 1e-6);
        }
    }

    @Test
    void fixturesAreNotTrivial() {
        // Guards the comparisons above: each reference differs clearly from its input.
        org.junit.jupiter.api.Assertions.assertTrue(maxAbsDiff(rgb, slice(array("blur_pil_rgb"), 1, N)) > 0.1);
        org.junit.jupiter.api.Assertions.assertTrue(maxAbsDiff(rgb, slice(array("hue_rgb"), 1, N)) > 0.1);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {3, 3, 16, 20}, load("contrast_rgb").shape());
    }

    private interface JitterOp {
        void apply(float[] img, int channels, float factor);
    }

    private void checkJitter(String name, JitterOp op, boolean alsoGray, double tolerance) {
        float[] factors = array(name + "_factors");
        float[] refRgb = array(name + "_rgb");
        float[] refGray = alsoGray ? array(name + "_gray") : null;
        for (int k = 0; k < factors.length; k++) {
            float[] img = rgb.clone();
            op.apply(img, C, factors[k]);
            assertMaxAbs(name + " " + factors[k] + " rgb", slice(refRgb, k, N), img, tolerance);
            if (alsoGray) {
                img = gray.clone();
                op.apply(img, 1, factors[k]);
                assertMaxAbs(name + " " + factors[k] + " gray", slice(refGray, k, H * W), img, tolerance);
            }
        }
    }
}
