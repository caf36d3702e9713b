// Batch norm over x viewed as (n, c, hw), statistics per channel over its n*hw values, in double.
// Training runs three kernels: per-(channel, split) partial sums, a per-channel finish (mean,
// inverse std, running statistics, the affine scale/shift), then the elementwise apply. The
// backward pass has the same shape. Splitting each channel's values over several blocks keeps the
// GPU busy when there are few channels and many values per channel.
//
// The elementwise passes also do what follows batch norm in a ResNet block, so that no
// intermediate is stored: the apply kernels add a residual (when the pointer is non-null) and take
// the ReLU (when relu != 0), y = relu(bn(x) + residual); the backward kernels mask the upstream
// gradient with y > 0 (when relu != 0) and write the masked gradient, the residual's, to dResidual
// (when non-null). The ReLU is Java's Math.max(v, 0) (NaN stays NaN), as on the CPU backend.
#include "common.cuh"

#define THREADS 256

// Value number t (of count = n*hw) of channel ch. Tensors have fewer than 2^31 elements (the host
// checks), so the division is 32-bit, several times cheaper than a 64-bit one.
__device__ __forceinline__ long long channel_index(long long t, int ch, int c, int hw) {
    unsigned int u = (unsigned int)t, img = u / (unsigned int)hw;
    return ((long long)img * c + ch) * hw + u % (unsigned int)hw;
}

// The channel of element t of an (n, c, hw) tensor.
__device__ __forceinline__ int channel_of(long long t, int c, int hw) {
    return (int)(((unsigned int)t / (unsigned int)hw) % (unsigned int)c);
}

// partial[(ch*splits + s)*2 + {0,1}] = sum and sum of squares of channel ch's values in split s.
extern "C" __global__ void bn_partial_stats(const float* x, double* partial, int n, int c, int hw, int splits) {
    __shared__ double scratch[THREADS];
    int ch = blockIdx.y, s = blockIdx.x;
    long long count = (long long)n * hw;
    long long per = (count + splits - 1) / splits;
    long long t0 = s * per, t1 = min(count, t0 + per);
    double sum = 0.0, sq = 0.0;
    for (long long t = t0 + threadIdx.x; t < t1; t += blockDim.x) {
        double v = x[channel_index(t, ch, c, hw)];
        sum += v;
        sq += v * v;
    }
    sum = block_sum(sum, scratch);
    sq = block_sum(sq, scratch);
    if (threadIdx.x == 0) {
        partial[((long long)ch * splits + s) * 2] = sum;
        partial[((long long)ch * splits + s) * 2 + 1] = sq;
    }
}

// One thread per channel: mean, biased variance, invStd = 1/sqrt(var + eps); the running
// statistics (when hasRunning) move by momentum toward the mean and the unbiased variance; and
// y = x * scale + shift with scale = gamma*invStd, shift = beta - mean*gamma*invStd.
extern "C" __global__ void bn_finish_stats(const double* partial, int c, int splits, long long count, float eps,
                                           float momentum, const float* gamma, const float* beta, int hasRunning,
                                           float* runMean, float* runVar, float* saveMean, float* saveInvStd,
                                           float* scale, float* shift) {
    int ch = blockIdx.x * blockDim.x + threadIdx.x;
    if (ch >= c) return;
    double sum = 0.0, sq = 0.0;
    for (int s = 0; s < splits; s++) {
        sum += partial[((long long)ch * splits + s) * 2];
        sq += partial[((long long)ch * splits + s) * 2 + 1];
    }
    double mu = sum / count;
    double centred = fmax(sq - sum * mu, 0.0);  // sum of squared deviations
    double var = centred / count;
    double inv = 1.0 / sqrt(var + eps);
    saveMean[ch] = (float)mu;
    saveInvStd[ch] = (float)inv;
    scale[ch] = (float)(gamma[ch] * inv);
    shift[ch] = (float)(beta[ch] - mu * gamma[ch] * inv);
    if (hasRunning) {
        runMean[ch] = (float)((1.0 - momentum) * runMean[ch] + momentum * mu);
        runVar[ch] = (float)((1.0 - momentum) * runVar[ch] + momentum * centred / (count - 1));
    }
}

// relu?(v + residual?), the tail of the apply kernels.
__device__ __forceinline__ float residual_relu(float v, const float* residual, long long t, int relu) {
    if (residual != nullptr) v += residual[t];
    return relu ? java_max(v, 0.0f) : v;
}

// The upstream gradient after the ReLU's mask (y > 0), when relu != 0.
__device__ __forceinline__ float relu_masked(const float* dy, const float* y, long long t, int relu) {
    return relu && y[t] <= 0.0f ? 0.0f : dy[t];
}

