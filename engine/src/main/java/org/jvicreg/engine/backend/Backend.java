package org.jvicreg.engine.backend;

import org.jvicreg.engine.Tensor;

/**
 * The primitive kernels, nothing more. Autograd ops ({@code org.jvicreg.engine.ops}) are written against
 * this interface so every backend shares them.
 *
 * <p>Conventions: every {@link Tensor} passed here is a contiguous row-major buffer
 * ({@code t.storage()} from element {@code t.offset()}); kernels read its storage and offset and never
 * its autograd state. Outputs are pre-allocated by the caller with the right shape and are
 * overwritten (never accumulated into) unless a method says otherwise. Indices (argmax, class labels,
 * gather/scatter positions) are stored as floats. All arguments live on this backend.
 */
public interface Backend {

    String name();

    // ---- memory ---------------------------------------------------------------------------

    /** A zero-filled buffer of {@code numel} floats. */
    Storage allocate(long numel);

    /**
     * A buffer of {@code numel} floats whose contents are undefined until written: for the output of a
     * kernel that overwrites every element. The default zero-fills ({@link #allocate}); a backend whose
     * fill costs a pass over memory (CUDA) skips it.
     */
    default Storage allocateUninitialized(long numel) {
        return allocate(numel);
    }

    /** A new buffer holding {@code host[off, off+n)}. */
    Storage upload(float[] host, int off, int n);

    /** Copies all of {@code src} (its numel elements) into {@code dst[dstOff...]}. */
    void download(Tensor src, float[] dst, int dstOff);

    void fill(Tensor dst, float value);

    /**
     * The one data-movement primitive behind permute, narrow, cat, stack and expand: for every index
     * tuple i of {@code shape}, {@code dst[dstOff + i.dstStrides] = src[srcOff + i.srcStrides]}. Offsets
     * are relative to each tensor's own offset. Strides may be 0 (broadcast reads).
     */
    void copyStrided(Tensor src, long srcOff, long[] srcStrides, int[] shape,
                     Tensor dst, long dstOff, long[] dstStrides);

    // ---- pointwise ------------------------------------------------------------------------

    /** y = op(x; a, b) elementwise over x.numel() elements; y may be x. */
    void unary(UnaryOp op, Tensor x, Tensor y, float a, float b);

    /**
     * y[i] = op(a[i . aStrides], b[i . bStrides]) for every index i of y's shape (y contiguous).
     * Broadcast inputs have stride 0 along broadcast dimensions; strides have y's rank.
     */
    void binary(BinaryOp op, Tensor a, long[] aStrides, Tensor b, long[] bStrides, Tensor y);

    /** y += alpha * x over x.numel() elements (the optimizers' update). */
    void axpy(float alpha, Tensor x, Tensor y);

    /**
     * One torch.optim.SGD step of a parameter p with gradient g and momentum buffer buf (null
     * with momentum 0), in one pass where the backend has a fused kernel: d = g + weightDecay * p; with
     * momentum, buf = first ? d : momentum * buf + (1 - dampening) * d and d = nesterov ? d + momentum * buf
     * : buf; p -= lr * d. Returns false, touching nothing, where the backend has none: the caller then runs
     * the step as separate operations (the CPU backend does, so its results stay those of the operations).
     */
    default boolean fusedSgdStep(Tensor p, Tensor g, Tensor buf, float lr, float momentum, float dampening,
                                 float weightDecay, boolean nesterov, boolean first) {
        return false;
    }

    /** y[i] = cond[i] != 0 ? a[i] : b[i], all read through strides of y's rank. */
    void where(Tensor cond, long[] condStrides, Tensor a, long[] aStrides, Tensor b, long[] bStrides, Tensor y);

    // ---- reductions and indexing ------------------------------------------------------------

    /** Viewing x as (outer, n, inner): y[o, i] = op over j of x[o, j, i]. y has outer*inner elements. */
    void reduce(ReduceOp op, Tensor x, int outer, int n, int inner, Tensor y);

    /** Viewing x as (outer, n, inner): y[o, i] = x[o, idx[o, i], i]. */
    void gatherAxis(Tensor x, int outer, int n, int inner, Tensor idx, Tensor y);

    /** Viewing y as (outer, n, inner): y = 0, then y[o, idx[o, i], i] = src[o, i]. */
    void scatterAxis(Tensor src, int outer, int n, int inner, Tensor idx, Tensor y);

    // ---- dense algebra ------------------------------------------------------------------------

