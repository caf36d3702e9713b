package org.jvicreg.vicreg.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvicreg.vicreg.augment.AugmentConfig;
import org.jvicreg.vicreg.augment.Interpolation;
import org.jvicreg.vicreg.augment.ViewConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The augmentation options: one per parameter, a value for both views or V1/V2, errors naming the option and its form. */
class AugmentArgsTest {
    @TempDir
    Path dir;

    private static AugmentArgs read(String... argv) {
        Args a = Args.parse(argv, Set.of());
        AugmentArgs out = AugmentArgs.read(a);
        a.finish();
        return out;
    }

    private static String error(String... argv) {
        return assertThrows(UsageException.class, () -> read(argv)).getMessage();
    }

    @Test
    void noOptionsKeepThePreset() {
        AugmentArgs none = read();
        assertFalse(none.any());
        for (String d : List.of("fashion-mnist", "mnist", "cifar10", "cifar100", "imagenet")) {
            assertEquals(AugmentConfig.forDataset(d), none.applyTo(AugmentConfig.forDataset(d)), d);
        }
    }

    @Test
    void everyParameterOfBothViewsOrEachItsOwn() {
        AugmentConfig preset = AugmentConfig.fashionMnist();
        AugmentConfig c = read("--crop-scale", "0.3,0.9", "--crop-ratio", "0.5,2/0.6,1.5", "--interpolation", "bicubic/bilinear",
                "--flip-p", "0.25", "--jitter-p", "0.7/0.6", "--brightness", "0.1", "--contrast", "0.2/0.3", "--saturation", "0.5",
                "--hue", "0.05/0.5", "--grayscale-p", "0.1", "--blur-p", "1.0/0.1", "--blur-sigma", "0.2,1.5", "--blur-kernel", "full/5",
                "--solarize-p", "0/0.2", "--solarize-threshold", "0.6").applyTo(preset);
        ViewConfig v1 = c.view1(), v2 = c.view2();
        assertEquals(List.of(0.3, 0.9, 0.3, 0.9), List.of(v1.scaleMin(), v1.scaleMax(), v2.scaleMin(), v2.scaleMax()));
        assertEquals(List.of(0.5, 2.0, 0.6, 1.5), List.of(v1.ratioMin(), v1.ratioMax(), v2.ratioMin(), v2.ratioMax()));
        assertEquals(Interpolation.BICUBIC, v1.interpolation());
        assertEquals(Interpolation.BILINEAR, v2.interpolation());
        assertEquals(List.of(0.25, 0.25), List.of(v1.flipP(), v2.flipP()));
        assertEquals(List.of(0.7, 0.1, 0.2, 0.5, 0.05), List.of(v1.jitterP(), v1.brightness(), v1.contrast(), v1.saturation(), v1.hue()));
        assertEquals(List.of(0.6, 0.1, 0.3, 0.5, 0.5), List.of(v2.jitterP(), v2.brightness(), v2.contrast(), v2.saturation(), v2.hue()));
        assertEquals(List.of(0.1, 0.1), List.of(v1.grayscaleP(), v2.grayscaleP()));
        assertEquals(List.of(1.0, 0.2, 1.5, 0.1, 0.2, 1.5),
                List.of(v1.blurP(), v1.blurSigmaMin(), v1.blurSigmaMax(), v2.blurP(), v2.blurSigmaMin(), v2.blurSigmaMax()));
        assertEquals(ViewConfig.FULL_BLUR, v1.blurKernel());
        assertEquals(5, v2.blurKernel());
        assertEquals(List.of(0.0, 0.6, 0.2, 0.6), List.of(v1.solarizeP(), v1.solarizeThreshold(), v2.solarizeP(), v2.solarizeThreshold()));
        assertEquals(List.of(28, 28), List.of(v1.outHeight(), v2.outWidth()), "the preset's size");
        assertEquals(preset.normalization(), c.normalization(), "the preset's normalisation");
        assertEquals("--crop-scale 0.3,0.9 --crop-ratio 0.5,2.0/0.6,1.5 --interpolation bicubic/bilinear --flip-p 0.25 "
                + "--jitter-p 0.7/0.6 --brightness 0.1 --contrast 0.2/0.3 --saturation 0.5 --hue 0.05/0.5 --grayscale-p 0.1 "
                + "--blur-p 1.0/0.1 --blur-sigma 0.2,1.5 --blur-kernel full/5 --solarize-p 0.0/0.2 --solarize-threshold 0.6",
                AugmentArgs.describe(c));
    }

    @Test
    void theOfficialRecipeWrittenAsOptionsIsTheOfficialPreset() {
        AugmentConfig official = AugmentConfig.official();
        String[] options = AugmentArgs.describe(official).split(" ");
        // from Fashion-MNIST's preset (other size, normalisation) the options give the official views at 28 px
        AugmentConfig fromOptions = read(options).applyTo(AugmentConfig.fashionMnist());
        assertEquals(official.withOutputSize(28, 28).withNormalization(AugmentConfig.fashionMnist().normalization()), fromOptions);
    }

