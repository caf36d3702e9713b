package org.jvicreg.engine.cuda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The committed kernels are built from the current sources: kernels.sha256 (written by
 * native-kernels/build.sh next to the fatbins and PTX) must list the sha256 of every source file as it
 * is now. When this fails, run native-kernels/build.sh and commit what it writes.
 */
class KernelSourcesTest {
    static final Path NATIVE = nativeKernels();

    /** native-kernels/ seen from the engine module (Maven) or from the repository root (gpu-check.sh). */
    private static Path nativeKernels() {
        Path fromEngine = Path.of("..", "native-kernels");
        return Files.isDirectory(fromEngine.resolve("src")) ? fromEngine : Path.of("native-kernels");
    }

    /** 'sha256  path' lines for build.sh and src/*.cu, src/*.cuh, sorted by path: build.sh's manifest(). */
    static String manifest(Path dir) throws IOException, NoSuchAlgorithmException {
        List<String> names = new ArrayList<>();
        names.add("build.sh");
        try (Stream<Path> s = Files.list(dir.resolve("src"))) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu") || n.endsWith(".cuh"))
                    .forEach(n -> names.add("src/" + n));
        }
        names.sort(null); // String order is byte order for these ASCII names: the C locale's
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(dir.resolve(n)));
            sb.append(HexFormat.of().formatHex(digest)).append("  ").append(n).append('\n');
        }
        return sb.toString();
    }

    @Test
    void committedKernelsAreBuiltFromTheCurrentSources() throws Exception {
        assertTrue(Files.isDirectory(NATIVE.resolve("src")), "native-kernels/src not found from " + Path.of("").toAbsolutePath());
        String recorded;
        try (InputStream in = KernelModules.class.getResourceAsStream("kernels.sha256")) {
            assertNotNull(in, "kernels.sha256 is missing from the engine's resources: run native-kernels/build.sh");
            recorded = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        assertEquals(recorded, manifest(NATIVE),
                "the committed CUDA kernels are stale against native-kernels (the lines that differ name the files):"
                        + " run native-kernels/build.sh and commit engine/src/main/resources/org/jvicreg/engine/cuda");
    }

    @Test
    void everyModuleHasAFatbinAndPtx() {
        for (String module : Kernel.MODULES) {
            assertTrue(KernelModules.resource(module + ".fatbin").length > 0, module);
            String ptx = new String(KernelModules.resource(module + ".ptx"), StandardCharsets.US_ASCII);
            assertTrue(ptx.contains(".target sm_80"), module + ".ptx should be compute_80 PTX");
        }
    }

    @Test
    void everySourceFileIsAModule() throws IOException {
        try (Stream<Path> s = Files.list(NATIVE.resolve("src"))) {
            List<String> modules = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu"))
                    .map(n -> n.substring(0, n.length() - 3)).sorted().toList();
            assertEquals(Kernel.MODULES.stream().sorted().toList(), modules);
        }
    }
}
