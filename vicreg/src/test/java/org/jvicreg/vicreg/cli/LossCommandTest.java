package org.jvicreg.vicreg.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.jvicreg.engine.Fixtures;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.Json;
import org.jvicreg.engine.io.Npy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vicreg loss} against the official formulation's values and gradients (fixtures/vicreg_loss). */
class LossCommandTest {
    static final double TOL = 1e-4;

    @TempDir
    Path tmp;

    static Path fixture(String name, String array) {
        try {
            return Path.of(LossCommandTest.class.getResource("/fixtures/vicreg_loss/" + name + "/" + array + ".npy").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The single JSON line on stdout, as a map with exactly the contract's keys in the contract's order. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> terms(CliRun run) {
        assertTrue(run.out().endsWith("\n") && run.out().indexOf('\n') == run.out().length() - 1, "one line on stdout: " + run.out());
        Map<String, Object> m = (Map<String, Object>) Json.parse(run.out().trim());
        assertEquals(List.of("invariance", "variance", "covariance", "loss"), List.copyOf(m.keySet()), run.out());
        return m;
    }

    static double number(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }

    static void assertRel(String what, double expected, Object actual) {
        double a = ((Number) actual).doubleValue();
        double err = Math.abs(expected - a) / Math.max(1e-12, Math.abs(expected));
        assertTrue(err <= TOL, what + ": expected " + expected + ", got " + a + " (relative error " + err + ")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"n2_d5", "n16_d37_gram", "n64_d24_direct", "near_collapse", "correlated", "n32_d300_coeffs"})
    void printsTheOfficialTermsAndWritesTheGradients(String name) throws IOException {
        float[] t = Fixtures.of("vicreg_loss", name).get("terms").toArray();
        Path grads = tmp.resolve("grads").resolve(name);
        CliRun run = CliRun.of("loss", "--a", fixture(name, "x").toString(), "--b", fixture(name, "y").toString(),
                "--sim", Float.toString(t[4]), "--std", Float.toString(t[5]), "--cov", Float.toString(t[6]),
                "--grad-dir", grads.toString()).assertOk();
        Map<String, Object> m = terms(run);
        assertRel(name + " loss", t[0], m.get("loss"));
        assertRel(name + " invariance", t[1], m.get("invariance"));
        assertRel(name + " variance", t[2], m.get("variance"));
        assertRel(name + " covariance", t[3], m.get("covariance"));
        Fixtures f = Fixtures.of("vicreg_loss", name);
        Fixtures.assertClose(name + " grad_a", f.get("grad_x"), Npy.read(grads.resolve("grad_a.npy")), TOL);
        Fixtures.assertClose(name + " grad_b", f.get("grad_y"), Npy.read(grads.resolve("grad_b.npy")), TOL);
        try (var files = Files.list(grads)) {
            assertEquals(List.of("grad_a.npy", "grad_b.npy"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    /** Not near_collapse: its covariance gradient (4e-10) is float32 rounding, with no relative accuracy to check. */
    @ParameterizedTest
    @ValueSource(strings = {"n2_d5", "n16_d37_gram", "n64_d24_direct", "correlated", "n32_d300_coeffs"})
    @SuppressWarnings("unchecked")
    void termGradsPrintsEachTermsGradientNorm(String name) {
        Fixtures f = Fixtures.of("vicreg_loss", name);
        float[] t = f.get("terms").toArray(), norms = f.get("term_grad_norms").toArray();
        CliRun run = CliRun.of("loss", "--a", fixture(name, "x").toString(), "--b", fixture(name, "y").toString(),
                "--sim", Float.toString(t[4]), "--std", Float.toString(t[5]), "--cov", Float.toString(t[6]), "--term-grads").assertOk();
        Map<String, Object> m = (Map<String, Object>) Json.parse(run.out().trim());
        assertEquals(List.of("invariance", "variance", "covariance", "loss", "grad_invariance", "grad_variance", "grad_covariance"),
                List.copyOf(m.keySet()), run.out());
        assertRel(name + " |d invariance|", norms[0], m.get("grad_invariance"));
        assertRel(name + " |d variance|", norms[1], m.get("grad_variance"));
        assertRel(name + " |d covariance|", norms[2], m.get("grad_covariance"));
    }

    @Test
    void defaultsAreTheOfficialCoefficientsAndNothingIsWrittenWithoutGradDir() throws IOException {
        float[] t = Fixtures.of("vicreg_loss", "n16_d37_gram").get("terms").toArray();
        assertEquals(List.of(25f, 25f, 1f), List.of(t[4], t[5], t[6]));
        Path a = Files.copy(fixture("n16_d37_gram", "x"), tmp.resolve("a.npy"));
        Path b = Files.copy(fixture("n16_d37_gram", "y"), tmp.resolve("b.npy"));
        Map<String, Object> m = terms(CliRun.of("loss", "--a", a.toString(), "--b", b.toString()).assertOk());
        assertRel("loss", t[0], m.get("loss"));
        try (var files = Files.list(tmp)) {
            assertEquals(2, files.count(), "only the two inputs");
        }
    }

    @Test
    void theLossIsTheWeightedSumOfThePrintedTerms() {
        String name = "n32_d300_coeffs";
        Map<String, Object> m = terms(CliRun.of("loss", "--a", fixture(name, "x").toString(), "--b", fixture(name, "y").toString(),
                "--sim", "2", "--std", "3", "--cov", "0.5").assertOk());
        double expected = 2 * number(m, "invariance") + 3 * number(m, "variance") + 0.5 * number(m, "covariance");
        assertEquals(expected, number(m, "loss"), 1e-12 * Math.abs(expected));
    }

    private Path npy(String file, Tensor t) throws IOException {
        Path p = tmp.resolve(file);
        Npy.write(p, t);
        return p;
    }

    @Test
    void oneSampleIsRefusedWithTheReason() throws IOException {
        Path a = npy("a.npy", Tensor.of(new float[] {1, 2, 3}, 1, 3)), b = npy("b.npy", Tensor.of(new float[] {1, 2, 4}, 1, 3));
        CliRun.of("loss", "--a", a.toString(), "--b", b.toString()).assertFails("loss: error", "a.npy", "N=1", "at least 2", "N - 1");
    }

    @Test
    void shapesMustMatchAndBeMatrices() throws IOException {
        Path a = npy("a.npy", Tensor.zeros(4, 5)), b = npy("b.npy", Tensor.zeros(4, 6)), c = npy("c.npy", Tensor.zeros(2, 4, 5));
        CliRun.of("loss", "--a", a.toString(), "--b", b.toString()).assertFails("[4, 5]", "[4, 6]", "same (N, D) shape");
        CliRun.of("loss", "--a", c.toString(), "--b", a.toString()).assertFails("--a", "c.npy", "(N, D)", "[2, 4, 5]");
        Path v = npy("v.npy", Tensor.zeros(5));
        CliRun.of("loss", "--a", a.toString(), "--b", v.toString()).assertFails("--b", "v.npy", "(N, D)", "[5]");
    }

    @Test
    void fileProblemsNameTheOptionAndTheFile() throws IOException {
        Path good = fixture("n2_d5", "x");
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = tmp.resolve("truncated.npy");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 7));
        CliRun.of("loss", "--a", good.toString(), "--b", truncated.toString()).assertFails("--b", "truncated.npy", "truncated");
        Path missing = tmp.resolve("nope.npy");
        CliRun.of("loss", "--a", missing.toString(), "--b", good.toString()).assertFails("--a", "nope.npy", "no such file");
        Path text = tmp.resolve("text.npy");
        Files.writeString(text, "0.1 0.2 0.3\n0.4 0.5 0.6\n");
        CliRun.of("loss", "--a", text.toString(), "--b", good.toString()).assertFails("--a", "text.npy", "not a .npy file");
        Path nan = npy("nan.npy", Tensor.of(new float[] {1, Float.NaN, 3, 4}, 2, 2));
        Path finite = npy("finite.npy", Tensor.zeros(2, 2));
        CliRun.of("loss", "--a", finite.toString(), "--b", nan.toString()).assertFails("--b", "nan.npy", "non-finite", "NaN");
    }

    @Test
    void usageErrorsExitWithCode2() throws IOException {
        String a = fixture("n2_d5", "x").toString(), b = fixture("n2_d5", "y").toString();
        assertEquals(2, CliRun.of("loss", "--a", a, "--b", b, "--simm", "3").assertFails("unknown option --simm").code());
        assertEquals(2, CliRun.of("loss", "--a", a).assertFails("missing required option --b").code());
        assertEquals(2, CliRun.of("loss", "--a", a, "--b", b, "--std", "lots").assertFails("--std", "'lots'").code());
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertEquals(2, CliRun.of("loss", "--a", a, "--b", b, "--grad-dir", file.toString()).assertFails("--grad-dir", "not a directory").code());
        assertEquals(1, CliRun.of("loss", "--a", tmp.resolve("none.npy").toString(), "--b", b).assertFails("no such file").code());
    }

    @Test
    void deviceCudaWithoutAGpuSaysWhyAndWritesNothing() {
        org.junit.jupiter.api.Assumptions.assumeFalse(org.jvicreg.engine.Device.cudaAvailable(), "a GPU is present");
        String a = fixture("n2_d5", "x").toString(), b = fixture("n2_d5", "y").toString();
        Path grads = tmp.resolve("gpu-grads");
        CliRun.of("loss", "--a", a, "--b", b, "--device", "cuda", "--grad-dir", grads.toString()).assertFails("CUDA is unavailable");
        assertTrue(!Files.exists(grads.resolve("grad_a.npy")) && !Files.exists(grads.resolve("grad_b.npy")), "nothing written");
        assertEquals(2, CliRun.of("loss", "--a", a, "--b", b, "--device", "tpu").assertFails("--device", "tpu").code());
    }

    @Test
    void helpDescribesTheContract() {
        CliRun run = CliRun.of("loss", "--help").assertOk();
        for (String s : List.of("--a", "--b", "--sim", "--std", "--cov", "--grad-dir", "grad_a.npy", "grad_b.npy",
                "{\"invariance\":...,\"variance\":...,\"covariance\":...,\"loss\":...}")) {
            assertTrue(run.out().contains(s), s);
        }
        assertTrue(CliRun.of("--help").out().contains("\n  loss "), "listed in the overview");
    }
}
