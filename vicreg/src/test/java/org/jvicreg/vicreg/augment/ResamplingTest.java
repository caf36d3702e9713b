package org.jvicreg.vicreg.augment;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Rng;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Properties of the resize and the blur that hold for any input. */
class ResamplingTest {

    @Test
    void resizingTheWholeImageToItsOwnSizeIsTheIdentity() {
        Rng rng = new Rng(2);
        float[] img = new float[3 * 13 * 17];
        for (int i = 0; i < img.length; i++) img[i] = rng.nextFloat();
        for (Interpolation interp : Interpolation.values()) {
            float[] out = new float[img.length];
            new ResizedCrop().apply(img, 0, 3, 13, 17, CropBox.full(13, 17), interp, out, 0, 13, 17);
            assertArrayEquals(img, out, 1e-6f, interp.name());
        }
    }

    @Test
    void blurKeepsConstantsAndHasVarianceSigmaSquared() {
        GaussianBlur blur = new GaussianBlur();
        float[] flat = new float[2 * 9 * 11];
        java.util.Arrays.fill(flat, 0.37f);
        blur.apply(flat, 0, 2, 9, 11, 1.3);
        for (float v : flat) assertEquals(0.37f, v, 1e-6f);

        for (double sigma : new double[] {0.1, 0.5, 1.0, 2.0}) {
            int n = 61;
            float[] delta = new float[n * n];
            delta[(n / 2) * n + n / 2] = 1f;
            blur.apply(delta, 0, 1, n, n, sigma);
            double mass = 0, var = 0;
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    mass += delta[y * n + x];
                    var += delta[y * n + x] * (x - n / 2) * (x - n / 2);
                }
            }
            assertEquals(1.0, mass, 1e-5, "mass at sigma " + sigma);
            // the box radius is rounded to float as in PIL, so the variance is sigma^2 to float precision
            assertEquals(sigma * sigma, var, 1e-5 + 1e-5 * sigma * sigma, "variance at sigma " + sigma);
        }
    }
}
