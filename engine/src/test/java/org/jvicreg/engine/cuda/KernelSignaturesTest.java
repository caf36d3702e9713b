package org.jvicreg.engine.cuda;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.backend.BinaryOp;
import org.jvicreg.engine.backend.ReduceOp;
import org.jvicreg.engine.backend.UnaryOp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java launch table and op codes agree with what the kernels were compiled from. */
class KernelSignaturesTest {

    @Test
    void everyKernelMatchesItsPtxEntry() {
        for (String module : Kernel.MODULES) {
            String ptx = new String(KernelModules.resource(module + ".ptx"), StandardCharsets.US_ASCII);
            assertEquals(List.of(), PtxSignatures.mismatches(module, ptx));
        }
    }

    @Test
    void parsesScalarsPointersAndStructs() {
        String ptx = """
                .visible .entry k(
                \t.param .u64 k_param_0,
                \t.param .u32 k_param_1,
                \t.param .f32 k_param_2,
                \t.param .align 8 .b8 k_param_3[64]
                )
                { ret; }
                .visible .entry empty()
                { ret; }
                """;
        Map<String, List<String>> entries = PtxSignatures.parse(ptx);
        assertEquals(List.of("u64", "u32", "f32", "b8[64]"), entries.get("k"));
        assertEquals(List.of(), entries.get("empty"));
    }

    @Test
    void reportsDriftBetweenJavaAndPtx() {
        String ptx = """
                .visible .entry column_std_hinge_f32(
                \t.param .u64 p0, .param .u64 p1, .param .u64 p2, .param .u64 p3,
                \t.param .u32 p4, .param .u32 p5, .param .u32 p6
                )
                .visible .entry stray_kernel(
                \t.param .u64 p0
                )
                """;
        List<String> problems = PtxSignatures.mismatches("columns", ptx);
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("column_std_hinge_f32"), problems.get(0));
        assertTrue(problems.get(1).contains("stray_kernel"), problems.get(1));
        assertTrue(PtxSignatures.mismatches("columns", "").get(0).contains("no kernel"));
    }

    @Test
    void structParamsHaveTheSizesTheKernelsDeclare() {
        assertEquals(StridedPlan.MAX_RANK * Integer.BYTES, Kernel.Param.DIMS.bytes);
        assertEquals(StridedPlan.MAX_RANK * Long.BYTES, Kernel.Param.STRIDES.bytes);
        assertEquals(11 * Integer.BYTES, Kernel.Param.POOL.bytes);
    }

    /** The names of a C enum's constants in common.cuh, without their prefix. */
    private static List<String> cudaEnum(String source, String name, String prefix) {
        Matcher m = Pattern.compile("enum\\s+" + name + "\\s*\\{([^}]*)\\}").matcher(source);
        assertTrue(m.find(), "enum " + name + " not in common.cuh");
        return Arrays.stream(m.group(1).split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .map(s -> s.substring(prefix.length())).toList();
    }

    private static List<String> names(Enum<?>[] values) {
        return Arrays.stream(values).map(Enum::name).toList();
    }

    @Test
    void opCodesFollowTheJavaEnums() throws IOException {
        String common = Files.readString(KernelSourcesTest.NATIVE.resolve("src/common.cuh"));
        assertEquals(names(UnaryOp.values()), cudaEnum(common, "UnaryOp", "UNARY_"));
        assertEquals(names(BinaryOp.values()), cudaEnum(common, "BinaryOp", "BINARY_"));
        assertEquals(names(ReduceOp.values()), cudaEnum(common, "ReduceOp", "REDUCE_"));
    }

    @Test
    void hostConstantsMatchTheKernelSources() throws IOException {
        Path src = KernelSourcesTest.NATIVE.resolve("src");
        assertTrue(Files.readString(src.resolve("common.cuh")).contains("#define MAX_RANK " + StridedPlan.MAX_RANK));
        assertTrue(Files.readString(src.resolve("batchnorm.cu")).contains("#define THREADS " + LaunchGeometry.BATCH_NORM_THREADS));
        assertTrue(Files.readString(src.resolve("columns.cu")).contains("#define COLUMNS " + LaunchGeometry.COLUMN_TILE));
    }
}
