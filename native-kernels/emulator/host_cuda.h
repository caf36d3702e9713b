// Lets the kernels of native-kernels/src compile as host C++ for emulator.cpp: the CUDA qualifiers,
// the thread and block coordinates, __syncthreads and the few intrinsics the kernels use. One block
// runs at a time, its threads as cooperative fibers on one OS thread, so __shared__ is a static
// (shared by the block's threads) and atomics need no locking.
#pragma once

#include <math.h>
#include <algorithm>
#include <cstring>

struct dim3 {
    unsigned int x = 1, y = 1, z = 1;
};

// Set by the emulator before it resumes each fiber.
extern dim3 threadIdx, blockIdx, blockDim, gridDim;

// Parks the calling fiber until every thread of the block has reached the barrier.
void __syncthreads();

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static

using std::max;
using std::min;

inline float __int_as_float(int i) {
    float f;
    std::memcpy(&f, &i, sizeof f);
    return f;
}

// Round-to-nearest float product and sum that the compiler must not fuse (on the host: plain float arithmetic,
// as the emulator is built without FMA contraction).
inline float __fmul_rn(float a, float b) {
    return a * b;
}

inline float __fadd_rn(float a, float b) {
    return a + b;
}

inline float atomicAdd(float* p, float v) {
    float old = *p;
    *p = old + v;
    return old;
}

inline int atomicCAS(int* p, int compare, int value) {
    int old = *p;
    if (old == compare) *p = value;
    return old;
}
