// The legacy cuDNN convolution and batch-norm functions the backend's FFM binding calls, on host
// memory, with the documented signatures and parameter checks (NCHW float descriptors, cross-correlation, output
// shapes consistent with input, filter and convolution, enough workspace), so the binding
// (FfmCudnnApi) and the plan/algorithm logic (CudnnConvolutions) run end to end in the emulator.
// The heuristics report three algorithms: one needing an impossible workspace, one needing 4 KiB
// (tensor cores unless FMA math was set), one needing none. The measured ranking (cudnnFind*) puts
// them the other way round, fastest first, and counts its calls (emu_cudnn_find_calls) so tests see
// which ranking a plan used.
//
// The graph (backend) API is in host_cudnn_graph.cpp.
//
// build: g++ -std=c++20 -O2 -shared -fPIC host_cudnn.cpp host_cudnn_graph.cpp -o libcudnn.so.99
#include <cmath>
#include <cstddef>
#include <cstring>

namespace {
constexpr int SUCCESS = 0, BAD_PARAM = 3, NOT_SUPPORTED = 9;
constexpr int DATA_FLOAT = 0, NCHW = 0, CROSS_CORRELATION = 1, FMA_MATH = 3, TENSOR_OP_MATH = 1;
constexpr int BATCHNORM_SPATIAL = 1;
constexpr double BN_MIN_EPSILON = 1e-5;

struct Tensor {
    int n, c, h, w;
};
struct Filter {
    int k, c, h, w;
};
struct Conv {
    int padH, padW, u, v, dilH, dilW, groups, math;
};
struct Perf {
    int algo, status;
    float time;
    size_t memory;
    int determinism, mathType;
    int reserved[3];
};
static_assert(sizeof(Perf) == 48, "cudnnConvolution*AlgoPerf_t is 48 bytes");

size_t workspaceFor(int algo) {
    return algo == 2 ? (size_t)1 << 50 : algo == 1 ? 4096 : 0;
}

// Whether y is the output shape of x under filter f and convolution c.
bool consistent(const Tensor* x, const Filter* f, const Conv* c, const Tensor* y) {
    int p = (x->h + 2 * c->padH - c->dilH * (f->h - 1) - 1) / c->u + 1;
    int q = (x->w + 2 * c->padW - c->dilW * (f->w - 1) - 1) / c->v + 1;
    return x->c == f->c * c->groups && f->k % c->groups == 0 && y->n == x->n && y->c == f->k && y->h == p && y->w == q;
}

int findCalls = 0;

// The three algorithms, as the heuristics rank them or (measured) fastest first.
int perfs(const Conv* c, int requested, int* returned, Perf* out, bool measured = false) {
    Perf all[3] = {{2, SUCCESS, 0.1f, workspaceFor(2), 1, 0, {}},
                   {1, SUCCESS, 0.2f, workspaceFor(1), 1, c->math == FMA_MATH ? FMA_MATH : TENSOR_OP_MATH, {}},
                   {0, SUCCESS, 0.3f, workspaceFor(0), 1, 0, {}}};
    *returned = requested < 3 ? requested : 3;
    for (int i = 0; i < *returned; i++) {
        out[i] = all[measured ? 2 - i : i];
        if (measured) out[i].time = 0.1f * (i + 1);
    }
    if (measured) findCalls++;
    return SUCCESS;
}

// One multiply-add of the convolution: output (img, o, p, q) and input (img, ch, ih, iw) through
// filter tap (o, ch - group's first channel, r, s); visit(y, x, w) for every valid combination.
template <class Visit>
void each_tap(const Tensor* x, const Filter* f, const Conv* c, const Tensor* y, Visit visit) {
    int cg = f->c, kg = f->k / c->groups;
    for (int img = 0; img < x->n; img++)
        for (int o = 0; o < f->k; o++) {
            int g = o / kg;
            for (int p = 0; p < y->h; p++)
                for (int q = 0; q < y->w; q++)
                    for (int ci = 0; ci < cg; ci++)
                        for (int r = 0; r < f->h; r++)
                            for (int s = 0; s < f->w; s++) {
                                int ih = p * c->u - c->padH + r * c->dilH, iw = q * c->v - c->padW + s * c->dilW;
                                if (ih < 0 || ih >= x->h || iw < 0 || iw >= x->w) continue;
                                long long yi = (((long long)img * y->c + o) * y->h + p) * y->w + q;
                                long long xi = (((long long)img * x->c + g * cg + ci) * x->h + ih) * x->w + iw;
                                long long wi = (((long long)o * cg + ci) * f->h + r) * f->w + s;
                                visit(yi, xi, wi);
                            }
        }
}

int check_run(const Conv* c, int algo, void* ws, size_t wsBytes) {
    if (algo < 0 || algo > 2) return BAD_PARAM;
    if (c->math != FMA_MATH && c->math != TENSOR_OP_MATH && c->math != 0) return BAD_PARAM;
    size_t need = workspaceFor(algo);
    if (wsBytes < need || (need > 0 && ws == nullptr)) return BAD_PARAM;
    if (need > 0) std::memset(ws, 0xab, need);  // the workspace must be real, writable memory
    return SUCCESS;
}

void scale(float* out, long long n, float beta) {
    for (long long i = 0; i < n; i++) out[i] = beta == 0.0f ? 0.0f : out[i] * beta;
}
// Spatial batch norm: y has x's shape, the per-channel tensor is (1, c, 1, 1).
bool bn_shapes(int mode, const Tensor* x, const Tensor* y, const Tensor* p) {
    return mode == BATCHNORM_SPATIAL && x->n == y->n && x->c == y->c && x->h == y->h && x->w == y->w && p->n == 1
        && p->c == x->c && p->h == 1 && p->w == 1;
}

// f(k) for the index k of every value of channel ch of an NCHW tensor.
template <class F>
void each_of_channel(const Tensor* x, int ch, F f) {
    long long hw = (long long)x->h * x->w;
    for (int img = 0; img < x->n; img++)
        for (long long i = 0; i < hw; i++) f(((long long)img * x->c + ch) * hw + i);
}

// out = alpha * v + beta * out, with beta = 0 ignoring out's old contents.
void blend(float* out, long long k, double v, float alpha, float beta) {
    out[k] = (float)(alpha * v + (beta == 0.0f ? 0.0 : beta * out[k]));
}
}  // namespace

