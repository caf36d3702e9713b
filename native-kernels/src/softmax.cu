// Softmax and log-softmax over the middle axis of an (outer, n, inner) view, and their gradients.
// One block per line (o, i); element j of a line sits at o*n*inner + j*inner + i. Sums in double,
// as the CPU kernel does.
#include "common.cuh"

#define MAX_THREADS 1024

__device__ float block_max(float v, float* scratch) {
    int tid = threadIdx.x;
    scratch[tid] = v;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (tid < half) scratch[tid] = fmaxf(scratch[tid], scratch[tid + half]);
        __syncthreads();
    }
    float m = scratch[0];
    __syncthreads();
    return m;
}

extern "C" __global__ void softmax_f32(const float* x, float* y, int outer, int n, int inner, int log) {
    __shared__ float maxScratch[MAX_THREADS];
    __shared__ double sumScratch[MAX_THREADS];
    for (long long line = blockIdx.x; line < (long long)outer * inner; line += gridDim.x) {
        long long base = (line / inner) * n * inner + line % inner;
        float m = -INFINITY;
        for (int j = threadIdx.x; j < n; j += blockDim.x) m = fmaxf(m, x[base + (long long)j * inner]);
        m = block_max(m, maxScratch);
        double s = 0.0;
        for (int j = threadIdx.x; j < n; j += blockDim.x) {
            long long k = base + (long long)j * inner;
            float e = expf(x[k] - m);
            s += e;
            if (!log) y[k] = e;
        }
        s = block_sum(s, sumScratch);
        if (log) {
            float lse = m + (float)::log(s);
            for (int j = threadIdx.x; j < n; j += blockDim.x) {
                long long k = base + (long long)j * inner;
                y[k] = x[k] - lse;
            }
        } else {
            float inv = (float)(1.0 / s);
            for (int j = threadIdx.x; j < n; j += blockDim.x) y[base + (long long)j * inner] *= inv;
        }
    }
}

// dx from the forward output y and upstream dy: log-softmax dx = dy - exp(y) * sum(dy);
// softmax dx = y * (dy - sum(dy * y)).
extern "C" __global__ void softmax_backward_f32(const float* y, const float* dy, float* dx, int outer, int n,
                                                int inner, int log) {
    __shared__ double sumScratch[MAX_THREADS];
    for (long long line = blockIdx.x; line < (long long)outer * inner; line += gridDim.x) {
        long long base = (line / inner) * n * inner + line % inner;
        double s = 0.0;
        for (int j = threadIdx.x; j < n; j += blockDim.x) {
            long long k = base + (long long)j * inner;
            s += log ? (double)dy[k] : (double)dy[k] * y[k];
        }
        float total = (float)block_sum(s, sumScratch);
        for (int j = threadIdx.x; j < n; j += blockDim.x) {
            long long k = base + (long long)j * inner;
            dx[k] = log ? dy[k] - expf(y[k]) * total : y[k] * (dy[k] - total);
        }
    }
}
