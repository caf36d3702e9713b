// Elementwise kernels: unary and binary ops, select (where), strided copy, axpy and the fused SGD step.
// Each op's scalar definition is the Java enum's apply(); the formulas below follow it, computing
// in double where Java does and the float result could differ visibly.
#include "common.cuh"

__device__ __forceinline__ float unary_apply(int op, float x, float a, float b) {
    switch (op) {
        case UNARY_IDENTITY: return x;
        case UNARY_NEG: return -x;
        case UNARY_EXP: return expf(x);
        case UNARY_LOG: return logf(x);
        case UNARY_SQRT: return sqrtf(x);
        case UNARY_RSQRT: return (float)(1.0 / sqrt((double)x));
        case UNARY_ABS: return fabsf(x);
        case UNARY_SIGN: return java_signum(x);
        case UNARY_RELU: return x > 0.0f ? x : 0.0f;
        case UNARY_SIGMOID: return (float)(1.0 / (1.0 + exp(-(double)x)));
        case UNARY_TANH: return tanhf(x);
        case UNARY_SQUARE: return x * x;
        case UNARY_RECIPROCAL: return 1.0f / x;
        case UNARY_POW: return (float)pow((double)x, (double)a);
        case UNARY_CLAMP: return java_min(java_max(x, a), b);
        case UNARY_IN_RANGE: return x >= a && x <= b ? 1.0f : 0.0f;
        case UNARY_ADD_SCALAR: return x + a;
        case UNARY_MUL_SCALAR: return x * a;
        case UNARY_AFFINE: return a * x + b;
        case UNARY_STEP: return x > 0.0f ? 1.0f : 0.0f;
    }
    return __int_as_float(0x7fc00000);  // unknown op: NaN, never silently a number
}

__device__ __forceinline__ float binary_apply(int op, float a, float b) {
    switch (op) {
        case BINARY_ADD: return a + b;
        case BINARY_SUB: return a - b;
        case BINARY_MUL: return a * b;
        case BINARY_DIV: return a / b;
        case BINARY_MAX: return java_max(a, b);
        case BINARY_MIN: return java_min(a, b);
        case BINARY_POW: return (float)pow((double)a, (double)b);
        case BINARY_GT: return a > b ? 1.0f : 0.0f;
        case BINARY_LT: return a < b ? 1.0f : 0.0f;
        case BINARY_GE: return a >= b ? 1.0f : 0.0f;
        case BINARY_LE: return a <= b ? 1.0f : 0.0f;
        case BINARY_EQ: return a == b ? 1.0f : 0.0f;
        case BINARY_RELU_BACKWARD: return b > 0.0f ? a : 0.0f;
        case BINARY_SIGMOID_BACKWARD: return a * b * (1.0f - b);
        case BINARY_TANH_BACKWARD: return a * (1.0f - b * b);
    }
    return __int_as_float(0x7fc00000);
}

// y[i] = op(x[i]; a, b); y may be x.
extern "C" __global__ void unary_f32(const float* x, float* y, long long n, int op, float a, float b) {
    FOR_EACH_INDEX(i, n) y[i] = unary_apply(op, x[i], a, b);
}

// y[i] = op(a[i], b[i]), all three contiguous.
extern "C" __global__ void binary_contiguous_f32(const float* a, const float* b, float* y, long long n, int op) {
    FOR_EACH_INDEX(i, n) y[i] = binary_apply(op, a[i], b[i]);
}

// y[i] = op(a[i . as], b[i . bs]) over shape (rank axes after merging), y contiguous.
extern "C" __global__ void binary_strided_f32(const float* a, const float* b, float* y, long long n, int op,
                                              int rank, Dims shape, Strides as, Strides bs) {
    FOR_EACH_INDEX(i, n) {
        y[i] = binary_apply(op, a[strided_offset(i, rank, shape, as)], b[strided_offset(i, rank, shape, bs)]);
    }
}

// y[i] = cond[i . cs] != 0 ? a[i . as] : b[i . bs], y contiguous.
extern "C" __global__ void where_strided_f32(const float* cond, const float* a, const float* b, float* y,
                                             long long n, int rank, Dims shape, Strides cs, Strides as,
                                             Strides bs) {
    FOR_EACH_INDEX(i, n) {
        y[i] = cond[strided_offset(i, rank, shape, cs)] != 0.0f ? a[strided_offset(i, rank, shape, as)]
                                                                 : b[strided_offset(i, rank, shape, bs)];
    }
}

// dst[i . ds] = src[i . ss]: permute, narrow, cat, stack and expand.
extern "C" __global__ void copy_strided_f32(const float* src, float* dst, long long n, int rank, Dims shape,
                                            Strides ss, Strides ds) {
    FOR_EACH_INDEX(i, n) dst[strided_offset(i, rank, shape, ds)] = src[strided_offset(i, rank, shape, ss)];
}

// y += alpha * x (the optimizers' update).
extern "C" __global__ void axpy_f32(const float* x, float* y, long long n, float alpha) {
    FOR_EACH_INDEX(i, n) y[i] += alpha * x[i];
}

// One torch.optim.SGD step of a parameter in one pass (what Sgd otherwise runs as five): d = g + wd p;
// with momentum, buf = first ? d : m buf + (1 - dampening) d and d = nesterov ? d + m buf : buf; p -= lr d.
extern "C" __global__ void sgd_step_f32(float* p, const float* g, float* buf, long long n, float lr, float momentum,
                                        float dampening, float weight_decay, int nesterov, int first) {
    FOR_EACH_INDEX(i, n) {
        float d = weight_decay != 0.0f ? g[i] + weight_decay * p[i] : g[i];
        if (momentum != 0.0f) {
            float b = first ? d : momentum * buf[i] + (1.0f - dampening) * d;
            buf[i] = b;
            d = nesterov ? d + momentum * b : b;
        }
        p[i] -= lr * d;
    }
}

// An exponential moving average in one pass: avg = decay avg + (1 - decay) x. The products and the sum are
// rounded on their own (__fmul_rn, __fadd_rn are never contracted into a fused multiply-add), as the CPU
// backend and the separate mul, mul, add compute it.
extern "C" __global__ void moving_average_f32(const float* x, float* avg, long long n, float decay) {
    const float keep = 1.0f - decay;
    FOR_EACH_INDEX(i, n) avg[i] = __fadd_rn(__fmul_rn(decay, avg[i]), __fmul_rn(keep, x[i]));
}
