package org.jvicreg.engine.cuda;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProviderChoiceTest {
    /** What JCuda's class initialiser throws on a machine without its library. */
    private static Object jcudaFails() {
        throw new ExceptionInInitializerError(new UnsatisfiedLinkError(
                "/tmp/libJCublas2-12.6.0-linux-x86_64.so: libcublas.so.12: cannot open shared object file"));
    }

    @Test
    void takesTheFirstThatOpensAndSaysWhyTheOthersDidNot() {
        List<String> opened = new ArrayList<>();
        ProviderChoice.Choice<String> c = ProviderChoice.first("cuBLAS", List.of(
                new ProviderChoice.Candidate<>("JCublas2 12.6.0", () -> (String) jcudaFails()),
                new ProviderChoice.Candidate<>("FFM /usr/local/cuda/lib64/libcublas.so.13", () -> {
                    opened.add("ffm");
                    return "ffm";
                }),
                new ProviderChoice.Candidate<>("never tried", () -> {
                    opened.add("never");
                    return "never";
                })));
        assertEquals("ffm", c.provider());
        assertEquals(List.of("ffm"), opened);
        assertEquals(1, c.rejected().size());
        String why = c.rejected().get(0);
        assertTrue(why.startsWith("JCublas2 12.6.0: UnsatisfiedLinkError: "), why);
        assertTrue(why.contains("libcublas.so.12"), why);
        assertTrue(c.describe().contains("not JCublas2"), c.describe());
    }

    @Test
    void noneOpeningListsEveryReason() {
        var e = assertThrows(IllegalStateException.class, () -> ProviderChoice.first("cuDNN", List.of(
                new ProviderChoice.Candidate<>("JCudnn 11.7.0", () -> { throw new NoClassDefFoundError("jcuda/jcudnn/JCudnn"); }),
                new ProviderChoice.Candidate<>("FFM", () -> { throw new IllegalStateException("no libcudnn.so.* in [/a, /b]"); }))));
        assertTrue(e.getMessage().startsWith("no cuDNN provider could be loaded: "), e.getMessage());
        assertTrue(e.getMessage().contains("JCudnn 11.7.0: NoClassDefFoundError: jcuda/jcudnn/JCudnn"), e.getMessage());
        assertTrue(e.getMessage().contains("FFM: no libcudnn.so.* in [/a, /b]"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> ProviderChoice.first("cuBLAS", List.of()));
    }

    @Test
    void aFirstChoiceThatOpensHasNoRejections() {
        var c = ProviderChoice.first("x", List.of(new ProviderChoice.Candidate<>("only", () -> 42)));
        assertEquals(42, c.provider());
        assertEquals("only", c.describe());
    }

    @Test
    void jcudasLongLoaderMessageIsCutToTheLinkersLine() {
        String jcuda = """
                Error while loading native library "JCublas2-12.6.0-linux-x86_64"
                Operating system name: Linux
                ---(start of nested stack traces)---
                Stack trace from the attempt to load the library as a file:
                java.lang.UnsatisfiedLinkError: no JCublas2-12.6.0-linux-x86_64 in java.library.path: /usr/lib
                	at java.base/java.lang.ClassLoader.loadLibrary(ClassLoader.java:2434)
                Stack trace from the attempt to load the library as a resource:
                java.lang.UnsatisfiedLinkError: /tmp/libJCublas2-12.6.0-linux-x86_64.so: libcublas.so.12: cannot open shared object file: No such file or directory
                	at java.base/jdk.internal.loader.NativeLibraries.load(Native Method)
                """;
        assertEquals("UnsatisfiedLinkError: /tmp/libJCublas2-12.6.0-linux-x86_64.so: libcublas.so.12: cannot open shared object"
                + " file: No such file or directory", ProviderChoice.reason(new UnsatisfiedLinkError(jcuda)));
    }

    @Test
    void reasonsAreOneLineAndKeepCudaErrorsPlain() {
        assertEquals("cuInit failed: CUDA_ERROR_NO_DEVICE (100)",
                ProviderChoice.reason(new CudaError("cuInit", 100, "CUDA_ERROR_NO_DEVICE")));
        assertEquals("RuntimeException: first line", ProviderChoice.reason(new RuntimeException("first line\nsecond")));
        assertEquals("NullPointerException", ProviderChoice.reason(new NullPointerException()));
    }
}
