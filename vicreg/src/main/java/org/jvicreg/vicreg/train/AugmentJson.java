package org.jvicreg.vicreg.train;

import org.jvicreg.vicreg.augment.AugmentConfig;
import org.jvicreg.vicreg.augment.Interpolation;
import org.jvicreg.vicreg.augment.Normalization;
import org.jvicreg.vicreg.augment.ViewConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * config.json's {@code "augment"} object: the recipe a run trained with, every parameter of both views and
 * the normalisation, written so that reading it back rebuilds an equal {@link AugmentConfig}:
 * <pre>
 *   "augment": {"view1": {"out_height": 28, "out_width": 28, "crop_scale": [0.2, 1.0], "crop_ratio": [0.75, 1.33...],
 *                         "interpolation": "bilinear", "flip_p": 0.5, "jitter_p": 0.8, "brightness": 0.4,
 *                         "contrast": 0.4, "saturation": 0.0, "hue": 0.0, "grayscale_p": 0.0, "blur_p": 0.0,
 *                         "blur_sigma": [0.1, 2.0], "blur_kernel": "full" (or an odd size), "solarize_p": 0.0,
 *                         "solarize_threshold": 0.5},
 *               "view2": {...}, "normalization": {"mean": [0.286], "std": [0.353]}}
 * </pre>
 * Errors name the field ("field 'augment.view2.blur_p' ...").
 */
final class AugmentJson {
    static final String KEY = "augment";

    private AugmentJson() {}

    static Map<String, Object> toMap(AugmentConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("view1", view(c.view1()));
        m.put("view2", view(c.view2()));
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("mean", floats(c.normalization().mean()));
        n.put("std", floats(c.normalization().std()));
        m.put("normalization", n);
        return m;
    }

    private static Map<String, Object> view(ViewConfig v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("out_height", (long) v.outHeight());
        m.put("out_width", (long) v.outWidth());
        m.put("crop_scale", List.of(v.scaleMin(), v.scaleMax()));
        m.put("crop_ratio", List.of(v.ratioMin(), v.ratioMax()));
        m.put("interpolation", v.interpolation().name().toLowerCase(Locale.ROOT));
        m.put("flip_p", v.flipP());
        m.put("jitter_p", v.jitterP());
        m.put("brightness", v.brightness());
        m.put("contrast", v.contrast());
        m.put("saturation", v.saturation());
        m.put("hue", v.hue());
        m.put("grayscale_p", v.grayscaleP());
        m.put("blur_p", v.blurP());
        m.put("blur_sigma", List.of(v.blurSigmaMin(), v.blurSigmaMax()));
        m.put("blur_kernel", v.blurKernel() == ViewConfig.FULL_BLUR ? v.blurKernelName() : (Object) (long) v.blurKernel());
        m.put("solarize_p", v.solarizeP());
        m.put("solarize_threshold", v.solarizeThreshold());
        return m;
    }

    private static List<Object> floats(float[] a) {
        Object[] out = new Object[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return List.of(out);
    }

    /** The recipe under config.json's "augment" key ({@code config} holds it). */
    static AugmentConfig fromMap(Map<?, ?> config) {
        Map<?, ?> m = object(config, KEY);
        Map<?, ?> m1 = nested(KEY, () -> object(m, "view1")), m2 = nested(KEY, () -> object(m, "view2"));
        Map<?, ?> mn = nested(KEY, () -> object(m, "normalization"));
        ViewConfig v1 = nested(KEY + ".view1", () -> view(m1)), v2 = nested(KEY + ".view2", () -> view(m2));
        Normalization n = nested(KEY + ".normalization", () -> Normalization.of(numbers(mn, "mean"), numbers(mn, "std")));
        return nested(KEY, () -> new AugmentConfig(v1, v2, n));
    }

    private static ViewConfig view(Map<?, ?> m) {
        double[] scale = pair(m, "crop_scale"), ratio = pair(m, "crop_ratio"), sigma = pair(m, "blur_sigma");
        String interpolation = PretrainConfig.string(m, "interpolation", null);
        Interpolation i = switch (interpolation) {
            case "bilinear" -> Interpolation.BILINEAR;
            case "bicubic" -> Interpolation.BICUBIC;
            default -> throw new IllegalArgumentException(PretrainConfig.field(m, "interpolation", "bilinear or bicubic"));
        };
        Object k = m.get("blur_kernel");
        int kernel = "full".equals(k) ? ViewConfig.FULL_BLUR : k instanceof Long size && size != 0 ? PretrainConfig.whole(m, "blur_kernel") : -1;
        if (kernel < 0) throw new IllegalArgumentException(PretrainConfig.field(m, "blur_kernel", "\"full\" or an odd size"));
        return ViewConfig.builder()
                .outputSize(PretrainConfig.whole(m, "out_height"), PretrainConfig.whole(m, "out_width"))
                .cropScale(scale[0], scale[1]).cropRatio(ratio[0], ratio[1]).interpolation(i)
                .flip(real(m, "flip_p"))
                .jitter(real(m, "jitter_p"), real(m, "brightness"), real(m, "contrast"), real(m, "saturation"), real(m, "hue"))
                .grayscale(real(m, "grayscale_p"))
                .blur(real(m, "blur_p"), sigma[0], sigma[1]).blurKernel(kernel)
                .solarize(real(m, "solarize_p"), real(m, "solarize_threshold"))
                .build();
    }

    private static double real(Map<?, ?> m, String key) {
        return PretrainConfig.real(m, key, null);
    }

    private static Map<?, ?> object(Map<?, ?> m, String key) {
        if (!(m.get(key) instanceof Map<?, ?> v)) throw new IllegalArgumentException(PretrainConfig.field(m, key, "an object"));
        return v;
    }

    private static double[] pair(Map<?, ?> m, String key) {
        if (m.get(key) instanceof List<?> l && l.size() == 2 && l.get(0) instanceof Number a && l.get(1) instanceof Number b
                && Double.isFinite(a.doubleValue()) && Double.isFinite(b.doubleValue())) {
            return new double[] {a.doubleValue(), b.doubleValue()};
        }
        throw new IllegalArgumentException(PretrainConfig.field(m, key, "[MIN, MAX]"));
    }

    private static float[] numbers(Map<?, ?> m, String key) {
        float[] out = finiteFloats(m, key);
        if (out == null) throw new IllegalArgumentException(PretrainConfig.field(m, key, "an array of numbers"));
        return out;
    }

    private static float[] finiteFloats(Map<?, ?> m, String key) {
        if (m.get(key) instanceof List<?> l) {
            float[] out = new float[l.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(l.get(i) instanceof Number x) || !Float.isFinite((float) x.doubleValue())) return null;
                out[i] = (float) x.doubleValue();
            }
            return out;
        }
        return null;
    }

    /** Runs a read, its errors named under {@code path} ("field 'augment.view1.flip_p' ...", "field 'augment.view1': ..."). */
    private static <T> T nested(String path, java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage();
            throw new IllegalArgumentException(msg.startsWith("field '") ? "field '" + path + "." + msg.substring(7)
                    : "field '" + path + "': " + msg.replaceFirst("^view config: ", ""), e);
        }
    }
}
