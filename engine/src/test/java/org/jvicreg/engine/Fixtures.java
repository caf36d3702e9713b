package org.jvicreg.engine;

import org.jvicreg.engine.io.Npy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads golden .npy fixtures from the test resources and compares tensors against them. */
public final class Fixtures {
    private final Path dir;

    private Fixtures(Path dir) {
        this.dir = dir;
    }

    /** The case folder {@code fixtures/<group>/<name>} on the test class path. */
    public static Fixtures of(String group, String name) {
        try {
            var url = Fixtures.class.getResource("/fixtures/" + group + "/" + name);
            if (url == null) throw new IllegalStateException("missing fixture folder fixtures/" + group + "/" + name);
            return new Fixtures(Path.of(url.toURI()));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A file of the case folder. */
    public Path file(String name) {
        return dir.resolve(name);
    }

    public Tensor get(String array) {
        try {
            return Npy.read(dir.resolve(array + ".npy"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A leaf copy that requires grad. */
    public Tensor var(String array) {
        return get(array).requiresGrad(true);
    }

    /** max |actual - expected| / max |expected| <= tol, with equal shapes. */
    public static void assertClose(String what, Tensor expected, Tensor actual, double tol) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double err = relativeError(expected.toArray(), actual.toArray());
        assertTrue(err <= tol, what + ": relative error " + err + " > " + tol);
    }

    /** max |actual - expected| / max |expected| over two tensors of one size, wherever each lives. */
    public static double relativeError(Tensor expected, Tensor actual) {
        float[] e = expected.to(Device.cpu()).toArray(), a = actual.to(Device.cpu()).toArray();
        assertEquals(e.length, a.length, "sizes");
        return relativeError(e, a);
    }

    public static double relativeError(float[] expected, float[] actual) {
        double maxErr = 0, maxRef = 0;
        for (int i = 0; i < expected.length; i++) {
            maxErr = Math.max(maxErr, Math.abs((double) expected[i] - actual[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        if (Double.isNaN(maxErr)) return Double.NaN;
        return maxRef == 0 ? maxErr : maxErr / maxRef;
    }
}