    @Test
    void badValuesNameTheOptionAndTheFormItTakes() {
        assertEquals("option --blur-p expects a probability in [0, 1], or V1/V2 for each view its own, got '1.5'", error("--blur-p", "1.5"));
        assertTrue(error("--blur-p", "1.0/0.1/0.2").startsWith("option --blur-p expects a probability in [0, 1]"));
        assertTrue(error("--blur-p", "1.0/").contains("got '1.0/'"));
        assertTrue(error("--blur-p", "1.0|0.5").contains("got '1.0|0.5'"), "alternatives are the grid runner's, not a value");
        assertTrue(error("--flip-p", "NaN").startsWith("option --flip-p expects a probability"));
        assertTrue(error("--flip-p", " 0.5").startsWith("option --flip-p expects"));
        assertTrue(error("--crop-scale", "0.2").startsWith("option --crop-scale expects MIN,MAX with 0 < MIN <= MAX"));
        assertTrue(error("--crop-scale", "1.0,0.2").startsWith("option --crop-scale expects MIN,MAX"));
        assertTrue(error("--crop-scale", "0,1").startsWith("option --crop-scale expects MIN,MAX"));
        assertTrue(error("--crop-ratio", "0.75,1.33,2").startsWith("option --crop-ratio expects MIN,MAX"));
        assertTrue(error("--blur-sigma", "2,0.1").startsWith("option --blur-sigma expects MIN,MAX with 0 < MIN <= MAX (pixels)"));
        assertTrue(error("--interpolation", "nearest").startsWith("option --interpolation expects bilinear or bicubic"));
        assertTrue(error("--interpolation", "BILINEAR").startsWith("option --interpolation expects bilinear or bicubic"));
        for (String k : List.of("4", "1", "0", "-3", "Full", "5.0", "")) {
            assertTrue(error("--blur-kernel", k).startsWith("option --blur-kernel expects full or an odd size >= 3"), k);
        }
        assertTrue(error("--hue", "0.6").startsWith("option --hue expects a strength in [0, 0.5]"));
        assertTrue(error("--brightness", "-0.1").startsWith("option --brightness expects a strength >= 0"));
        assertTrue(error("--solarize-threshold", "x").startsWith("option --solarize-threshold expects a number"));
        assertEquals("option --grayscale-p needs a value", error("--grayscale-p"));
        // a kernel that does not fit the images is named when it meets them
        AugmentArgs big = read("--blur-kernel", "3/57");
        String tooBig = assertThrows(UsageException.class, () -> big.applyTo(AugmentConfig.fashionMnist())).getMessage();
        assertTrue(tooBig.startsWith("option --blur-kernel 3/57: a blur kernel of 57 reflects more than the 28x28 views"), tooBig);
        assertEquals(55, read("--blur-kernel", "55").applyTo(AugmentConfig.fashionMnist()).view2().blurKernel());
    }

    @Test
    void clashesWithARecordedRecipeNameTheRunsValue() {
        AugmentConfig recorded = read("--blur-p", "1.0/0.1").applyTo(AugmentConfig.fashionMnist());
        assertEquals(List.of(), read("--blur-p", "1/0.1", "--flip-p", "0.5").clashes(recorded), "the same values");
        assertEquals(List.of("--blur-p (run: 1.0/0.1, given: 0.5)", "--blur-kernel (run: full, given: 3)"),
                read("--blur-p", "0.5", "--blur-kernel", "3").clashes(recorded));
        assertEquals(List.of("--blur-kernel (run: full, given: 99)"), read("--blur-kernel", "99").clashes(recorded),
                "a kernel too large for the run's images differs from it");
    }

    @Test
    void pretrainAndAugmentListTheOptions() {
        for (String command : List.of("pretrain", "augment")) {
            CliRun help = CliRun.of(command, "--help");
            assertEquals(0, help.code());
            for (String option : List.of("--crop-scale", "--crop-ratio", "--interpolation", "--flip-p", "--jitter-p", "--brightness",
                    "--contrast", "--saturation", "--hue", "--grayscale-p", "--blur-p", "--blur-sigma", "--blur-kernel", "--solarize-p",
                    "--solarize-threshold", "V1/V2")) {
                assertTrue(help.out().contains(option), command + " --help lists " + option);
            }
        }
    }

    @Test
    void augmentDrawsTheSettingItIsGiven() throws IOException {
        Path data = PretrainCommandTest.writeIdx(dir.resolve("data"), 8, 4);
        Path preset = dir.resolve("preset.png"), blurred = dir.resolve("blurred.png");
        CliRun a = CliRun.of("augment", "--out", preset.toString(), "--dataset", "mnist", "--data", data.toString(), "--count", "4");
        assertEquals(0, a.code(), a.toString());
        CliRun b = CliRun.of("augment", "--out", blurred.toString(), "--dataset", "mnist", "--data", data.toString(), "--count", "4",
                "--blur-p", "1", "--blur-kernel", "5/full", "--solarize-p", "0.5");
        assertEquals(0, b.code(), b.toString());
        Map<?, ?> result = (Map<?, ?>) org.jvicreg.engine.io.Json.parse(b.out().strip());
        assertTrue(String.valueOf(result.get("augment")).contains("--blur-p 1.0 --blur-sigma 0.1,2.0 --blur-kernel 5/full --solarize-p 0.5"),
                String.valueOf(result.get("augment")));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(preset), Files.readAllBytes(blurred)), "another picture");
        CliRun bad = CliRun.of("augment", "--out", dir.resolve("x.png").toString(), "--dataset", "mnist", "--data", data.toString(),
                "--solarize-p", "2");
        bad.assertFails("vicreg augment: error: option --solarize-p expects a probability in [0, 1]");
        assertEquals(2, bad.code());
        CliRun tooBig = CliRun.of("augment", "--out", dir.resolve("x.png").toString(), "--dataset", "mnist", "--data", data.toString(),
                "--blur-kernel", "61");
        tooBig.assertFails("vicreg augment: error: option --blur-kernel 61: a blur kernel of 61 reflects more than the 28x28 views");
        assertEquals(2, tooBig.code());
        assertFalse(Files.exists(dir.resolve("x.png")));
    }
}