// y = relu?(x * scale[ch] + shift[ch] + residual?).
extern "C" __global__ void bn_apply(const float* x, const float* residual, float* y, const float* scale,
                                    const float* shift, int relu, int n, int c, int hw) {
    FOR_EACH_INDEX(t, (long long)n * c * hw) {
        int ch = channel_of(t, c, hw);
        y[t] = residual_relu(x[t] * scale[ch] + shift[ch], residual, t, relu);
    }
}

// Eval mode: y = relu?((x - runMean) / sqrt(runVar + eps) * gamma + beta + residual?).
extern "C" __global__ void bn_eval(const float* x, const float* residual, float* y, const float* gamma,
                                   const float* beta, const float* runMean, const float* runVar, float eps, int relu,
                                   int n, int c, int hw) {
    FOR_EACH_INDEX(t, (long long)n * c * hw) {
        int ch = channel_of(t, c, hw);
        double inv = 1.0 / sqrt(runVar[ch] + (double)eps);
        float scale = (float)(gamma[ch] * inv);
        float shift = (float)(beta[ch] - runMean[ch] * gamma[ch] * inv);
        y[t] = residual_relu(x[t] * scale + shift, residual, t, relu);
    }
}

// partial[(ch*splits + s)*2 + {0,1}] = sum of g and of g * xhat over split s of channel ch, g the
// upstream gradient dy after the ReLU's mask.
extern "C" __global__ void bn_backward_partial(const float* x, const float* dy, const float* y, int relu,
                                               const float* mean, const float* invStd, double* partial, int n, int c,
                                               int hw, int splits) {
    __shared__ double scratch[THREADS];
    int ch = blockIdx.y, s = blockIdx.x;
    long long count = (long long)n * hw;
    long long per = (count + splits - 1) / splits;
    long long t0 = s * per, t1 = min(count, t0 + per);
    double mu = mean[ch], inv = invStd[ch];
    double sumDy = 0.0, sumDyXhat = 0.0;
    for (long long t = t0 + threadIdx.x; t < t1; t += blockDim.x) {
        long long k = channel_index(t, ch, c, hw);
        double g = relu_masked(dy, y, k, relu);
        sumDy += g;
        sumDyXhat += g * (x[k] - mu) * inv;
    }
    sumDy = block_sum(sumDy, scratch);
    sumDyXhat = block_sum(sumDyXhat, scratch);
    if (threadIdx.x == 0) {
        partial[((long long)ch * splits + s) * 2] = sumDy;
        partial[((long long)ch * splits + s) * 2 + 1] = sumDyXhat;
    }
}

// One thread per channel: dbeta, dgamma, and dx = a*dy + b + cx*(x - mean) coefficients in
// coef[3*ch .. 3*ch+2], from dx = gamma*invStd/count * (count*dy - sumDy - xhat*sumDyXhat).
extern "C" __global__ void bn_backward_finish(const double* partial, int c, int splits, long long count,
                                              const float* gamma, const float* invStd, float* dgamma,
                                              float* dbeta, float* coef) {
    int ch = blockIdx.x * blockDim.x + threadIdx.x;
    if (ch >= c) return;
    double sumDy = 0.0, sumDyXhat = 0.0;
    for (int s = 0; s < splits; s++) {
        sumDy += partial[((long long)ch * splits + s) * 2];
        sumDyXhat += partial[((long long)ch * splits + s) * 2 + 1];
    }
    dbeta[ch] = (float)sumDy;
    dgamma[ch] = (float)sumDyXhat;
    double inv = invStd[ch];
    double k = gamma[ch] * inv / count;
    coef[3 * ch] = (float)(k * count);
    coef[3 * ch + 1] = (float)(-k * sumDy);
    coef[3 * ch + 2] = (float)(-k * sumDyXhat * inv);
}

// dx = a*g + b + cx*(x - mean) with g the masked upstream gradient, and dResidual = g.
extern "C" __global__ void bn_backward_apply(const float* x, const float* dy, const float* y, int relu,
                                             const float* mean, const float* coef, float* dx, float* dResidual, int n,
                                             int c, int hw) {
    FOR_EACH_INDEX(t, (long long)n * c * hw) {
        int ch = channel_of(t, c, hw);
        float g = relu_masked(dy, y, t, relu);
        if (dResidual != nullptr) dResidual[t] = g;
        dx[t] = coef[3 * ch] * g + coef[3 * ch + 1] + coef[3 * ch + 2] * (x[t] - mean[ch]);
    }
}
