// The five cuBLAS functions the backend's FFM binding calls, implemented on host memory with the
// documented signatures and argument checks, so the binding (FfmCublas) runs end to end in the
// emulator: wrong argument order, types or leading dimensions show up as errors or wrong numbers.
//
// build: g++ -std=c++20 -O2 -shared -fPIC host_cublas.cpp -o libcublas.so.99
#include <algorithm>

namespace {
struct Handle {
    int mathMode;
};
constexpr int SUCCESS = 0, INVALID_VALUE = 7;
}  // namespace

extern "C" {

int cublasCreate_v2(Handle** handle) {
    *handle = new Handle{0};
    return SUCCESS;
}

int cublasDestroy_v2(Handle* handle) {
    delete handle;
    return SUCCESS;
}

int cublasGetVersion_v2(Handle*, int* version) {
    *version = 990000;
    return SUCCESS;
}

// CUBLAS_DEFAULT_MATH = 0, CUBLAS_TF32_TENSOR_OP_MATH = 3 are the two the backend uses.
int cublasSetMathMode(Handle* handle, int mode) {
    if (mode != 0 && mode != 3) return INVALID_VALUE;
    handle->mathMode = mode;
    return SUCCESS;
}

const char* cublasGetStatusString(int status) {
    return status == SUCCESS ? "CUBLAS_STATUS_SUCCESS" : "CUBLAS_STATUS_INVALID_VALUE";
}

// Column-major: C_b = alpha * op(A_b) op(B_b) + beta * C_b, op(A) m x k, op(B) k x n; beta = 0
// ignores C. CUBLAS_OP_N = 0, CUBLAS_OP_T = 1.
int cublasSgemmStridedBatched(Handle*, int transa, int transb, int m, int n, int k, const float* alpha, const float* A,
                              int lda, long long strideA, const float* B, int ldb, long long strideB, const float* beta,
                              float* C, int ldc, long long strideC, int batch) {
    if ((transa != 0 && transa != 1) || (transb != 0 && transb != 1) || m < 0 || n < 0 || k < 0 || batch < 0) {
        return INVALID_VALUE;
    }
    if (lda < std::max(1, transa == 0 ? m : k) || ldb < std::max(1, transb == 0 ? k : n) || ldc < std::max(1, m)) {
        return INVALID_VALUE;
    }
    for (int b = 0; b < batch; b++) {
        const float* a = A + b * strideA;
        const float* bb = B + b * strideB;
        float* c = C + b * strideC;
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double s = 0;
                for (int l = 0; l < k; l++) {
                    float av = transa == 0 ? a[i + (long long)l * lda] : a[l + (long long)i * lda];
                    float bv = transb == 0 ? bb[l + (long long)j * ldb] : bb[j + (long long)l * ldb];
                    s += (double)av * bv;
                }
                float* out = c + i + (long long)j * ldc;
                *out = (float)(*alpha * s + (*beta == 0.0f ? 0.0 : (double)*beta * *out));
            }
        }
    }
    return SUCCESS;
}
}
