package org.jvicreg.engine.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * The arguments of one launch, added in order and checked against the kernel's declared parameters,
 * so a call site that drifts from the .cu signature fails loudly instead of passing garbage. Each
 * argument is kept as the primitive array JCuda's {@code Pointer.to} wraps.
 */
final class KernelArgs {
    private final Kernel kernel;
    private final List<Object> values = new ArrayList<>();

    private KernelArgs(Kernel kernel) {
        this.kernel = kernel;
    }

    static KernelArgs of(Kernel kernel) {
        return new KernelArgs(kernel);
    }

    Kernel kernel() {
        return kernel;
    }

    KernelArgs ptr(long address) {
        return add(Kernel.Param.PTR, new long[] {address});
    }

    KernelArgs i64(long v) {
        return add(Kernel.Param.I64, new long[] {v});
    }

    KernelArgs i32(int v) {
        return add(Kernel.Param.I32, new int[] {v});
    }

    KernelArgs f32(float v) {
        return add(Kernel.Param.F32, new float[] {v});
    }

    KernelArgs dims(int[] dims) {
        return add(Kernel.Param.DIMS, checkLength(dims.length, StridedPlan.MAX_RANK, dims.clone()));
    }

    KernelArgs strides(long[] strides) {
        return add(Kernel.Param.STRIDES, checkLength(strides.length, StridedPlan.MAX_RANK, strides.clone()));
    }

    /** PoolArgs: planes, h, w, oh, ow, kh, kw, strideH, strideW, padH, padW. */
    KernelArgs pool(int... fields) {
        return add(Kernel.Param.POOL, checkLength(fields.length, 11, fields.clone()));
    }

    private Object checkLength(int got, int want, Object value) {
        if (got != want) throw new IllegalArgumentException(kernel.symbol + ": struct argument of " + got + " fields, expected " + want);
        return value;
    }

    private KernelArgs add(Kernel.Param kind, Object value) {
        int i = values.size();
        if (i >= kernel.params.size()) {
            throw new IllegalArgumentException(kernel.symbol + " takes " + kernel.params.size() + " arguments; got one more (" + kind + ")");
        }
        if (kernel.params.get(i) != kind) {
            throw new IllegalArgumentException(kernel.symbol + ": argument " + i + " must be " + kernel.params.get(i) + ", got " + kind);
        }
        values.add(value);
        return this;
    }

    /** The argument arrays, after checking that every parameter got one. */
    List<Object> complete() {
        if (values.size() != kernel.params.size()) {
            throw new IllegalArgumentException(kernel.symbol + " takes " + kernel.params.size() + " arguments, got " + values.size());
        }
        return values;
    }
}
