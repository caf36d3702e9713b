// Shared pieces of the jvicreg kernels: op codes, strided index math, Java-exact min/max and the
// block reductions. Every kernel is extern "C" so its PTX name is the name the Java side launches.
#pragma once

#include <math.h>
#include <float.h>

#define MAX_RANK 8

// A shape and the element strides of one operand, innermost axis last; passed to kernels by value.
struct Dims {
    int d[MAX_RANK];
};
struct Strides {
    long long s[MAX_RANK];
};

// Op codes. Each list names the Java enum's constants in declaration order (a test checks it).
enum UnaryOp {
    UNARY_IDENTITY, UNARY_NEG, UNARY_EXP, UNARY_LOG, UNARY_SQRT, UNARY_RSQRT, UNARY_ABS, UNARY_SIGN,
    UNARY_RELU, UNARY_SIGMOID, UNARY_TANH, UNARY_SQUARE, UNARY_RECIPROCAL, UNARY_POW, UNARY_CLAMP,
    UNARY_IN_RANGE, UNARY_ADD_SCALAR, UNARY_MUL_SCALAR, UNARY_AFFINE, UNARY_STEP
};
enum BinaryOp {
    BINARY_ADD, BINARY_SUB, BINARY_MUL, BINARY_DIV, BINARY_MAX, BINARY_MIN, BINARY_POW, BINARY_GT,
    BINARY_LT, BINARY_GE, BINARY_LE, BINARY_EQ, BINARY_RELU_BACKWARD, BINARY_SIGMOID_BACKWARD,
    BINARY_TANH_BACKWARD
};
enum ReduceOp {
    REDUCE_SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_ARGMAX
};

// Grid-stride loop over [0, n): the grid may be smaller than n / blockDim.
#define FOR_EACH_INDEX(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
         i += (long long)gridDim.x * blockDim.x)

// Element offset of flat index i (row-major over shape) under the given strides. Tensors have
// fewer than 2^31 elements (the host checks), so the index math is 32-bit.
__device__ __forceinline__ long long strided_offset(long long flat, int rank, const Dims& shape,
                                                    const Strides& st) {
    unsigned int i = (unsigned int)flat;
    // fully unrolled so the axis index is a constant: the by-value structs stay in parameter
    // space instead of being copied to local memory
    long long off = 0;
#pragma unroll
    for (int d = MAX_RANK - 1; d >= 0; d--) {
        if (d < rank) {
            unsigned int len = (unsigned int)shape.d[d];
            off += (long long)(i % len) * st.s[d];
            i /= len;
        }
    }
    return off;
}

// java.lang.Math.max/min for floats: NaN wins, and -0 < +0.
__device__ __forceinline__ float java_max(float a, float b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a == 0.0f && b == 0.0f) return signbit(a) ? b : a;
    return a >= b ? a : b;
}
__device__ __forceinline__ float java_min(float a, float b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a == 0.0f && b == 0.0f) return signbit(a) ? a : b;
    return a <= b ? a : b;
}

// java.lang.Math.signum: keeps +-0 and NaN.
__device__ __forceinline__ float java_signum(float x) {
    return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : x);
}

// Sum of one double per thread over the block; blockDim.x * blockDim.y threads, a power of two
// at most 1024. Every thread gets the total.
__device__ __forceinline__ double block_sum(double v, double* scratch) {
    int tid = threadIdx.y * blockDim.x + threadIdx.x;
    int threads = blockDim.x * blockDim.y;
    scratch[tid] = v;
    __syncthreads();
    for (int half = threads / 2; half > 0; half /= 2) {
        if (tid < half) scratch[tid] += scratch[tid + half];
        __syncthreads();
    }
    double total = scratch[0];
    __syncthreads();
    return total;
}

// (value, index) ordering of ARGMAX and MAX: a NaN beats any number, then the larger value,
// then the smaller index (the first maximum).
__device__ __forceinline__ bool argmax_better(float v, int i, float w, int j) {
    bool vn = v != v, wn = w != w;
    if (vn || wn) return vn && (!wn || i < j);
    if (v != w) return v > w;
    return i < j;
}
// The same for MIN: a NaN beats any number, then the smaller value, then the smaller index.
__device__ __forceinline__ bool argmin_better(float v, int i, float w, int j) {
    bool vn = v != v, wn = w != w;
    if (vn || wn) return vn && (!wn || i < j);
    if (v != w) return v < w;
    return i < j;
}
