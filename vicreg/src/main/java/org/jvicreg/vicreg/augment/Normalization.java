package org.jvicreg.vicreg.augment;

import java.util.Arrays;

/**
 * Per-channel standardisation {@code (x - mean[c]) / std[c]} of images in [0, 1] (torchvision's
 * {@code Normalize}), the last step of every pipeline. The presets are the usual published
 * statistics of each training set (Fashion-MNIST's is checked against the installed data by a test).
 */
public record Normalization(float[] mean, float[] std) {

    /** ImageNet, as in the official VICReg code. */
    public static final Normalization IMAGENET = of(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
    /** Fashion-MNIST training set (population std). */
    public static final Normalization FASHION_MNIST = of(new float[] {0.2860f}, new float[] {0.3530f});
    /** MNIST training set. */
    public static final Normalization MNIST = of(new float[] {0.1307f}, new float[] {0.3081f});
    /** CIFAR-10 training set. */
    public static final Normalization CIFAR10 = of(new float[] {0.4914f, 0.4822f, 0.4465f}, new float[] {0.2470f, 0.2435f, 0.2616f});
    /** CIFAR-100 training set. */
    public static final Normalization CIFAR100 = of(new float[] {0.5071f, 0.4865f, 0.4409f}, new float[] {0.2673f, 0.2564f, 0.2762f});

    public Normalization {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("mean and std need the same non-zero length, got " + mean.length + " and " + std.length);
        }
        for (float s : std) {
            if (!(s > 0f)) throw new IllegalArgumentException("std must be positive, got " + Arrays.toString(std));
        }
        mean = mean.clone();
        std = std.clone();
    }

    public static Normalization of(float[] mean, float[] std) {
        return new Normalization(mean, std);
    }

    /** Mean 0 and std 1 for every channel: leaves values as they are. */
    public static Normalization identity(int channels) {
        float[] m = new float[channels], s = new float[channels];
        Arrays.fill(s, 1f);
        return new Normalization(m, s);
    }

    public int channels() {
        return mean.length;
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /** In place on a CHW image with {@code channels()} planes of {@code pixels} values at {@code offset}. */
    public void apply(float[] img, int offset, int pixels) {
        for (int c = 0; c < mean.length; c++) {
            float m = mean[c], inv = 1f / std[c];
            for (int i = offset + c * pixels, end = i + pixels; i < end; i++) img[i] = (img[i] - m) * inv;
        }
    }

    /** Undoes {@link #apply} (for showing normalised images). */
    public void invert(float[] img, int offset, int pixels) {
        for (int c = 0; c < mean.length; c++) {
            float m = mean[c], s = std[c];
            for (int i = offset + c * pixels, end = i + pixels; i < end; i++) img[i] = img[i] * s + m;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
