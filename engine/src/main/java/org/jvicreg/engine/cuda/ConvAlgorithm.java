package org.jvicreg.engine.cuda;

import java.util.List;

/**
 * One cuDNN convolution algorithm as the {@code cudnnGet*Algorithm_v7} heuristics report it, and the
 * rule that picks one: the heuristics' order (best first), skipping failures, algorithms whose
 * workspace exceeds the limit, and, with TF32 off, tensor-op algorithms.
 */
record ConvAlgorithm(int algo, int status, float time, long memory, int determinism, int mathType) {
    /** cudnnMathType_t */
    static final int DEFAULT_MATH = 0, TENSOR_OP_MATH = 1, TENSOR_OP_MATH_ALLOW_CONVERSION = 2, FMA_MATH = 3;
    /** The largest workspace a convolution may ask for. */
    static final long MAX_WORKSPACE = 2L << 30;

    /** The math type to set on the convolution descriptor before querying heuristics. */
    static int queryMathType(boolean tf32) {
        return tf32 ? DEFAULT_MATH : FMA_MATH;
    }

    /** The math type to run {@code chosen} with. */
    static int runMathType(ConvAlgorithm chosen, boolean tf32) {
        return tf32 ? chosen.mathType() : FMA_MATH;
    }

    static ConvAlgorithm pick(String direction, List<ConvAlgorithm> candidates, boolean tf32, long maxWorkspace) {
        for (ConvAlgorithm a : candidates) {
            if (a.status() != 0 || a.memory() > maxWorkspace) continue;
            if (!tf32 && (a.mathType() == TENSOR_OP_MATH || a.mathType() == TENSOR_OP_MATH_ALLOW_CONVERSION)) continue;
            return a;
        }
        throw new CudaError("cudnn " + direction + ": no usable algorithm (tf32 " + (tf32 ? "on" : "off")
                + ", workspace limit " + maxWorkspace + " bytes) among " + candidates);
    }
}