    /**
     * Strided-batched row-major GEMM: for each b in [0, batch),
     * C_b = alpha * op(A_b) * op(B_b) + beta * C_b with C_b (m x n), op(A_b) (m x k), op(B_b) (k x n),
     * X_b starting at element {@code xOff + b * strideX} of X's buffer (relative to X's offset) with
     * leading dimension ldx. A stride of 0 broadcasts that operand over the batch. beta = 0 ignores C's
     * old contents (even NaN).
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              Tensor a, long aOff, int lda, long strideA,
              Tensor b, long bOff, int ldb, long strideB,
              float beta, Tensor c, long cOff, int ldc, long strideC, int batch);

    // ---- convolution, normalisation, pooling ------------------------------------------------------

    /** y (n, k, p, q) = conv(x (n, c, h, w), w (k, c/groups, r, s)); no bias. */
    void conv2dForward(ConvGeometry g, Tensor x, Tensor w, Tensor y);

    /** dx (n, c, h, w) = gradient of the convolution with respect to its input. */
    void conv2dBackwardData(ConvGeometry g, Tensor dy, Tensor w, Tensor dx);

    /** dw (k, c/groups, r, s) = gradient of the convolution with respect to its filters. */
    void conv2dBackwardFilter(ConvGeometry g, Tensor x, Tensor dy, Tensor dw);

    // ---- the same convolutions in the batch-last layout: x (c, h, w, n), w (k, c, r, s), y (k, p, q, n) ----

    /**
     * Whether this backend runs the batch-last convolutions below natively for a batch of n images (a
     * model may then keep its activations batch-last). The defaults below only permute to NCHW and back.
     */
    default boolean prefersBatchLast(int n) {
        return false;
    }

    /** y (k, p, q, n) = conv(x (c, h, w, n), w (k, c, r, s)); groups must be 1. */
    default void conv2dForwardBatchLast(ConvGeometry g, Tensor x, Tensor w, Tensor y) {
        Tensor yn = Tensor.allocate(this, g.n(), g.k(), g.p(), g.q());
        conv2dForward(g, batchFirst(x, g.c(), g.h(), g.w(), g.n()), w, yn);
        batchLastInto(yn, y);
    }

    /** dx (c, h, w, n) = gradient of {@link #conv2dForwardBatchLast} with respect to its input. */
    default void conv2dBackwardDataBatchLast(ConvGeometry g, Tensor dy, Tensor w, Tensor dx) {
        Tensor dxn = Tensor.allocate(this, g.n(), g.c(), g.h(), g.w());
        conv2dBackwardData(g, batchFirst(dy, g.k(), g.p(), g.q(), g.n()), w, dxn);
        batchLastInto(dxn, dx);
    }

    /** dw (k, c, r, s) = gradient of {@link #conv2dForwardBatchLast} with respect to its filters. */
    default void conv2dBackwardFilterBatchLast(ConvGeometry g, Tensor x, Tensor dy, Tensor dw) {
        conv2dBackwardFilter(g, batchFirst(x, g.c(), g.h(), g.w(), g.n()), batchFirst(dy, g.k(), g.p(), g.q(), g.n()), dw);
    }

    /** A new (n, c, h, w) copy of a batch-last (c, h, w, n) tensor. */
    private Tensor batchFirst(Tensor t, int c, int h, int w, int n) {
        Tensor out = Tensor.allocate(this, n, c, h, w);
        copyStrided(t, 0, new long[] {1, (long) h * w * n, (long) w * n, n}, new int[] {n, c, h, w},
                out, 0, org.jvicreg.engine.Shape.strides(out.shape()));
        return out;
    }

    /** Copies an (n, c, h, w) tensor into the batch-last (c, h, w, n) tensor dst. */
    private void batchLastInto(Tensor t, Tensor dst) {
        int[] s = t.shape();
        long n = s[0], h = s[2], w = s[3];
        copyStrided(t, 0, org.jvicreg.engine.Shape.strides(s), s, dst, 0, new long[] {1, h * w * n, w * n, n});
    }

    /**
     * Training-mode batch norm over x viewed as (n, c, hw), statistics per channel over n*hw values,
     * fused with what follows batch norm in a ResNet block: y = relu(bn(x) + residual), the residual add
     * when {@code residual} is non-null, the ReLU when {@code relu}, where
     * bn(x) = (x - mean) * invStd * gamma + beta with invStd = 1/sqrt(biasedVar + eps). Writes saveMean
     * and saveInvStd (c each) for the backward pass. When runMean/runVar are non-null they are updated in
     * place: run = (1 - momentum) * run + momentum * stat, the variance unbiased (n*hw/(n*hw-1)).
     */
    void batchNormTrainActivation(int n, int c, int hw, Tensor x, Tensor gamma, Tensor beta, float eps, float momentum,
                                  Tensor runMean, Tensor runVar, Tensor residual, boolean relu, Tensor y, Tensor saveMean,
                                  Tensor saveInvStd);

