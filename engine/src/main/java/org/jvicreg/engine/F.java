package org.jvicreg.engine;

import org.jvicreg.engine.ops.BatchNorm;
import org.jvicreg.engine.ops.Conv2d;
import org.jvicreg.engine.ops.Indexing;
import org.jvicreg.engine.ops.Losses;
import org.jvicreg.engine.ops.Pooling;
import org.jvicreg.engine.ops.Softmax;

/** The neural-network functions, named and defaulted as in torch.nn.functional. */
public final class F {
    private F() {}

    /** Cross-correlation of x (N, C, H, W) with w (K, C/groups, R, S); bias (K) may be null. */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int padding, int dilation, int groups) {
        return Conv2d.conv2d(x, w, bias, new int[] {stride, stride}, new int[] {padding, padding},
                new int[] {dilation, dilation}, groups);
    }

    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return Conv2d.conv2d(x, w, bias, stride, padding, dilation, groups);
    }

    public static Tensor conv2d(Tensor x, Tensor w, int stride, int padding) {
        return conv2d(x, w, null, stride, padding, 1, 1);
    }

    /** x (..., in) @ w (out, in)^T + b (out); b may be null. */
    /**
     * Convolution of batch-last images x (C, H, W, N) with filters w (K, C, R, S), giving (K, P, Q, N); no bias,
     * groups or dilation. Same numbers as {@link #conv2d} on NCHW images.
     */
    public static Tensor conv2dBatchLast(Tensor x, Tensor w, int stride, int padding) {
        return Conv2d.conv2dBatchLast(x, w, new int[] {stride, stride}, new int[] {padding, padding});
    }

    public static Tensor linear(Tensor x, Tensor w, Tensor b) {
        Tensor y = x.matmul(w, false, true);
        return b == null ? y : y.add(b);
    }

    public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding) {
        return Pooling.maxPool2d(x, new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding});
    }

    public static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding) {
        return Pooling.avgPool2d(x, new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding});
    }

    public static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        return Pooling.adaptiveAvgPool2d(x, outH, outW);
    }

    /**
     * Batch norm over axis 1. Training: batch statistics, and runMean/runVar (if given) updated with
     * momentum (PyTorch's convention: new = (1 - momentum) * old + momentum * batch). Eval: running stats.
     */
    public static Tensor batchNorm(Tensor x, Tensor runMean, Tensor runVar, Tensor weight, Tensor bias,
                                   boolean training, float momentum, float eps) {
        return BatchNorm.batchNorm(x, null, false, runMean, runVar, weight, bias, training, momentum, eps);
    }

    /**
     * relu(batchNorm(x)) in one fused op (see {@link #batchNorm}): one kernel pass each way, and only x
     * and the output are kept for the backward pass.
     */
    public static Tensor batchNormRelu(Tensor x, Tensor runMean, Tensor runVar, Tensor weight, Tensor bias,
                                       boolean training, float momentum, float eps) {
        return BatchNorm.batchNorm(x, null, true, runMean, runVar, weight, bias, training, momentum, eps);
    }

    /**
     * relu(batchNorm(x) + residual) in one fused op, the end of a ResNet block; residual has x's shape
     * and receives its gradient too.
     */
    public static Tensor batchNormAddRelu(Tensor x, Tensor residual, Tensor runMean, Tensor runVar, Tensor weight,
                                          Tensor bias, boolean training, float momentum, float eps) {
        return BatchNorm.batchNorm(x, residual, true, runMean, runVar, weight, bias, training, momentum, eps);
    }

    public static Tensor softmax(Tensor x, int axis) {
        return Softmax.softmax(x, axis, false);
    }

    public static Tensor logSoftmax(Tensor x, int axis) {
        return Softmax.softmax(x, axis, true);
    }

    /** Mean cross-entropy of logits (N, C) against float class indices (N). */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return Losses.crossEntropy(logits, target);
    }

    public static Tensor mseLoss(Tensor a, Tensor b) {
        return Losses.mseLoss(a, b);
    }

    /** torch.gather with an index of size 1 along the axis. */
    public static Tensor gather(Tensor x, int axis, Tensor index) {
        return Indexing.gather(x, axis, index);
    }
}
