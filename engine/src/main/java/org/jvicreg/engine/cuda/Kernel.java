package org.jvicreg.engine.cuda;

import java.util.List;

import static org.jvicreg.engine.cuda.Kernel.Param.DIMS;
import static org.jvicreg.engine.cuda.Kernel.Param.F32;
import static org.jvicreg.engine.cuda.Kernel.Param.I32;
import static org.jvicreg.engine.cuda.Kernel.Param.I64;
import static org.jvicreg.engine.cuda.Kernel.Param.POOL;
import static org.jvicreg.engine.cuda.Kernel.Param.PTR;
import static org.jvicreg.engine.cuda.Kernel.Param.STRIDES;

/**
 * Every kernel of native-kernels/src the backend launches: its module (the .cu file it lives in), its
 * extern "C" name and its parameter list. This table is the Java side of the kernels' signatures;
 * {@link PtxSignatures} checks it against the committed PTX (in a test, and again when the modules load).
 */
enum Kernel {
    UNARY("elementwise", "unary_f32", PTR, PTR, I64, I32, F32, F32),
    BINARY_CONTIGUOUS("elementwise", "binary_contiguous_f32", PTR, PTR, PTR, I64, I32),
    BINARY_STRIDED("elementwise", "binary_strided_f32", PTR, PTR, PTR, I64, I32, I32, DIMS, STRIDES, STRIDES),
    WHERE_STRIDED("elementwise", "where_strided_f32", PTR, PTR, PTR, PTR, I64, I32, DIMS, STRIDES, STRIDES, STRIDES),
    COPY_STRIDED("elementwise", "copy_strided_f32", PTR, PTR, I64, I32, DIMS, STRIDES, STRIDES),
    AXPY("elementwise", "axpy_f32", PTR, PTR, I64, F32),
    SGD_STEP("elementwise", "sgd_step_f32", PTR, PTR, PTR, I64, F32, F32, F32, F32, I32, I32),
    MOVING_AVERAGE("elementwise", "moving_average_f32", PTR, PTR, I64, F32),

    REDUCE_ROWS("reduce", "reduce_rows_f32", PTR, PTR, I32, I32, I32),
    REDUCE_COLUMNS("reduce", "reduce_columns_f32", PTR, PTR, I32, I32, I32, I32),
    GATHER_AXIS("reduce", "gather_axis_f32", PTR, PTR, PTR, I32, I32, I32, PTR),
    SCATTER_AXIS("reduce", "scatter_axis_f32", PTR, PTR, PTR, I32, I32, I32, PTR),

    SOFTMAX("softmax", "softmax_f32", PTR, PTR, I32, I32, I32, I32),
    SOFTMAX_BACKWARD("softmax", "softmax_backward_f32", PTR, PTR, PTR, I32, I32, I32, I32),

    MAX_POOL_FORWARD("pool", "max_pool2d_forward_f32", PTR, PTR, POOL),
    MAX_POOL_BACKWARD("pool", "max_pool2d_backward_f32", PTR, PTR, PTR, POOL),
    AVG_POOL_FORWARD("pool", "avg_pool2d_forward_f32", PTR, PTR, POOL),
    AVG_POOL_BACKWARD("pool", "avg_pool2d_backward_f32", PTR, PTR, POOL),
    ADAPTIVE_AVG_POOL_FORWARD("pool", "adaptive_avg_pool2d_forward_f32", PTR, PTR, I32, I32, I32, I32, I32),
    ADAPTIVE_AVG_POOL_BACKWARD("pool", "adaptive_avg_pool2d_backward_f32", PTR, PTR, I32, I32, I32, I32, I32),

    BN_PARTIAL_STATS("batchnorm", "bn_partial_stats", PTR, PTR, I32, I32, I32, I32),
    BN_FINISH_STATS("batchnorm", "bn_finish_stats", PTR, I32, I32, I64, F32, F32, PTR, PTR, I32, PTR, PTR, PTR, PTR, PTR, PTR),
    BN_APPLY("batchnorm", "bn_apply", PTR, PTR, PTR, PTR, PTR, I32, I32, I32, I32),
    BN_EVAL("batchnorm", "bn_eval", PTR, PTR, PTR, PTR, PTR, PTR, PTR, F32, I32, I32, I32, I32),
    BN_BACKWARD_PARTIAL("batchnorm", "bn_backward_partial", PTR, PTR, PTR, I32, PTR, PTR, PTR, I32, I32, I32, I32),
    BN_BACKWARD_FINISH("batchnorm", "bn_backward_finish", PTR, I32, I32, I64, PTR, PTR, PTR, PTR, PTR),
    BN_BACKWARD_APPLY("batchnorm", "bn_backward_apply", PTR, PTR, PTR, I32, PTR, PTR, PTR, PTR, I32, I32, I32),

    COLUMN_STD_HINGE("columns", "column_std_hinge_f32", PTR, PTR, PTR, PTR, I32, I32, F32);

    /** A kernel parameter as the PTX declares it. */
    enum Param {
        /** A device pointer. */
        PTR("u64", 8),
        /** long long */
        I64("u64", 8),
        /** int */
        I32("u32", 4),
        /** float */
        F32("f32", 4),
        /** struct Dims { int d[8]; } */
        DIMS("b8[32]", 32),
        /** struct Strides { long long s[8]; } */
        STRIDES("b8[64]", 64),
        /** struct PoolArgs { int planes, h, w, oh, ow, kh, kw, strideH, strideW, padH, padW; } */
        POOL("b8[44]", 44);

        final String ptxType;
        final int bytes;

        Param(String ptxType, int bytes) {
            this.ptxType = ptxType;
            this.bytes = bytes;
        }
    }

    /** The modules, one per .cu file, in load order. */
    static final List<String> MODULES = List.of("elementwise", "reduce", "softmax", "pool", "batchnorm", "columns");

    final String module;
    final String symbol;
    final List<Param> params;

    Kernel(String module, String symbol, Param... params) {
        this.module = module;
        this.symbol = symbol;
        this.params = List.of(params);
    }
}