    /**
     * Eval-mode batch norm with running statistics, fused likewise: y = relu(bnEval(x) + residual), where
     * bnEval(x) = (x - runMean) / sqrt(runVar + eps) * gamma + beta.
     */
    void batchNormEvalActivation(int n, int c, int hw, Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar,
                                 float eps, Tensor residual, boolean relu, Tensor y);

    /**
     * Backward of {@link #batchNormTrainActivation} from its saved statistics and its output y: with
     * {@code relu} the upstream gradient is masked by y > 0 first (y is read only then); {@code dResidual}
     * (null when there is no residual) receives the (masked) gradient; writes dx, dgamma, dbeta. eps is the
     * forward pass's (saveInvStd already holds it; cuDNN asks for it again).
     */
    void batchNormBackwardActivation(int n, int c, int hw, Tensor x, Tensor y, boolean relu, Tensor dy, Tensor gamma,
                                     Tensor saveMean, Tensor saveInvStd, float eps, Tensor dx, Tensor dResidual,
                                     Tensor dgamma, Tensor dbeta);

    /** Plain training-mode batch norm: {@link #batchNormTrainActivation} without residual or ReLU. */
    default void batchNormTrain(int n, int c, int hw, Tensor x, Tensor gamma, Tensor beta, float eps, float momentum,
                                Tensor runMean, Tensor runVar, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        batchNormTrainActivation(n, c, hw, x, gamma, beta, eps, momentum, runMean, runVar, null, false, y, saveMean, saveInvStd);
    }

    /** Plain eval-mode batch norm: {@link #batchNormEvalActivation} without residual or ReLU. */
    default void batchNormEval(int n, int c, int hw, Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar,
                               float eps, Tensor y) {
        batchNormEvalActivation(n, c, hw, x, gamma, beta, runMean, runVar, eps, null, false, y);
    }

    /** Backward of {@link #batchNormTrain}: {@link #batchNormBackwardActivation} without residual or ReLU. */
    default void batchNormBackward(int n, int c, int hw, Tensor x, Tensor dy, Tensor gamma, Tensor saveMean,
                                   Tensor saveInvStd, float eps, Tensor dx, Tensor dgamma, Tensor dbeta) {
        batchNormBackwardActivation(n, c, hw, x, null, false, dy, gamma, saveMean, saveInvStd, eps, dx, null, dgamma, dbeta);
    }

    /** Max pooling; padded positions never win. */
    void maxPool2dForward(PoolGeometry g, Tensor x, Tensor y);

    /** dx = 0, then each output's gradient goes to the first maximum of its window in x. */
    void maxPool2dBackward(PoolGeometry g, Tensor x, Tensor dy, Tensor dx);

    /** Average pooling counting padded zeros (PyTorch's count_include_pad=True). */
    void avgPool2dForward(PoolGeometry g, Tensor x, Tensor y);

    void avgPool2dBackward(PoolGeometry g, Tensor dy, Tensor dx);

    /**
     * Adaptive average pooling (n*c planes of h x w to oh x ow), with PyTorch's bins:
     * rows [floor(i*h/oh), ceil((i+1)*h/oh)).
     */
    void adaptiveAvgPool2dForward(int nc, int h, int w, int oh, int ow, Tensor x, Tensor y);

    void adaptiveAvgPool2dBackward(int nc, int h, int w, int oh, int ow, Tensor dy, Tensor dx);

    // ---- softmax ------------------------------------------------------------------------------

    /** Softmax (or log-softmax) over the middle axis of x viewed as (outer, n, inner). */
    void softmax(int outer, int n, int inner, Tensor x, Tensor y, boolean log);

    /** Gradient of {@link #softmax} given its output y and upstream dy. */
    void softmaxBackward(int outer, int n, int inner, Tensor y, Tensor dy, Tensor dx, boolean log);

    // ---- fused VICReg ---------------------------------------------------------------------------

    /**
     * The VICReg variance pass over z (n x d), per column j in one pass: mean_j, unbiased var_j,
     * std_j = sqrt(var_j + eps); writes zc = z - mean (n x d), std (d) and
     * hingeGrad (n x d) = d(sum_j relu(1 - std_j))/dz = -[std_j < 1] * zc_ij / ((n - 1) * std_j).
     * Needs n >= 2.
     */
    void vicregColumnStats(int n, int d, Tensor z, float eps, Tensor zc, Tensor std, Tensor hingeGrad);

    // ---- housekeeping -------------------------------------------------------------------------

    /** Waits for queued device work (no-op on the CPU). */
    default void synchronize() {}
}
