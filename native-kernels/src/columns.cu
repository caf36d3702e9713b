// Per-column standard deviation and hinge over z (n x d), row-major: per column j, in one kernel,
//   mean_j, var_j = sum_i (z_ij - mean_j)^2 / (n - 1), std_j = sqrt(var_j + eps),
//   zc = z - mean, and the gradient of sum_j relu(1 - std_j):
//   hinge_ij = -[std_j < 1] * zc_ij / ((n - 1) * std_j).
// A block owns 32 neighbouring columns (threadIdx.x, so each warp reads 128 contiguous bytes of a
// row) and its blockDim.y rows of threads stride down the rows. Statistics accumulate in double in
// two passes over the block's columns (mean, then squared deviations, as the CPU kernel does); the
// third pass writes zc and the hinge gradient. The columns' second and third reads mostly hit L2.
#include "common.cuh"

#define COLUMNS 32
#define MAX_ROWS 32

// Sums v over threadIdx.y for each column threadIdx.x; every thread of the column gets the sum.
__device__ __forceinline__ double column_sum(double v, double (*scratch)[COLUMNS]) {
    scratch[threadIdx.y][threadIdx.x] = v;
    __syncthreads();
    for (int half = blockDim.y / 2; half > 0; half /= 2) {
        if (threadIdx.y < half) scratch[threadIdx.y][threadIdx.x] += scratch[threadIdx.y + half][threadIdx.x];
        __syncthreads();
    }
    double total = scratch[0][threadIdx.x];
    __syncthreads();
    return total;
}

extern "C" __global__ void column_std_hinge_f32(const float* z, float* zc, float* std, float* hinge, int n,
                                                   int d, float eps) {
    __shared__ double scratch[MAX_ROWS][COLUMNS];
    for (int tile = blockIdx.x; tile < (d + COLUMNS - 1) / COLUMNS; tile += gridDim.x) {
        int j = tile * COLUMNS + threadIdx.x;
        bool live = j < d;
        double sum = 0.0;
        if (live) {
            for (int i = threadIdx.y; i < n; i += blockDim.y) sum += z[(long long)i * d + j];
        }
        double mean = column_sum(sum, scratch) / n;
        double sq = 0.0;
        if (live) {
            for (int i = threadIdx.y; i < n; i += blockDim.y) {
                float c = (float)(z[(long long)i * d + j] - mean);
                sq += (double)c * c;
            }
        }
        sq = column_sum(sq, scratch);
        double s = sqrt(sq / (n - 1) + eps);
        double factor = s < 1.0 ? -1.0 / ((n - 1) * s) : 0.0;
        if (live) {
            if (threadIdx.y == 0) std[j] = (float)s;
            for (int i = threadIdx.y; i < n; i += blockDim.y) {
                long long k = (long long)i * d + j;
                float c = (float)(z[k] - mean);
                zc[k] = c;
                hinge[k] = (float)(c * factor);
            }
        }
    }
}
