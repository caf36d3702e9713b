package org.jvicreg.engine.cuda;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelArgsTest {

    @Test
    void packsEachArgumentAsTheArrayJCudaPointsTo() {
        List<Object> v = KernelArgs.of(Kernel.UNARY).ptr(0x7f00_0000_1000L).ptr(0x7f00_0000_2000L).i64(1L << 33).i32(8)
                .f32(1.5f).f32(-2f).complete();
        assertEquals(6, v.size());
        assertArrayEquals(new long[] {0x7f00_0000_1000L}, (long[]) v.get(0));
        assertArrayEquals(new long[] {1L << 33}, (long[]) v.get(2));
        assertArrayEquals(new int[] {8}, (int[]) v.get(3));
        assertArrayEquals(new float[] {1.5f}, (float[]) v.get(4));
    }

    @Test
    void structsArePaddedToTheKernelsFixedSize() {
        StridedPlan plan = StridedPlan.of(new int[] {2, 3}, new long[] {1, 2}, new long[] {3, 1});
        List<Object> v = KernelArgs.of(Kernel.COPY_STRIDED).ptr(1).ptr(2).i64(6).i32(plan.rank()).dims(plan.dims())
                .strides(plan.strides(0)).strides(plan.strides(1)).complete();
        assertArrayEquals(new int[] {2, 3, 0, 0, 0, 0, 0, 0}, (int[]) v.get(4));
        assertArrayEquals(new long[] {1, 2, 0, 0, 0, 0, 0, 0}, (long[]) v.get(5));
        assertEquals(Kernel.Param.STRIDES.bytes, ((long[]) v.get(6)).length * Long.BYTES);
    }

    @Test
    void rejectsAWrongKindTooManyAndTooFew() {
        var e = assertThrows(IllegalArgumentException.class, () -> KernelArgs.of(Kernel.AXPY).ptr(1).ptr(2).i32(3));
        assertTrue(e.getMessage().contains("argument 2 must be I64"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KernelArgs.of(Kernel.AXPY).ptr(1).ptr(2).i64(3).f32(1).f32(2));
        var few = assertThrows(IllegalArgumentException.class, () -> KernelArgs.of(Kernel.AXPY).ptr(1).complete());
        assertTrue(few.getMessage().contains("takes 4 arguments, got 1"), few.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KernelArgs.of(Kernel.MAX_POOL_FORWARD).ptr(1).ptr(2).pool(1, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> KernelArgs.of(Kernel.COPY_STRIDED).ptr(1).ptr(2).i64(1).i32(1)
                .dims(new int[3]));
    }
}
