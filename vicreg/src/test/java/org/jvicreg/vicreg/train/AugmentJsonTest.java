package org.jvicreg.vicreg.train;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.io.Json;
import org.jvicreg.vicreg.augment.AugmentConfig;
import org.jvicreg.vicreg.augment.Interpolation;
import org.jvicreg.vicreg.augment.Normalization;
import org.jvicreg.vicreg.augment.ViewConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** config.json's "augment" and "holdout": written, read back equal, absent in older runs, every bad field named. */
class AugmentJsonTest {
    static PretrainConfig base() {
        return new PretrainConfig("mnist", "/data", 0, "resnet18", 4, true, "32-32", 32, 2, 0.3, 0.1, 1e-6,
                "vicreg", 25, 25, 1, 0.0051, 0.2, 0, 2, 1);
    }

    /** A recipe whose every field differs from the defaults and between the views. */
    static AugmentConfig unusual() {
        ViewConfig v1 = ViewConfig.builder().outputSize(30, 20).cropScale(0.3, 0.9).cropRatio(0.5, 2.0)
                .interpolation(Interpolation.BILINEAR).flip(0.1).jitter(0.7, 0.11, 0.12, 0.13, 0.14).grayscale(0.15)
                .blur(0.95, 0.2, 1.7).blurKernel(7).solarize(0.05, 0.45).build();
        ViewConfig v2 = v1.toBuilder().cropScale(1.0 / 3, 1.0).interpolation(Interpolation.BICUBIC).blurKernel(ViewConfig.FULL_BLUR)
                .blur(0.1, 0.1, 2.0).solarize(0.2, 0.5).build();
        return new AugmentConfig(v1, v2, Normalization.of(new float[] {0.1f, 0.2f, 1f / 3}, new float[] {0.3f, 0.4f, 0.2860f}));
    }

    /** Through JSON text and back, as config.json is written and read. */
    private static PretrainConfig throughJson(PretrainConfig c) {
        return PretrainConfig.fromMap((Map<?, ?>) Json.parse(Json.write(c.toMap())));
    }

    @Test
    void theRecordedRecipeReadsBackEqual() {
        for (AugmentConfig a : List.of(unusual(), AugmentConfig.fashionMnist(), AugmentConfig.mnist(), AugmentConfig.cifar10(),
                AugmentConfig.cifar100(), AugmentConfig.official())) {
            PretrainConfig c = base().withAugment(a);
            assertEquals(c, throughJson(c));
        }
        PretrainConfig held = new PretrainConfig("mnist", "/data", 500, "resnet18", 4, true, "32-32", 32, 2, 0.3, 0.1, 1e-6,
                "vicreg", 25, 25, 1, 0.0051, 0.2, 32, 0.996, 0, 2, 1, AugmentConfig.mnist(), 10_000);
        assertEquals(held, throughJson(held));
        PretrainConfig byol = new PretrainConfig("mnist", "/data", 0, "resnet18", 4, true, "32-32", 32, 2, 0.3, 0.1, 1e-6,
                "byol", 25, 25, 1, 0.0051, 0.2, 24, 0.99, 0, 2, 1, AugmentConfig.mnist(), 0);
        assertEquals(byol, throughJson(byol), "BYOL's predictor width and target decay are recorded");
        Map<?, ?> view2 = (Map<?, ?>) ((Map<?, ?>) base().withAugment(unusual()).toMap().get("augment")).get("view2");
        assertEquals(List.of("out_height", "out_width", "crop_scale", "crop_ratio", "interpolation", "flip_p", "jitter_p", "brightness",
                "contrast", "saturation", "hue", "grayscale_p", "blur_p", "blur_sigma", "blur_kernel", "solarize_p", "solarize_threshold"),
                List.copyOf(view2.keySet()));
        assertEquals("full", view2.get("blur_kernel"));
        assertTrue(Json.write(base().withAugment(unusual()).toMap()).contains("\"blur_kernel\":7"));
    }

    @Test
    void aConfigWithoutTheKeysIsARunMadeBefore() {
        Map<String, Object> m = new LinkedHashMap<>(base().withAugment(unusual()).toMap());
        m.remove("augment");
        m.remove("holdout");
        PretrainConfig old = PretrainConfig.fromMap(m);
        assertNull(old.augment(), "the dataset's preset");
        assertEquals(0, old.holdout());
        assertEquals(base(), old);
    }

    private static String error(Consumer<Map<String, Object>> edit) {
        Map<String, Object> m = (Map<String, Object>) Json.parse(Json.write(base().withAugment(unusual()).toMap()));
        edit.accept(m);
        return assertThrows(IllegalArgumentException.class, () -> PretrainConfig.fromMap(m)).getMessage();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> at(Map<String, Object> m, String... path) {
        Map<String, Object> cur = m;
        for (String k : path) cur = (Map<String, Object>) cur.get(k);
        return cur;
    }

    @Test
    void badFieldsAreNamed() {
        assertEquals("field 'augment' must be an object, got 3", error(m -> m.put("augment", 3L)));
        assertEquals("field 'augment' must be an object, got null", error(m -> m.put("augment", null)));
        assertEquals("field 'augment.view2' is missing (expected an object)", error(m -> at(m, "augment").remove("view2")));
        assertEquals("field 'augment.view1.flip_p' must be a number, got \"often\"", error(m -> at(m, "augment", "view1").put("flip_p", "often")));
        assertEquals("field 'augment.view2': blur probability must be in [0, 1], got 2.0",
                error(m -> at(m, "augment", "view2").put("blur_p", 2.0)));
        assertEquals("field 'augment.view1.crop_scale' must be [MIN, MAX], got an array",
                error(m -> at(m, "augment", "view1").put("crop_scale", List.of(0.2))));
        assertEquals("field 'augment.view1.interpolation' must be bilinear or bicubic, got \"nearest\"",
                error(m -> at(m, "augment", "view1").put("interpolation", "nearest")));
        for (Object k : List.of(0L, 4L, "3", -1L, 2.5)) {
            String e = error(m -> at(m, "augment", "view1").put("blur_kernel", k));
            assertTrue(e.startsWith("field 'augment.view1"), k + ": " + e);
        }
        assertTrue(error(m -> at(m, "augment", "view1").put("blur_kernel", 41L)).startsWith(
                "field 'augment.view1': a blur kernel of 41 reflects more than the 30x20 views"));
        assertEquals("field 'augment.normalization.std' must be an array of numbers, got an array",
                error(m -> at(m, "augment", "normalization").put("std", List.of(1.0, "x", 2.0))));
        assertTrue(error(m -> at(m, "augment", "normalization").put("std", List.of(1.0))).startsWith("field 'augment.normalization': "));
        assertTrue(error(m -> at(m, "augment", "view2").put("out_width", 21L)).startsWith("field 'augment': augment config: both views"));
        assertTrue(error(m -> m.put("holdout", -5L)).startsWith("field 'holdout' must be a whole number"));
    }
}
