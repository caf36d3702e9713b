package org.jvicreg.vicreg.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `vicreg bench`: its JSON line, and the command-line mistakes it names. */
class BenchCommandTest {

    @Test
    void aTinyRecipeStepPrintsOneJsonLine() {
        CliRun r = CliRun.of("bench", "recipe-step", "--batch", "4", "--size", "8", "--warmup", "0", "--runs", "1",
                "--seconds", "0");
        assertEquals(0, r.code(), r.toString());
        String json = r.out().strip();
        assertTrue(json.startsWith("{\"name\":\"recipe-step\",\"params\":\"batch=4 size=8\",\"device\":\"cpu\""), json);
        assertTrue(json.endsWith(",\"backend\":\"" + org.jvicreg.engine.Device.cpu().backend() + "\"}"), json);
    }

    @Test
    void profileSaysWhereTheTimeWentByPrimitiveOrByShape() {
        CliRun r = CliRun.of("bench", "layer-op", "--op", "maxpool", "--batch", "2", "--channels", "3", "--size", "9",
                "--warmup", "0", "--runs", "1", "--seconds", "0", "--profile");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("profile of 3 more runs") && r.err().contains("maxPool2dForward ")
                && r.err().contains("maxPool2dBackward "), r.err());
        r = CliRun.of("bench", "layer-op", "--op", "maxpool", "--batch", "2", "--channels", "3", "--size", "9",
                "--warmup", "0", "--runs", "1", "--seconds", "0", "--profile-shapes");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("maxPool2dForward [2, 3, 9, 9] [2, 3, 5, 5]"), r.err());
        assertTrue(r.out().strip().startsWith("{\"name\":\"layer-op\""), "the JSON line stays last: " + r.out());
    }

    @Test
    void everyLayerOpRunsWithItsOwnDefaultShape() {
        for (String op : new String[] {"batchnorm", "batchnorm-relu", "batchnorm-add-relu", "maxpool"}) {
            CliRun r = CliRun.of("bench", "layer-op", "--op", op, "--batch", "2", "--channels", "3", "--size", "9",
                    "--warmup", "0", "--runs", "1", "--seconds", "0");
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().strip().startsWith("{\"name\":\"layer-op\",\"params\":\"op=" + op
                    + " batch=2 channels=3 size=9\""), r.out());
        }
        CliRun r = CliRun.of("bench", "layer-op", "--op", "batchnorm1d", "--batch", "4", "--channels", "3",
                "--warmup", "0", "--runs", "1", "--seconds", "0");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().strip().startsWith("{\"name\":\"layer-op\",\"params\":\"op=batchnorm1d batch=4 channels=3\""), r.out());
    }

    @Test
    void mistakesAreUsageErrors() {
        assertEquals(2, CliRun.of("bench", "layer-op", "--op", "avgpool").assertFails("--op must be one of").code());
        assertEquals(2, CliRun.of("bench", "layer-op", "--op", "batchnorm1d", "--size", "4").assertFails("--size does not apply").code());
        assertEquals(2, CliRun.of("bench", "layer-op", "--op", "batchnorm1d", "--batch", "1").assertFails("more than one value").code());
        assertEquals(2, CliRun.of("bench", "gemm", "--cudnn-benchmark").assertFails("--cudnn-benchmark needs --device cuda").code());
        assertEquals(2, CliRun.of("bench", "gemm", "--cuda-libs", "/opt/x").assertFails("--cuda-libs needs --device cuda").code());
        assertEquals(2, CliRun.of("bench", "vicreg-step", "--batch", "1").assertFails("--batch must be at least 2").code());
        assertEquals(2, CliRun.of("bench", "vicreg-step", "--size", "16").assertFails("--size must be at least 32").code());
        assertEquals(2, CliRun.of("bench", "vicreg-steps").assertFails("unknown workload 'vicreg-steps'", "vicreg-step").code());
    }
}
