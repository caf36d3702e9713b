package org.jvicreg.vicreg.augment;

import org.jvicreg.engine.Rng;

/**
 * The random stream of one sample in one epoch: a pure function of (seed, epoch, index), so the
 * views of a sample never depend on which thread makes them, in what order, or in which batch.
 */
public final class SampleRng {
    private SampleRng() {}

    /** The generator for sample {@code index} of {@code epoch}. */
    public static Rng of(long seed, int epoch, long index) {
        long h = mix(seed ^ 0x6A09E667F3BCC909L);
        h = mix(h ^ (epoch * 0x9E3779B97F4A7C15L + 0xBB67AE8584CAA73BL));
        h = mix(h ^ (index * 0xD1B54A32D192ED03L + 0x3C6EF372FE94F82BL));
        return new Rng(h);
    }

    /** The generator for the shuffled order of {@code epoch} (distinct from every sample's stream). */
    public static Rng order(long seed, int epoch) {
        return of(seed, epoch, -1L);
    }

    /** SplitMix64's finaliser: a bijective avalanche of 64 bits. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