extern "C" {

int cudnnCreate(void** handle) {
    *handle = new int(1);
    return SUCCESS;
}
int cudnnDestroy(void* handle) {
    delete static_cast<int*>(handle);
    return SUCCESS;
}
size_t cudnnGetVersion() {
    return 99000;
}
const char* cudnnGetErrorString(int status) {
    return status == SUCCESS ? "CUDNN_STATUS_SUCCESS" : status == BAD_PARAM ? "CUDNN_STATUS_BAD_PARAM"
        : status == NOT_SUPPORTED ? "CUDNN_STATUS_NOT_SUPPORTED" : "CUDNN_STATUS_UNKNOWN";
}

int cudnnCreateTensorDescriptor(Tensor** d) {
    *d = new Tensor{};
    return SUCCESS;
}
int cudnnSetTensor4dDescriptor(Tensor* d, int format, int dataType, int n, int c, int h, int w) {
    if (format != NCHW || dataType != DATA_FLOAT || n <= 0 || c <= 0 || h <= 0 || w <= 0) return BAD_PARAM;
    *d = Tensor{n, c, h, w};
    return SUCCESS;
}
int cudnnDestroyTensorDescriptor(Tensor* d) {
    delete d;
    return SUCCESS;
}
int cudnnCreateFilterDescriptor(Filter** d) {
    *d = new Filter{};
    return SUCCESS;
}
int cudnnSetFilter4dDescriptor(Filter* d, int dataType, int format, int k, int c, int h, int w) {
    if (format != NCHW || dataType != DATA_FLOAT || k <= 0 || c <= 0 || h <= 0 || w <= 0) return BAD_PARAM;
    *d = Filter{k, c, h, w};
    return SUCCESS;
}
int cudnnDestroyFilterDescriptor(Filter* d) {
    delete d;
    return SUCCESS;
}
int cudnnCreateConvolutionDescriptor(Conv** d) {
    *d = new Conv{0, 0, 1, 1, 1, 1, 1, 0};
    return SUCCESS;
}
int cudnnSetConvolution2dDescriptor(Conv* d, int padH, int padW, int u, int v, int dilH, int dilW, int mode,
                                    int computeType) {
    if (mode != CROSS_CORRELATION || computeType != DATA_FLOAT || u <= 0 || v <= 0 || dilH <= 0 || dilW <= 0 || padH < 0
        || padW < 0) {
        return BAD_PARAM;
    }
    d->padH = padH, d->padW = padW, d->u = u, d->v = v, d->dilH = dilH, d->dilW = dilW;
    return SUCCESS;
}
int cudnnSetConvolutionGroupCount(Conv* d, int groups) {
    if (groups <= 0) return BAD_PARAM;
    d->groups = groups;
    return SUCCESS;
}
int cudnnSetConvolutionMathType(Conv* d, int math) {
    if (math < 0 || math > 3) return BAD_PARAM;
    d->math = math;
    return SUCCESS;
}
int cudnnDestroyConvolutionDescriptor(Conv* d) {
    delete d;
    return SUCCESS;
}

int cudnnGetConvolutionForwardAlgorithmMaxCount(void*, int* n) {
    *n = 3;
    return SUCCESS;
}
int cudnnGetConvolutionBackwardDataAlgorithmMaxCount(void*, int* n) {
    *n = 3;
    return SUCCESS;
}
int cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(void*, int* n) {
    *n = 3;
    return SUCCESS;
}

int cudnnGetConvolutionForwardAlgorithm_v7(void*, const Tensor* x, const Filter* w, const Conv* c, const Tensor* y,
                                           int requested, int* returned, Perf* out) {
    return consistent(x, w, c, y) ? perfs(c, requested, returned, out) : BAD_PARAM;
}
int cudnnGetConvolutionBackwardDataAlgorithm_v7(void*, const Filter* w, const Tensor* dy, const Conv* c,
                                                const Tensor* dx, int requested, int* returned, Perf* out) {
    return consistent(dx, w, c, dy) ? perfs(c, requested, returned, out) : BAD_PARAM;
}
int cudnnGetConvolutionBackwardFilterAlgorithm_v7(void*, const Tensor* x, const Tensor* dy, const Conv* c,
                                                  const Filter* dw, int requested, int* returned, Perf* out) {
    return consistent(x, dw, c, dy) ? perfs(c, requested, returned, out) : BAD_PARAM;
}

int cudnnFindConvolutionForwardAlgorithm(void*, const Tensor* x, const Filter* w, const Conv* c, const Tensor* y,
                                         int requested, int* returned, Perf* out) {
    return consistent(x, w, c, y) ? perfs(c, requested, returned, out, true) : BAD_PARAM;
}
int cudnnFindConvolutionBackwardDataAlgorithm(void*, const Filter* w, const Tensor* dy, const Conv* c,
                                              const Tensor* dx, int requested, int* returned, Perf* out) {
    return consistent(dx, w, c, dy) ? perfs(c, requested, returned, out, true) : BAD_PARAM;
}
int cudnnFindConvolutionBackwardFilterAlgorithm(void*, const Tensor* x, const Tensor* dy, const Conv* c,
                                                const Filter* dw, int requested, int* returned, Perf* out) {
    return consistent(x, dw, c, dy) ? perfs(c, requested, returned, out, true) : BAD_PARAM;
}
int emu_cudnn_find_calls() {
    return findCalls;
}

int cudnnGetConvolutionForwardWorkspaceSize(void*, const Tensor* x, const Filter* w, const Conv* c, const Tensor* y,
                                            int algo, size_t* bytes) {
    if (!consistent(x, w, c, y)) return BAD_PARAM;
    *bytes = workspaceFor(algo);
    return SUCCESS;
}
int cudnnGetConvolutionBackwardDataWorkspaceSize(void*, const Filter* w, const Tensor* dy, const Conv* c,
                                                 const Tensor* dx, int algo, size_t* bytes) {
    if (!consistent(dx, w, c, dy)) return BAD_PARAM;
    *bytes = workspaceFor(algo);
    return SUCCESS;
}
int cudnnGetConvolutionBackwardFilterWorkspaceSize(void*, const Tensor* x, const Tensor* dy, const Conv* c,
                                                   const Filter* dw, int algo, size_t* bytes) {
    if (!consistent(x, dw, c, dy)) return BAD_PARAM;
    *bytes = workspaceFor(algo);
    return SUCCESS;
}

int cudnnConvolutionForward(void*, const float* alpha, const Tensor* xd, const float* x, const Filter* wd, const float* w,
                            const Conv* c, int algo, void* ws, size_t wsBytes, const float* beta, const Tensor* yd,
                            float* y) {
    if (!consistent(xd, wd, c, yd)) return BAD_PARAM;
    if (int st = check_run(c, algo, ws, wsBytes); st != SUCCESS) return st;
    scale(y, (long long)yd->n * yd->c * yd->h * yd->w, *beta);
    each_tap(xd, wd, c, yd, [&](long long yi, long long xi, long long wi) { y[yi] += *alpha * x[xi] * w[wi]; });
    return SUCCESS;
}

int cudnnConvolutionBackwardData(void*, const float* alpha, const Filter* wd, const float* w, const Tensor* dyd,
                                 const float* dy, const Conv* c, int algo, void* ws, size_t wsBytes, const float* beta,
                                 const Tensor* dxd, float* dx) {
    if (!consistent(dxd, wd, c, dyd)) return BAD_PARAM;
    if (int st = check_run(c, algo, ws, wsBytes); st != SUCCESS) return st;
    scale(dx, (long long)dxd->n * dxd->c * dxd->h * dxd->w, *beta);
    each_tap(dxd, wd, c, dyd, [&](long long yi, long long xi, long long wi) { dx[xi] += *alpha * dy[yi] * w[wi]; });
    return SUCCESS;
}

int cudnnConvolutionBackwardFilter(void*, const float* alpha, const Tensor* xd, const float* x, const Tensor* dyd,
                                   const float* dy, const Conv* c, int algo, void* ws, size_t wsBytes, const float* beta,
                                   const Filter* dwd, float* dw) {
    if (!consistent(xd, dwd, c, dyd)) return BAD_PARAM;
    if (int st = check_run(c, algo, ws, wsBytes); st != SUCCESS) return st;
    scale(dw, (long long)dwd->k * dwd->c * dwd->h * dwd->w, *beta);
    each_tap(xd, dwd, c, dyd, [&](long long yi, long long xi, long long wi) { dw[wi] += *alpha * dy[yi] * x[xi]; });
    return SUCCESS;
}

// Training batch norm: mean and biased variance per channel in double, y = gamma (x - mean) / sqrt(var + eps)
// + beta; saves the mean and 1 / sqrt(var + eps); running statistics move by factor, the variance unbiased.
int cudnnBatchNormalizationForwardTraining(void*, int mode, const float* alpha, const float* beta, const Tensor* xd,
                                           const float* x, const Tensor* yd, float* y, const Tensor* pd, const float* gamma,
                                           const float* bias, double factor, float* runMean, float* runVar, double eps,
                                           float* saveMean, float* saveInvStd) {
    if (!bn_shapes(mode, xd, yd, pd) || eps < BN_MIN_EPSILON || (runMean == nullptr) != (runVar == nullptr)) return BAD_PARAM;
    double count = (double)xd->n * xd->h * xd->w;
    for (int ch = 0; ch < xd->c; ch++) {
        double sum = 0, sq = 0;
        each_of_channel(xd, ch, [&](long long k) { sum += x[k]; });
        double mean = sum / count;
        each_of_channel(xd, ch, [&](long long k) { sq += (x[k] - mean) * (x[k] - mean); });
        double var = sq / count, inv = 1.0 / std::sqrt(var + eps);
        each_of_channel(xd, ch, [&](long long k) { blend(y, k, gamma[ch] * (x[k] - mean) * inv + bias[ch], *alpha, *beta); });
        if (saveMean != nullptr) saveMean[ch] = (float)mean;
        if (saveInvStd != nullptr) saveInvStd[ch] = (float)inv;
        if (runMean != nullptr) {
            runMean[ch] = (float)((1 - factor) * runMean[ch] + factor * mean);
            runVar[ch] = (float)((1 - factor) * runVar[ch] + factor * sq / (count - 1));
        }
    }
    return SUCCESS;
}

int cudnnBatchNormalizationForwardInference(void*, int mode, const float* alpha, const float* beta, const Tensor* xd,
                                            const float* x, const Tensor* yd, float* y, const Tensor* pd,
                                            const float* gamma, const float* bias, const float* mean, const float* var,
                                            double eps) {
    if (!bn_shapes(mode, xd, yd, pd) || eps < BN_MIN_EPSILON) return BAD_PARAM;
    for (int ch = 0; ch < xd->c; ch++) {
        double inv = 1.0 / std::sqrt(var[ch] + eps);
        each_of_channel(xd, ch, [&](long long k) { blend(y, k, gamma[ch] * (x[k] - mean[ch]) * inv + bias[ch], *alpha, *beta); });
    }
    return SUCCESS;
}

// Backward from the saved statistics (both must be given here): dbeta = sum dy, dgamma = sum dy xhat,
// dx = gamma inv / count (count dy - dbeta - xhat dgamma).
int cudnnBatchNormalizationBackward(void*, int mode, const float* alphaData, const float* betaData, const float* alphaParam,
                                    const float* betaParam, const Tensor* xd, const float* x, const Tensor* dyd,
                                    const float* dy, const Tensor* dxd, float* dx, const Tensor* pd, const float* gamma,
                                    float* dgamma, float* dbeta, double eps, const float* saveMean, const float* saveInvStd) {
    if (!bn_shapes(mode, xd, dyd, pd) || !bn_shapes(mode, xd, dxd, pd) || eps < BN_MIN_EPSILON || saveMean == nullptr
        || saveInvStd == nullptr) {
        return BAD_PARAM;
    }
    double count = (double)xd->n * xd->h * xd->w;
    for (int ch = 0; ch < xd->c; ch++) {
        double mean = saveMean[ch], inv = saveInvStd[ch], sumDy = 0, sumDyXhat = 0;
        each_of_channel(xd, ch, [&](long long k) {
            sumDy += dy[k];
            sumDyXhat += dy[k] * (x[k] - mean) * inv;
        });
        each_of_channel(xd, ch, [&](long long k) {
            double xhat = (x[k] - mean) * inv;
            blend(dx, k, gamma[ch] * inv / count * (count * dy[k] - sumDy - xhat * sumDyXhat), *alphaData, *betaData);
        });
        blend(dgamma, ch, sumDyXhat, *alphaParam, *betaParam);
        blend(dbeta, ch, sumDy, *alphaParam, *betaParam);
    }
    return SUCCESS;
}
}
