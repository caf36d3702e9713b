package org.jvicreg.vicreg.cli;

import org.jvicreg.engine.io.Json;
import org.jvicreg.vicreg.augment.AugmentConfig;
import org.jvicreg.vicreg.augment.Interpolation;
import org.jvicreg.vicreg.augment.ViewConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The augmentation options of every command that makes views ({@code pretrain}, {@code augment}): one
 * option per parameter of a view ({@link ViewConfig}), each changing the dataset's preset. A value
 * applies to both views; {@code V1/V2} gives view 1 and view 2 their own (VICReg's views are asymmetric:
 * the official recipe blurs with p {@code 1.0/0.1} and solarizes with p {@code 0/0.2}). Values never
 * contain {@code |}. A bad value is a {@link UsageException} naming the option and the form it takes.
 *
 * <p>Read the options with {@link #read} before {@link Args#finish()}, then apply them to the preset
 * (which may need the data: an image folder's size) with {@link #applyTo}.
 */
final class AugmentArgs {
    static final String HELP = """
            augmentation (default: the dataset's preset; a value applies to both views, V1/V2 gives each its own):
              --crop-scale MIN,MAX --crop-ratio MIN,MAX   RandomResizedCrop's ranges of area fraction and aspect ratio
              --interpolation I    crop resampling: bilinear | bicubic
              --flip-p P           horizontal flip probability
              --jitter-p P         colour jitter probability; its strengths --brightness S --contrast S
                                   --saturation S --hue H (0 turns one off)
              --grayscale-p P      grayscale probability
              --blur-p P --blur-sigma MIN,MAX   Gaussian blur probability and sigma range (pixels)
              --blur-kernel K      full (PIL's blur, the official code's) | an odd size (torchvision's K x K kernel)
              --solarize-p P --solarize-threshold T   solarization probability and threshold (in [0, 1] units)
            """;

    /** One option: how a value reads (into a change of a view) and how a view's parameter shows. */
    private record Param(String name, String form, Function<String, UnaryOperator<ViewConfig>> parse, Function<ViewConfig, String> show) {}

    private static final List<Param> PARAMS = List.of(
            new Param("crop-scale", "MIN,MAX with 0 < MIN <= MAX (fractions of the image's area)",
                    s -> range(s, (v, r) -> v.toBuilder().cropScale(r[0], r[1]).build()), v -> showRange(v.scaleMin(), v.scaleMax())),
            new Param("crop-ratio", "MIN,MAX with 0 < MIN <= MAX (width / height)",
                    s -> range(s, (v, r) -> v.toBuilder().cropRatio(r[0], r[1]).build()), v -> showRange(v.ratioMin(), v.ratioMax())),
            new Param("interpolation", "bilinear or bicubic", AugmentArgs::interpolation, v -> v.interpolation().name().toLowerCase(Locale.ROOT)),
            new Param("flip-p", "a probability in [0, 1]", s -> number(s, (v, x) -> v.toBuilder().flip(x).build()), v -> show(v.flipP())),
            new Param("jitter-p", "a probability in [0, 1]",
                    s -> number(s, (v, x) -> v.toBuilder().jitter(x, v.brightness(), v.contrast(), v.saturation(), v.hue()).build()),
                    v -> show(v.jitterP())),
            new Param("brightness", "a strength >= 0",
                    s -> number(s, (v, x) -> v.toBuilder().jitter(v.jitterP(), x, v.contrast(), v.saturation(), v.hue()).build()),
                    v -> show(v.brightness())),
            new Param("contrast", "a strength >= 0",
                    s -> number(s, (v, x) -> v.toBuilder().jitter(v.jitterP(), v.brightness(), x, v.saturation(), v.hue()).build()),
                    v -> show(v.contrast())),
            new Param("saturation", "a strength >= 0",
                    s -> number(s, (v, x) -> v.toBuilder().jitter(v.jitterP(), v.brightness(), v.contrast(), x, v.hue()).build()),
                    v -> show(v.saturation())),
            new Param("hue", "a strength in [0, 0.5]",
                    s -> number(s, (v, x) -> v.toBuilder().jitter(v.jitterP(), v.brightness(), v.contrast(), v.saturation(), x).build()),
                    v -> show(v.hue())),
            new Param("grayscale-p", "a probability in [0, 1]", s -> number(s, (v, x) -> v.toBuilder().grayscale(x).build()),
                    v -> show(v.grayscaleP())),
            new Param("blur-p", "a probability in [0, 1]",
                    s -> number(s, (v, x) -> v.toBuilder().blur(x, v.blurSigmaMin(), v.blurSigmaMax()).build()), v -> show(v.blurP())),
            new Param("blur-sigma", "MIN,MAX with 0 < MIN <= MAX (pixels)",
                    s -> range(s, (v, r) -> v.toBuilder().blur(v.blurP(), r[0], r[1]).build()), v -> showRange(v.blurSigmaMin(), v.blurSigmaMax())),
            new Param("blur-kernel", "full or an odd size >= 3", AugmentArgs::blurKernel, ViewConfig::blurKernelName),
            new Param("solarize-p", "a probability in [0, 1]",
                    s -> number(s, (v, x) -> v.toBuilder().solarize(x, v.solarizeThreshold()).build()), v -> show(v.solarizeP())),
            new Param("solarize-threshold", "a number (values at or above it are inverted)",
                    s -> number(s, (v, x) -> v.toBuilder().solarize(v.solarizeP(), x).build()), v -> show(v.solarizeThreshold())));

    /** A view that every value of the right form and range changes without error (224 px: room for any usual kernel). */
    private static final ViewConfig REFERENCE = ViewConfig.builder().build();

    /** The options given: each one's change of view 1 and of view 2. */
    private final Map<Param, List<UnaryOperator<ViewConfig>>> given = new LinkedHashMap<>();
    private final Map<Param, String> raw = new LinkedHashMap<>();

    private AugmentArgs() {}

    /** Reads and checks every augmentation option given (the check of a blur kernel against the image size waits for {@link #applyTo}). */
    static AugmentArgs read(Args a) {
        AugmentArgs out = new AugmentArgs();
        for (Param p : PARAMS) {
            String value = a.string(p.name(), null);
            if (value == null) continue;
            String[] parts = value.split("/", -1);
            if (parts.length > 2) throw bad(p, value);
            List<UnaryOperator<ViewConfig>> views = new ArrayList<>();
            for (String part : parts) {
                try {
                    UnaryOperator<ViewConfig> change = p.parse().apply(part);
                    change.apply(REFERENCE); // the range checks of ViewConfig
                    views.add(change);
                } catch (IllegalArgumentException e) {
                    throw bad(p, value);
                }
            }
            if (views.size() == 1) views.add(views.get(0));
            out.given.put(p, views);
            out.raw.put(p, value);
        }
        return out;
    }

    private static UsageException bad(Param p, String value) {
        return new UsageException("option --" + p.name() + " expects " + p.form() + ", or V1/V2 for each view its own, got "
                + Json.shown(value));
    }

    /** Whether any augmentation option was given. */
    boolean any() {
        return !given.isEmpty();
    }

    /** The recipe with every given option applied to both views (or each its own value). */
    AugmentConfig applyTo(AugmentConfig preset) {
        ViewConfig v1 = preset.view1(), v2 = preset.view2();
        for (var e : given.entrySet()) {
            Param p = e.getKey();
            try {
                v1 = e.getValue().get(0).apply(v1);
                v2 = e.getValue().get(1).apply(v2);
            } catch (IllegalArgumentException ex) {
                String why = ex.getMessage().replaceFirst("^view config: ", "");
                throw new UsageException("option --" + p.name() + " " + raw.get(p) + ": " + why);
            }
        }
        return new AugmentConfig(v1, v2, preset.normalization());
    }

    /** "--blur-p (run: 1.0/0.1, given: 0.5)" for each option given whose value differs from a run's recorded recipe. */
    List<String> clashes(AugmentConfig recorded) {
        List<String> out = new ArrayList<>();
        for (Param p : given.keySet()) {
            AugmentConfig changed;
            try {
                changed = only(p).applyTo(recorded);
            } catch (UsageException e) {
                changed = null;
            }
            if (!recorded.equals(changed)) out.add("--" + p.name() + " (run: " + shown(p, recorded) + ", given: " + raw.get(p) + ")");
        }
        return out;
    }

    private AugmentArgs only(Param p) {
        AugmentArgs one = new AugmentArgs();
        one.given.put(p, given.get(p));
        one.raw.put(p, raw.get(p));
        return one;
    }

    /** A parameter of a recipe as its option writes it: "V" when both views agree, else "V1/V2". */
    private static String shown(Param p, AugmentConfig c) {
        String a = p.show().apply(c.view1()), b = p.show().apply(c.view2());
        return a.equals(b) ? a : a + "/" + b;
    }

    /** The whole recipe as options ("--crop-scale 0.2,1.0 ... --solarize-p 0.0/0.2"): what {@code augment} drew. */
    static String describe(AugmentConfig c) {
        StringBuilder s = new StringBuilder();
        for (Param p : PARAMS) s.append(s.isEmpty() ? "" : " ").append("--").append(p.name()).append(' ').append(shown(p, c));
        return s.toString();
    }

    private interface NumberChange {
        ViewConfig apply(ViewConfig v, double x);
    }

    private interface RangeChange {
        ViewConfig apply(ViewConfig v, double[] minMax);
    }

    private static UnaryOperator<ViewConfig> number(String s, NumberChange change) {
        double x = finite(s);
        return v -> change.apply(v, x);
    }

    private static UnaryOperator<ViewConfig> range(String s, RangeChange change) {
        String[] parts = s.split(",", -1);
        if (parts.length != 2) throw new IllegalArgumentException("expected MIN,MAX");
        double[] r = {finite(parts[0]), finite(parts[1])};
        return v -> change.apply(v, r);
    }

    private static UnaryOperator<ViewConfig> interpolation(String s) {
        Interpolation i = switch (s) {
            case "bilinear" -> Interpolation.BILINEAR;
            case "bicubic" -> Interpolation.BICUBIC;
            default -> throw new IllegalArgumentException("unknown interpolation");
        };
        return v -> v.toBuilder().interpolation(i).build();
    }

    private static UnaryOperator<ViewConfig> blurKernel(String s) {
        int k = ViewConfig.blurKernel(s);
        return v -> v.toBuilder().blurKernel(k).build();
    }

    /** A finite number, without the whitespace Double.parseDouble forgives. */
    private static double finite(String s) {
        if (s.isEmpty() || !s.strip().equals(s)) throw new IllegalArgumentException("not a number");
        double x = Double.parseDouble(s); // NumberFormatException is an IllegalArgumentException
        if (!Double.isFinite(x)) throw new IllegalArgumentException("not finite");
        return x;
    }

    private static String show(double x) {
        return Double.toString(x);
    }

    private static String showRange(double min, double max) {
        return show(min) + "," + show(max);
    }
}
