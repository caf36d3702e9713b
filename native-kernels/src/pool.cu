// 2-D max, average and adaptive average pooling on NCHW planes, forward and backward.
// Index math is 32-bit: tensors have fewer than 2^31 elements (the host checks).
// Forward kernels run one thread per output; backward kernels for average pooling gather (one
// thread per input, no atomics); max-pool backward scatters to each window's first maximum with
// atomicAdd, since overlapping windows may pick the same input.
#include "common.cuh"

struct PoolArgs {
    int planes, h, w, oh, ow, kh, kw, strideH, strideW, padH, padW;
};

// Offset within the plane of the first maximum of window (oy, ox); padded positions never win,
// a NaN does.
__device__ __forceinline__ int window_argmax(const float* plane, const PoolArgs& g, int oy, int ox) {
    int h0 = oy * g.strideH - g.padH, w0 = ox * g.strideW - g.padW;
    int best = -1;
    float m = -INFINITY;
    for (int i = max(0, h0); i < min(g.h, h0 + g.kh); i++) {
        for (int j = max(0, w0); j < min(g.w, w0 + g.kw); j++) {
            float v = plane[i * g.w + j];
            if (best < 0 || v > m || v != v) {
                m = v;
                best = i * g.w + j;
                if (v != v) return best;
            }
        }
    }
    return best;
}

extern "C" __global__ void max_pool2d_forward_f32(const float* x, float* y, PoolArgs g) {
    long long outPerPlane = (long long)g.oh * g.ow;
    FOR_EACH_INDEX(t, g.planes * outPerPlane) {
        long long pl = (unsigned int)t / (unsigned int)outPerPlane;
        int o = (int)((unsigned int)t % (unsigned int)outPerPlane);
        const float* plane = x + pl * g.h * g.w;
        y[t] = plane[window_argmax(plane, g, o / g.ow, o % g.ow)];
    }
}

// dx must be zero on entry.
extern "C" __global__ void max_pool2d_backward_f32(const float* x, const float* dy, float* dx, PoolArgs g) {
    long long outPerPlane = (long long)g.oh * g.ow;
    FOR_EACH_INDEX(t, g.planes * outPerPlane) {
        long long pl = (unsigned int)t / (unsigned int)outPerPlane;
        int o = (int)((unsigned int)t % (unsigned int)outPerPlane);
        long long planeOff = pl * g.h * g.w;
        int at = window_argmax(x + planeOff, g, o / g.ow, o % g.ow);
        atomicAdd(dx + planeOff + at, dy[t]);
    }
}

// Average over the window counting padded zeros (count_include_pad=True).
extern "C" __global__ void avg_pool2d_forward_f32(const float* x, float* y, PoolArgs g) {
    long long outPerPlane = (long long)g.oh * g.ow;
    float inv = 1.0f / (g.kh * g.kw);
    FOR_EACH_INDEX(t, g.planes * outPerPlane) {
        long long pl = (unsigned int)t / (unsigned int)outPerPlane;
        int o = (int)((unsigned int)t % (unsigned int)outPerPlane);
        int h0 = (o / g.ow) * g.strideH - g.padH, w0 = (o % g.ow) * g.strideW - g.padW;
        const float* plane = x + pl * g.h * g.w;
        float s = 0.0f;
        for (int i = max(0, h0); i < min(g.h, h0 + g.kh); i++) {
            for (int j = max(0, w0); j < min(g.w, w0 + g.kw); j++) s += plane[i * g.w + j];
        }
        y[t] = s * inv;
    }
}

// First and one-past-last output index whose window [o*stride - pad, o*stride - pad + k) holds
// input position p.
__device__ __forceinline__ void covering_outputs(int p, int k, int stride, int pad, int outSize, int& lo,
                                                 int& hi) {
    int shifted = p + pad;
    lo = shifted - k + 1 <= 0 ? 0 : (shifted - k + 1 + stride - 1) / stride;
    hi = min(outSize, shifted / stride + 1);
}

extern "C" __global__ void avg_pool2d_backward_f32(const float* dy, float* dx, PoolArgs g) {
    long long inPerPlane = (long long)g.h * g.w;
    float inv = 1.0f / (g.kh * g.kw);
    FOR_EACH_INDEX(t, g.planes * inPerPlane) {
        long long pl = (unsigned int)t / (unsigned int)inPerPlane;
        int p = (int)((unsigned int)t % (unsigned int)inPerPlane);
        int ih = p / g.w, iw = p % g.w;
        int oy0, oy1, ox0, ox1;
        covering_outputs(ih, g.kh, g.strideH, g.padH, g.oh, oy0, oy1);
        covering_outputs(iw, g.kw, g.strideW, g.padW, g.ow, ox0, ox1);
        const float* grad = dy + pl * g.oh * g.ow;
        float s = 0.0f;
        for (int oy = oy0; oy < oy1; oy++) {
            for (int ox = ox0; ox < ox1; ox++) s += grad[oy * g.ow + ox] * inv;
        }
        dx[t] = s;
    }
}

// PyTorch's adaptive bins: rows [floor(i*in/out), ceil((i+1)*in/out)).
__device__ __forceinline__ int bin_start(int i, int in, int out) {
    return (int)(((long long)i * in) / out);
}
__device__ __forceinline__ int bin_end(int i, int in, int out) {
    return (int)(((long long)(i + 1) * in + out - 1) / out);
}

extern "C" __global__ void adaptive_avg_pool2d_forward_f32(const float* x, float* y, int planes, int h, int w,
                                                           int oh, int ow) {
    long long outPerPlane = (long long)oh * ow;
    FOR_EACH_INDEX(t, planes * outPerPlane) {
        long long pl = (unsigned int)t / (unsigned int)outPerPlane;
        int o = (int)((unsigned int)t % (unsigned int)outPerPlane);
        int oy = o / ow, ox = o % ow;
        int h0 = bin_start(oy, h, oh), h1 = bin_end(oy, h, oh);
        int w0 = bin_start(ox, w, ow), w1 = bin_end(ox, w, ow);
        const float* plane = x + pl * h * w;
        double s = 0.0;
        for (int i = h0; i < h1; i++) {
            for (int j = w0; j < w1; j++) s += plane[i * w + j];
        }
        y[t] = (float)(s / ((h1 - h0) * (w1 - w0)));
    }
}

extern "C" __global__ void adaptive_avg_pool2d_backward_f32(const float* dy, float* dx, int planes, int h,
                                                            int w, int oh, int ow) {
    long long inPerPlane = (long long)h * w;
    FOR_EACH_INDEX(t, planes * inPerPlane) {
        long long pl = (unsigned int)t / (unsigned int)inPerPlane;
        int p = (int)((unsigned int)t % (unsigned int)inPerPlane);
        int ih = p / w, iw = p % w;
        const float* grad = dy + pl * oh * ow;
        float s = 0.0f;
        // bins are monotone in the output index: skip those that end before ih, stop past it
        for (int oy = 0; oy < oh && bin_start(oy, h, oh) <= ih; oy++) {
            if (bin_end(oy, h, oh) <= ih) continue;
            int rows = bin_end(oy, h, oh) - bin_start(oy, h, oh);
            for (int ox = 0; ox < ow && bin_start(ox, w, ow) <= iw; ox++) {
                if (bin_end(ox, w, ow) <= iw) continue;
                int cols = bin_end(ox, w, ow) - bin_start(ox, w, ow);
                s += grad[oy * ow + ox] / (rows * cols);
            }
        }
        dx[t] = s;
    }
}
