package org.jvicreg.vicreg.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvicreg.engine.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vicreg ablate} on a tiny dataset: the table, its files, resuming, and bad grids refused before training. */
class AblateCommandTest {
    @TempDir
    static Path shared;
    static Path data;

    @TempDir
    Path dir;

    @BeforeAll
    static void data() throws IOException {
        data = PretrainCommandTest.writeIdx(shared.resolve("data"), 128, 64);
    }

    private static String[] ablate(Path out, String... more) {
        return ablate(out, 2, more);
    }

    private static String[] ablate(Path out, int epochs, String... more) {
        List<String> a = new ArrayList<>(List.of("ablate", "--out", out.toString(), "--dataset", "mnist", "--data", data.toString(),
                "--width", "4", "--mlp", "32-32", "--batch", "32", "--epochs", Integer.toString(epochs), "--log-every", "1", "--workers", "1",
                "--map", "none"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rows(String stdout) {
        String last = stdout.strip().lines().reduce((x, y) -> y).orElseThrow();
        return (List<Map<String, Object>>) ((Map<String, Object>) Json.parse(last)).get("rows");
    }

    @Test
    void varianceOffCollapsesTheEmbeddingsAndTheTableSaysSo() throws Exception {
        Path out = dir.resolve("abl");
        CliRun r = CliRun.of(ablate(out, 4, "--base-lr", "3", "--grid", "std=0|25"));
        assertEquals(0, r.code(), r.toString());
        List<Map<String, Object>> rows = rows(r.out());
        assertEquals(2, rows.size());
        assertEquals("0", rows.get(0).get("std"));
        assertEquals("25", rows.get(1).get("std"));
        for (Map<String, Object> row : rows) {
            for (String k : List.of("linear_top1", "knn_top1", "mean_std", "rankme", "final_loss", "seconds")) {
                assertTrue(row.get(k) instanceof Number, k + " in " + row);
            }
        }
        double offStd = ((Number) rows.get(0).get("mean_std")).doubleValue(), onStd = ((Number) rows.get(1).get("mean_std")).doubleValue();
        assertTrue(offStd < 0.5 * onStd, "variance off: mean std " + offStd + ", on: " + onStd);
        for (String f : List.of("ablation.md", "ablation.json", "ablation.html")) assertTrue(Files.isRegularFile(out.resolve(f)), f);
        String html = Files.readString(out.resolve("ablation.html"));
        assertTrue(html.contains("std=0-loss") && html.contains("std=25-std"), "every cell's curves");
        assertFalse(html.contains("http://") || html.contains("https://"), "no external resource");

        // run again: nothing is trained again, the same rows come back
        CliRun again = CliRun.of(ablate(out, 4, "--base-lr", "3", "--grid", "std=0|25"));
        assertEquals(0, again.code(), again.toString());
        assertTrue(again.err().contains("std=0 finished before"), again.err());
        assertEquals(rows, rows(again.out()));
    }

    @Test
    void oneAtATimeRunsTheDefaultsThenEachAlternativeAlone() throws Exception {
        Path out = dir.resolve("one");
        CliRun r = CliRun.of(ablate(out, 1, "--one-at-a-time", "--grid", "cov=0", "--grid", "mlp=16-16|64"));
        assertEquals(0, r.code(), r.toString());
        List<Map<String, Object>> rows = rows(r.out());
        assertEquals(List.of("default", "0", "default", "default"), rows.stream().map(x -> x.get("cov")).toList());
        assertEquals(List.of("32-32", "32-32", "16-16", "64"), rows.stream().map(x -> x.get("mlp")).toList());
        assertTrue(Files.isDirectory(out.resolve("defaults")) && Files.isDirectory(out.resolve("mlp=16-16")));
    }

    @Test
    void aBadGridIsRefusedBeforeAnyTraining() {
        Path out = dir.resolve("bad");
        CliRun noEquals = CliRun.of(ablate(out, "--grid", "std"));
        assertEquals(2, noEquals.code());
        assertTrue(noEquals.err().contains("expected OPTION=VALUE|VALUE"), noEquals.err());
        CliRun badValue = CliRun.of(ablate(out, "--grid", "std=0|lots"));
        assertEquals(2, badValue.code());
        assertTrue(badValue.err().contains("cell std=lots: "), badValue.err());
        CliRun unknown = CliRun.of(ablate(out, "--grid", "colour=1|2"));
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown option --colour"), unknown.err());
        CliRun own = CliRun.of(ablate(out, "--grid", "out=a|b"));
        assertEquals(2, own.code());
        assertFalse(Files.exists(out), "nothing written");
    }
}
