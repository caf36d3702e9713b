// Reductions over the middle axis of an (outer, n, inner) view, and gather/scatter along it.
// Sums accumulate in double; MAX/MIN/ARGMAX follow Java: a NaN wins, ties keep the first index.
#include "common.cuh"

#define MAX_THREADS 1024

// One running value of a reduction: a double sum, or a (value, index) pair for the others.
struct Partial {
    double sum;
    float value;
    int index;
};

__device__ __forceinline__ Partial partial_empty() {
    Partial p;
    p.sum = 0.0;
    p.value = 0.0f;
    p.index = -1;
    return p;
}

__device__ __forceinline__ void partial_add(int op, Partial& p, float v, int j) {
    if (op == REDUCE_SUM) {
        p.sum += v;
    } else if (p.index < 0 || (op == REDUCE_MIN ? argmin_better(v, j, p.value, p.index)
                                                : argmax_better(v, j, p.value, p.index))) {
        p.value = v;
        p.index = j;
    }
}

__device__ __forceinline__ void partial_merge(int op, Partial& p, const Partial& q) {
    if (op == REDUCE_SUM) {
        p.sum += q.sum;
    } else if (q.index >= 0) {
        partial_add(op, p, q.value, q.index);
    }
}

__device__ __forceinline__ float partial_result(int op, const Partial& p) {
    if (op == REDUCE_SUM) return (float)p.sum;
    if (op == REDUCE_ARGMAX) return (float)p.index;
    return p.value;
}

// Merges the partials of all blockDim.x * blockDim.y threads; thread 0's result is the block's.
__device__ Partial block_merge(int op, Partial p) {
    __shared__ double sums[MAX_THREADS];
    __shared__ float values[MAX_THREADS];
    __shared__ int indices[MAX_THREADS];
    int tid = threadIdx.y * blockDim.x + threadIdx.x;
    int threads = blockDim.x * blockDim.y;
    sums[tid] = p.sum;
    values[tid] = p.value;
    indices[tid] = p.index;
    __syncthreads();
    for (int half = threads / 2; half > 0; half /= 2) {
        if (tid < half) {
            Partial a = {sums[tid], values[tid], indices[tid]};
            Partial b = {sums[tid + half], values[tid + half], indices[tid + half]};
            partial_merge(op, a, b);
            sums[tid] = a.sum;
            values[tid] = a.value;
            indices[tid] = a.index;
        }
        __syncthreads();
    }
    Partial r = {sums[0], values[0], indices[0]};
    __syncthreads();
    return r;
}

// inner == 1: y[row] = op over x[row, 0..n). One block (a power of two of threads) per row.
extern "C" __global__ void reduce_rows_f32(const float* x, float* y, int rows, int n, int op) {
    for (int row = blockIdx.x; row < rows; row += gridDim.x) {
        const float* r = x + (long long)row * n;
        Partial p = partial_empty();
        for (int j = threadIdx.x; j < n; j += blockDim.x) partial_add(op, p, r[j], j);
        p = block_merge(op, p);
        if (threadIdx.x == 0) y[row] = partial_result(op, p);
    }
}

// inner > 1: y[o, i] = op over j of x[o, j, i]. A block of (32, ty) threads owns 32 neighbouring
// columns i of one o (coalesced reads); its ty rows of threads split j and merge at the end.
extern "C" __global__ void reduce_columns_f32(const float* x, float* y, int outer, int n, int inner, int op) {
    int tiles = (inner + blockDim.x - 1) / blockDim.x;
    for (long long b = blockIdx.x; b < (long long)outer * tiles; b += gridDim.x) {
        int o = (int)(b / tiles);
        int i = (int)(b % tiles) * blockDim.x + threadIdx.x;
        Partial p = partial_empty();
        if (i < inner) {
            const float* base = x + (long long)o * n * inner + i;
            for (int j = threadIdx.y; j < n; j += blockDim.y) partial_add(op, p, base[(long long)j * inner], j);
        }
        // merge over threadIdx.y for each column: the block merge works on all threads at once,
        // so route each column's partials through shared memory one column group at a time
        __shared__ double sums[MAX_THREADS];
        __shared__ float values[MAX_THREADS];
        __shared__ int indices[MAX_THREADS];
        int tid = threadIdx.y * blockDim.x + threadIdx.x;
        sums[tid] = p.sum;
        values[tid] = p.value;
        indices[tid] = p.index;
        __syncthreads();
        for (int half = blockDim.y / 2; half > 0; half /= 2) {
            if (threadIdx.y < half) {
                int other = tid + half * blockDim.x;
                Partial a = {sums[tid], values[tid], indices[tid]};
                Partial c = {sums[other], values[other], indices[other]};
                partial_merge(op, a, c);
                sums[tid] = a.sum;
                values[tid] = a.value;
                indices[tid] = a.index;
            }
            __syncthreads();
        }
        if (threadIdx.y == 0 && i < inner) {
            Partial r = {sums[threadIdx.x], values[threadIdx.x], indices[threadIdx.x]};
            y[(long long)o * inner + i] = partial_result(op, r);
        }
        __syncthreads();
    }
}

// Checks one float index against [0, n); on failure records it in *bad (the first one wins).
__device__ __forceinline__ int checked_index(float v, int n, int* bad) {
    int j = (int)v;
    if (!(v >= 0.0f) || j >= n || (float)j != v) {
        atomicCAS(bad, 0, 1);
        return -1;
    }
    return j;
}

// y[o, i] = x[o, idx[o, i], i]; an invalid index sets *bad and writes NaN.
extern "C" __global__ void gather_axis_f32(const float* x, const float* idx, float* y, int outer, int n,
                                           int inner, int* bad) {
    FOR_EACH_INDEX(t, (long long)outer * inner) {
        long long o = (unsigned int)t / (unsigned int)inner, i = (unsigned int)t % (unsigned int)inner;
        int j = checked_index(idx[t], n, bad);
        y[t] = j < 0 ? __int_as_float(0x7fc00000) : x[(o * n + j) * inner + i];
    }
}

// y[o, idx[o, i], i] = src[o, i] into a y the caller zeroed; an invalid index sets *bad.
extern "C" __global__ void scatter_axis_f32(const float* src, const float* idx, float* y, int outer, int n,
                                            int inner, int* bad) {
    FOR_EACH_INDEX(t, (long long)outer * inner) {
        long long o = (unsigned int)t / (unsigned int)inner, i = (unsigned int)t % (unsigned int)inner;
        int j = checked_index(idx[t], n, bad);
        if (j >= 0) y[(o * n + j) * inner + i] = src[t];
    }
}
