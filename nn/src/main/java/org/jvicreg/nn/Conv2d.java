package org.jvicreg.nn;

import org.jvicreg.engine.F;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;

/** 2-D convolution layer (square kernel, stride, padding, dilation, groups), PyTorch's default init. */
public final class Conv2d extends Module {
    private final int stride, padding, dilation, groups;

    public Conv2d(int in, int out, int kernel, int stride, int padding, int dilation, int groups, boolean bias, Rng rng) {
        if (in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("Conv2d: groups=" + groups + " must divide in=" + in + " and out=" + out);
        }
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        registerParameter("weight", Init.defaultWeight(rng, out, in / groups, kernel, kernel));
        if (bias) registerParameter("bias", Init.defaultBias(rng, in / groups * kernel * kernel, out));
    }

    /** No bias, no dilation, no groups: the ResNet convolution. */
    public Conv2d(int in, int out, int kernel, int stride, int padding, Rng rng) {
        this(in, out, kernel, stride, padding, 1, 1, false, rng);
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.conv2d(x, param("weight"), param("bias"), stride, padding, dilation, groups);
    }

    /**
     * The same convolution of batch-last images (C, H, W, N), giving (K, P, Q, N)
     * ({@link F#conv2dBatchLast}); for layers without bias, groups or dilation, as a ResNet's.
     */
    public Tensor forwardBatchLast(Tensor x) {
        if (param("bias") != null || groups != 1 || dilation != 1) {
            throw new IllegalStateException("Conv2d.forwardBatchLast: only for layers without bias, groups or dilation");
        }
        return F.conv2dBatchLast(x, param("weight"), stride, padding);
    }

    public Tensor weight() {
        return param("weight");
    }
}
