package org.jvicreg.engine.backend;

/**
 * The primitive kernels, nothing more. Autograd ops ({@code org.jvicreg.engine.ops}) are written against
 * this interface so every backend shares them.
 *
 * <p>Conventions: every {@link Operand} passed here (a {@code Tensor}, as the ops pass them) is a contiguous
 * row-major buffer ({@code t.storage()} from element {@code t.offset()}). Outputs are pre-allocated by the
 * caller with the right shape and are overwritten (never accumulated into) unless a method says otherwise. Indices (argmax, class labels,
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
    void download(Operand src, float[] dst, int dstOff);

    void fill(Operand dst, float value);

    /**
     * The one data-movement primitive behind permute, narrow, cat, stack and expand: for every index
     * tuple i of {@code shape}, {@code dst[dstOff + i.dstStrides] = src[srcOff + i.srcStrides]}. Offsets
     * are relative to each tensor's own offset. Strides may be 0 (broadcast reads).
     */
    void copyStrided(Operand src, long srcOff, long[] srcStrides, int[] shape,
                     Operand dst, long dstOff, long[] dstStrides);

    // ---- pointwise ------------------------------------------------------------------------

    /** y = op(x; a, b) elementwise over x.numel() elements; y may be x. */
    void unary(UnaryOp op, Operand x, Operand y, float a, float b);

    /**
     * y[i] = op(a[i . aStrides], b[i . bStrides]) for every index i of y's shape (y contiguous).
     * Broadcast inputs have stride 0 along broadcast dimensions; strides have y's rank.
     */
    void binary(BinaryOp op, Operand a, long[] aStrides, Operand b, long[] bStrides, Operand y);

    /** y += alpha * x over x.numel() elements (the optimizers' update). */
    void axpy(float alpha, Operand x, Operand y);

    /**
     * One torch.optim.SGD step of a parameter p with gradient g and momentum buffer buf (null with momentum
     * 0), in one pass over the parameter: d = g + weightDecay * p; with momentum, buf = first ? d : momentum
     * * buf + (1 - dampening) * d and d = nesterov ? d + momentum * buf : buf; p -= lr * d.
     */
    void sgdStep(SgdStep step, Operand p, Operand g, Operand buf, boolean first);

    /**
     * One LARS step of a parameter p with gradient g and momentum buffer mu, as the official VICReg code's
     * LARS: d = g, with {@code adapt} d = (g + weightDecay * p) * ratio, ratio = eta * ||p|| / ||g + weightDecay
     * * p|| (1 where either norm is not positive); mu = momentum * mu + d; p -= lr * mu. It must give, bit for
     * bit, what the same step composed of this backend's other primitives gives (norms as square, sum over
     * all elements and sqrt in float32; the updates as mul, axpy). Returns false, doing nothing, where the
     * backend has no fused kernel, and the caller composes the step.
     */
    default boolean larsStep(LarsStep step, Operand p, Operand g, Operand mu) {
        return false;
    }

    /**
     * An exponential moving average of x, in one pass over {@code average.numel()} elements: average = decay *
     * average + (1 - decay) * x, with 1 - decay in float32 and each product and the sum rounded on its own
     * (no fused multiply-add), so the result is bit for bit that of the separate mul, mul and add.
     */
    void movingAverage(float decay, Operand x, Operand average);

    /** y[i] = cond[i] != 0 ? a[i] : b[i], all read through strides of y's rank. */
    void where(Operand cond, long[] condStrides, Operand a, long[] aStrides, Operand b, long[] bStrides, Operand y);

    // ---- reductions and indexing ------------------------------------------------------------

    /** Viewing x as (outer, n, inner): y[o, i] = op over j of x[o, j, i]. y has outer*inner elements. */
    void reduce(ReduceOp op, Operand x, int outer, int n, int inner, Operand y);

    /** Viewing x as (outer, n, inner): y[o, i] = x[o, idx[o, i], i]. */
    void gatherAxis(Operand x, int outer, int n, int inner, Operand idx, Operand y);

    /** Viewing y as (outer, n, inner): y = 0, then y[o, idx[o, i], i] = src[o, i]. */
    void scatterAxis(Operand src, int outer, int n, int inner, Operand idx, Operand y);

    // ---- dense algebra ------------------------------------------------------------------------

    /**
     * Strided-batched row-major GEMM: for each b in [0, batch),
     * C_b = alpha * op(A_b) * op(B_b) + beta * C_b with C_b (m x n), op(A_b) (m x k), op(B_b) (k x n),
     * X_b starting at element {@code xOff + b * strideX} of X's buffer (relative to X's offset) with
     * leading dimension ldx. A stride of 0 broadcasts that operand over the batch. beta = 0 ignores C's
     * old contents (even NaN).
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              Operand a, long aOff, int lda, long strideA,
              Operand b, long bOff, int ldb, long strideB,
              float beta, Operand c, long cOff, int ldc, long strideC, int batch);

    // ---- convolution, normalisation, pooling ------------------------------------------------------

    /**
     * y = conv(x, w), no bias: x (n, c, h, w) and y (n, k, p, q), or, where {@code g.isBatchLast()}, x (c, h, w,
     * n) and y (k, p, q, n) with groups 1; w is (k, c/groups, r, s) in both layouts.
     */
    void conv2dForward(ConvGeometry g, Operand x, Operand w, Operand y);

    /** dx (x's shape and layout) = gradient of the convolution with respect to its input. */
    void conv2dBackwardData(ConvGeometry g, Operand dy, Operand w, Operand dx);

    /** dw (k, c/groups, r, s) = gradient of the convolution with respect to its filters. */
    void conv2dBackwardFilter(ConvGeometry g, Operand x, Operand dy, Operand dw);

    /**
     * Whether this backend runs batch-last convolutions natively for a batch of n images, so that a model
     * may keep its activations batch-last ({@link BatchLastByPermute} is the fallback otherwise).
     */
    default boolean prefersBatchLast(int n) {
        return false;
    }

    /**
     * Batch norm over x viewed as (n, c, hw), per channel over n*hw values, fused with what follows it in a
     * ResNet block: y = relu(bn(x) + residual), the add and the ReLU as {@code call} says, where
     * bn(x) = (x - mean) / sqrt(var + eps) * gamma + beta. The statistics are either computed from the batch
     * ({@link BatchNormCall.FromBatch}: biased variance; writes the saved mean and 1 / sqrt(var + eps) for
     * the backward pass and updates the running statistics) or given ({@link BatchNormCall.Given}: eval
     * mode's running statistics, or batch statistics already reduced across processes).
     */
    void batchNormForward(BatchNormCall call, Operand x, BatchNormCall.Statistics statistics, Operand y);

    /**
     * Backward of {@link #batchNormForward} with statistics from the batch, from its saved mean and inverse
     * std and its output y: with the ReLU the upstream gradient is masked by y > 0 first (y is read only
     * then); the residual's gradient (where asked for) is that masked gradient.
     */
    void batchNormBackward(BatchNormCall call, Operand x, Operand y, Operand dy, Operand saveMean, Operand saveInvStd,
                           BatchNormCall.Gradients out);

    /** Max pooling; padded positions never win. */
    void maxPool2dForward(PoolGeometry g, Operand x, Operand y);

    /** dx = 0, then each output's gradient goes to the first maximum of its window in x. */
    void maxPool2dBackward(PoolGeometry g, Operand x, Operand dy, Operand dx);

    /** Average pooling counting padded zeros (PyTorch's count_include_pad=True). */
    void avgPool2dForward(PoolGeometry g, Operand x, Operand y);

    void avgPool2dBackward(PoolGeometry g, Operand dy, Operand dx);

    /**
     * Adaptive average pooling (n*c planes of h x w to oh x ow), with PyTorch's bins:
     * rows [floor(i*h/oh), ceil((i+1)*h/oh)).
     */
    void adaptiveAvgPool2dForward(int nc, int h, int w, int oh, int ow, Operand x, Operand y);

    void adaptiveAvgPool2dBackward(int nc, int h, int w, int oh, int ow, Operand dy, Operand dx);

    // ---- softmax ------------------------------------------------------------------------------

    /** Softmax (or log-softmax) over the middle axis of x viewed as (outer, n, inner). */
    void softmax(int outer, int n, int inner, Operand x, Operand y, boolean log);

    /** Gradient of {@link #softmax} given its output y and upstream dy. */
    void softmaxBackward(int outer, int n, int inner, Operand y, Operand dy, Operand dx, boolean log);

    // ---- column statistics ------------------------------------------------------------------

    /**
     * Per column j of z (n x d), in one pass: mean_j, unbiased var_j, std_j = sqrt(var_j + eps); writes the
     * centred columns zc = z - mean (n x d), std (d), and hingeGrad (n x d), the gradient of the hinge
     * sum_j relu(1 - std_j) with respect to z: -[std_j < 1] * zc_ij / ((n - 1) * std_j). Needs n >= 2.
     */
    void columnStdHinge(int n, int d, Operand z, float eps, Operand zc, Operand std, Operand hingeGrad);

    // ---- housekeeping -------------------------------------------------------------------------

    /** Waits for queued device work (no-op on the CPU). */
    default void synchronize() {}
}
