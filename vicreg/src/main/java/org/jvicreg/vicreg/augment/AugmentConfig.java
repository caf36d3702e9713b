package org.jvicreg.vicreg.augment;

import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * The two-view augmentation recipe: one {@link ViewConfig} per view (VICReg's views are asymmetric)
 * and the normalisation applied to both.
 *
 * <p>Presets:
 * <ul>
 *   <li>{@link #official(int)}: facebookresearch/vicreg's ImageNet pipeline: bicubic
 *       RandomResizedCrop (scale 0.08-1, ratio 3/4-4/3), flip 0.5, ColorJitter(0.4, 0.4, 0.2, 0.1)
 *       with p 0.8, grayscale 0.2, blur p 1.0 / 0.1 (sigma 0.1-2.0), solarization p 0.0 / 0.2,
 *       ImageNet mean/std.</li>
 *   <li>{@link #fashionMnist()} (and {@link #mnist()}): 28x28, bilinear crops with scale 0.2-1.0 (the
 *       project's recipe R), flip 0.5 (none for digits), brightness/contrast jitter 0.4 with p 0.8
 *       (saturation, hue and grayscale do nothing on one channel), the official blur (PIL's, sigma 0.1-2.0,
 *       p 1.0 / 0.1) and solarization p 0.0 / 0.2. The blur is the one that measured best on recipe R
 *       among none, 3x3, 5x5 and PIL's, by the mean of both probes on 10,000 held-out training images
 *       (bench/RESULTS.md, "Recipe R: the blur").</li>
 *   <li>{@link #cifar10()} / {@link #cifar100()}: 32x32, the official pipeline with bilinear crops,
 *       scale 0.08-1.0 and no blur, as solo-learn's CIFAR VICReg recipe (not measured here: CIFAR comes in
 *       no Debian package).</li>
 * </ul>
 */
public record AugmentConfig(ViewConfig view1, ViewConfig view2, Normalization normalization) {

    public AugmentConfig {
        if (view1 == null || view2 == null || normalization == null) throw new IllegalArgumentException("augment config: views and normalization are required");
        if (view1.outHeight() != view2.outHeight() || view1.outWidth() != view2.outWidth()) {
            throw new IllegalArgumentException("augment config: both views need the same output size, got "
                    + view1.outHeight() + "x" + view1.outWidth() + " and " + view2.outHeight() + "x" + view2.outWidth());
        }
    }

    /** The official asymmetric ImageNet pipeline at {@code size x size}. */
    public static AugmentConfig official(int size) {
        ViewConfig v1 = ViewConfig.builder().outputSize(size, size).build();
        ViewConfig v2 = v1.toBuilder().blur(0.1, 0.1, 2.0).solarize(0.2, 0.5).build();
        return new AugmentConfig(v1, v2, Normalization.IMAGENET);
    }

    /** The official pipeline at 224x224. */
    public static AugmentConfig official() {
        return official(224);
    }

    public static AugmentConfig fashionMnist() {
        ViewConfig v1 = ViewConfig.builder()
                .outputSize(28, 28).cropScale(0.2, 1.0).interpolation(Interpolation.BILINEAR).flip(0.5)
                .jitter(0.8, 0.4, 0.4, 0.0, 0.0).grayscale(0.0).blur(1.0, 0.1, 2.0).blurKernel(ViewConfig.FULL_BLUR)
                .solarize(0.0, 0.5).build();
        ViewConfig v2 = v1.toBuilder().blur(0.1, 0.1, 2.0).solarize(0.2, 0.5).build();
        return new AugmentConfig(v1, v2, Normalization.FASHION_MNIST);
    }

    /** As {@link #fashionMnist()} without flips (a mirrored digit is often another digit or none). */
    public static AugmentConfig mnist() {
        AugmentConfig f = fashionMnist();
        return f.mapViews(v -> v.toBuilder().flip(0.0).build()).withNormalization(Normalization.MNIST);
    }

    public static AugmentConfig cifar10() {
        return small32(Normalization.CIFAR10);
    }

    public static AugmentConfig cifar100() {
        return small32(Normalization.CIFAR100);
    }

    private static AugmentConfig small32(Normalization norm) {
        AugmentConfig o = official(32);
        return o.mapViews(v -> v.toBuilder().interpolation(Interpolation.BILINEAR).blur(0.0, 0.1, 2.0).build())
                .withNormalization(norm);
    }

    /**
     * The preset for a dataset name: {@code fashion-mnist}, {@code mnist}, {@code cifar10},
     * {@code cifar100}, or {@code imagenet} (the official pipeline at 224).
     */
    public static AugmentConfig forDataset(String name) {
        return switch (presetName(name)) {
            case "fashion-mnist" -> fashionMnist();
            case "mnist" -> mnist();
            case "cifar10" -> cifar10();
            case "cifar100" -> cifar100();
            case "imagenet" -> official();
            default -> throw new IllegalArgumentException("no augmentation preset for dataset '" + name
                    + "' (known: fashion-mnist, mnist, cifar10, cifar100, imagenet; for an image folder use official(size) with its own normalization)");
        };
    }

    /** A dataset name as {@link #forDataset} knows it: lower case, other spellings of a preset's name mapped to it. */
    private static String presetName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return switch (n) {
            case "fashion_mnist", "fashionmnist" -> "fashion-mnist";
            case "cifar-10" -> "cifar10";
            case "cifar-100" -> "cifar100";
            default -> n;
        };
    }

    /**
     * What a run of {@code dataset} trained with when its config.json records no augmentation (runs made
     * before it was recorded): the dataset's {@code preset}, except that Fashion-MNIST's and MNIST's then had
     * no blur.
     */
    public static AugmentConfig unrecorded(String dataset, AugmentConfig preset) {
        String n = presetName(dataset);
        boolean blurredSince = n.equals("fashion-mnist") || n.equals("mnist");
        return blurredSince ? preset.mapViews(v -> v.toBuilder().blur(0.0, v.blurSigmaMin(), v.blurSigmaMax()).build()) : preset;
    }

    public int outHeight() {
        return view1.outHeight();
    }

    public int outWidth() {
        return view1.outWidth();
    }

    /** The same recipe with {@code f} applied to both views. */
    public AugmentConfig mapViews(UnaryOperator<ViewConfig> f) {
        return new AugmentConfig(f.apply(view1), f.apply(view2), normalization);
    }

    public AugmentConfig withNormalization(Normalization value) {
        return new AugmentConfig(view1, view2, value);
    }

    public AugmentConfig withOutputSize(int height, int width) {
        return mapViews(v -> v.toBuilder().outputSize(height, width).build());
    }

    public AugmentConfig withCropScale(double min, double max) {
        return mapViews(v -> v.toBuilder().cropScale(min, max).build());
    }
}
