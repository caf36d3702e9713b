package org.jvicreg.engine.cuda;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConvAlgorithmTest {
    private static ConvAlgorithm perf(int algo, int status, long memory, int math) {
        return new ConvAlgorithm(algo, status, -1f, memory, 0, math);
    }

    @Test
    void picksTheFirstUsableInHeuristicOrder() {
        List<ConvAlgorithm> perfs = List.of(
                perf(6, 0, 1L << 40, ConvAlgorithm.DEFAULT_MATH),              // workspace too large
                perf(1, 9, 0, ConvAlgorithm.DEFAULT_MATH),                     // failed status
                perf(7, 0, 1 << 20, ConvAlgorithm.TENSOR_OP_MATH),             // tensor cores
                perf(0, 0, 0, ConvAlgorithm.FMA_MATH));
        assertEquals(0, ConvAlgorithm.pick("forward", perfs, false, ConvAlgorithm.MAX_WORKSPACE).algo());
        assertEquals(7, ConvAlgorithm.pick("forward", perfs, true, ConvAlgorithm.MAX_WORKSPACE).algo());
        assertEquals(6, ConvAlgorithm.pick("forward", perfs, true, Long.MAX_VALUE).algo());
        var e = assertThrows(CudaError.class, () -> ConvAlgorithm.pick("backward filter", perfs.subList(0, 3), false, 1 << 30));
        assertTrue(e.getMessage().contains("backward filter"), e.getMessage());
    }

    @Test
    void mathTypesFollowTheTf32Setting() {
        ConvAlgorithm tc = perf(1, 0, 0, ConvAlgorithm.TENSOR_OP_MATH);
        assertEquals(ConvAlgorithm.FMA_MATH, ConvAlgorithm.queryMathType(false));
        assertEquals(ConvAlgorithm.FMA_MATH, ConvAlgorithm.runMathType(tc, false));
        assertEquals(ConvAlgorithm.DEFAULT_MATH, ConvAlgorithm.queryMathType(true));
        assertEquals(ConvAlgorithm.TENSOR_OP_MATH, ConvAlgorithm.runMathType(tc, true));
    }

    @Test
    void readsCudnnPerfStructsAtTheirCLayout() {
        assertEquals(48, FfmCudnnApi.PERF.byteSize());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(FfmCudnnApi.PERF, 2);
            // second struct, written at the offsets of the C struct
            long base = 48;
            s.set(JAVA_INT, base, 5);
            s.set(JAVA_INT, base + 4, 0);
            s.set(JAVA_FLOAT, base + 8, 0.25f);
            s.set(JAVA_LONG, base + 16, 123456789L);
            s.set(JAVA_INT, base + 24, 1);
            s.set(JAVA_INT, base + 28, ConvAlgorithm.TENSOR_OP_MATH);
            s.set(JAVA_INT, 4, 7);
            List<ConvAlgorithm> read = FfmCudnnApi.readPerfs(s, 2);
            assertEquals(7, read.get(0).status());
            assertEquals(new ConvAlgorithm(5, 0, 0.25f, 123456789L, 1, ConvAlgorithm.TENSOR_OP_MATH), read.get(1));
        }
    }
}
