package org.jvicreg.vicreg.augment;

import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.Npy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The .npy references made by {@code fixtures/augment/make_fixtures.py} (and by the scripts of other
 * folders under {@code fixtures/}), and a max-abs comparison.
 */
final class AugmentFixtures {
    private AugmentFixtures() {}

    static Tensor load(String name) {
        return load("augment", name);
    }

    /** {@code fixtures/FOLDER/NAME.npy}. */
    static Tensor load(String folder, String name) {
        String path = "fixtures/" + folder + "/" + name + ".npy";
        try {
            var url = AugmentFixtures.class.getResource("/" + path);
            if (url == null) throw new IllegalStateException("missing fixture " + path);
            return Npy.read(Path.of(url.toURI()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static float[] array(String name) {
        return load(name).toArray();
    }

    /** Rows {@code k * n .. (k + 1) * n - 1} of a stacked fixture. */
    static float[] slice(float[] stacked, int k, int n) {
        float[] out = new float[n];
        System.arraycopy(stacked, k * n, out, 0, n);
        return out;
    }

    /** The image rounded to 256 levels, as PIL sees it. */
    static float[] quantized(float[] img) {
        float[] out = new float[img.length];
        for (int i = 0; i < img.length; i++) out[i] = Math.round(img[i] * 255f) / 255f;
        return out;
    }

    static double maxAbsDiff(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, "length");
        double m = 0;
        for (int i = 0; i < expected.length; i++) m = Math.max(m, Math.abs((double) expected[i] - actual[i]));
        return m;
    }

    static void assertMaxAbs(String what, float[] expected, float[] actual, double tolerance) {
        double err = maxAbsDiff(expected, actual);
        assertTrue(err <= tolerance, what + ": max |difference| " + err + " > " + tolerance);
    }
}
