package org.jvicreg.vicreg.augment;

/**
 * Solarization: every value at or above {@code threshold} becomes {@code 1 - value} (torchvision's
 * {@code F.solarize} on float tensors). The official VICReg code calls PIL's
 * {@code ImageOps.solarize(img)} (threshold 128 of 255, i.e. about 0.502); on [0, 1] data we use 0.5.
 */
public final class Solarize {
    private Solarize() {}

    /** In place on {@code length} values starting at {@code offset}. */
    public static void apply(float[] img, int offset, int length, float threshold) {
        for (int i = offset, end = offset + length; i < end; i++) {
            float v = img[i];
            if (v >= threshold) img[i] = 1f - v;
        }
    }
}
