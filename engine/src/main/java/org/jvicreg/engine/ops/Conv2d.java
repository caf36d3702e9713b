package org.jvicreg.engine.ops;

import org.jvicreg.engine.Autograd;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.ConvGeometry;

/**
 * 2-D convolution (cross-correlation as PyTorch) with its two gradients and the bias gradient: on NCHW images,
 * and on batch-last (C, H, W, N) images, the layout a CPU model keeps its activations in when its batch fills
 * the kernel's image blocks ({@link org.jvicreg.engine.backend.Backend#prefersBatchLast}).
 */
public final class Conv2d {
    private Conv2d() {}

    public static ConvGeometry geometry(Tensor x, Tensor w, int[] stride, int[] padding, int[] dilation, int groups) {
        if (x.dim() != 4) throw new IllegalArgumentException("conv2d: input must be (N, C, H, W), got " + Shape.str(x.shape()));
        if (w.dim() != 4) throw new IllegalArgumentException("conv2d: weight must be (K, C/groups, R, S), got " + Shape.str(w.shape()));
        int[] xs = x.shape(), ws = w.shape();
        if (groups < 1 || xs[1] % groups != 0 || ws[0] % groups != 0 || ws[1] * groups != xs[1]) {
            throw new IllegalArgumentException("conv2d: input " + Shape.str(xs) + " and weight " + Shape.str(ws)
                    + " do not agree for groups=" + groups + " (need weight.size(1) * groups == input channels)");
        }
        ConvGeometry g = new ConvGeometry(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3],
                stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1], groups);
        if (g.p() <= 0 || g.q() <= 0) {
            throw new IllegalArgumentException("conv2d: input " + Shape.str(xs) + " is too small for kernel "
                    + ws[2] + "x" + ws[3] + " with padding " + padding[0] + "x" + padding[1] + " and dilation "
                    + dilation[0] + "x" + dilation[1]);
        }
        return g;
    }

    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        Arithmetic.sameBackend("conv2d", x, w);
        ConvGeometry geo = geometry(x, w, stride, padding, dilation, groups);
        if (bias != null && (bias.dim() != 1 || bias.size(0) != geo.k())) {
            throw new IllegalArgumentException("conv2d: bias must have shape [" + geo.k() + "], got " + Shape.str(bias.shape()));
        }
        Tensor y = Tensor.uninitialized(x.backend(), geo.n(), geo.k(), geo.p(), geo.q());
        x.backend().conv2dForward(geo, x, w, y);
        y = Autograd.record("conv2d", y, g -> {
            Tensor dx = null, dw = null;
            if (x.requiresGrad()) {
                dx = Tensor.uninitialized(g.backend(), x.shape());
                g.backend().conv2dBackwardData(geo, g, w, dx);
            }
            if (w.requiresGrad()) {
                dw = Tensor.uninitialized(g.backend(), w.shape());
                g.backend().conv2dBackwardFilter(geo, x, g, dw);
            }
            return new Tensor[] {dx, dw};
        }, x, w);
        return bias == null ? y : y.add(bias.reshape(1, geo.k(), 1, 1));
    }

    /**
     * y (K, P, Q, N) = conv2d of batch-last images x (C, H, W, N) with filters w (K, C, R, S) (PyTorch's
     * layout), no bias, groups or dilation: the same numbers as {@link #conv2d} on x permuted to NCHW.
     */
    public static Tensor conv2dBatchLast(Tensor x, Tensor w, int[] stride, int[] padding) {
        Arithmetic.sameBackend("conv2dBatchLast", x, w);
        if (x.dim() != 4) throw new IllegalArgumentException("conv2dBatchLast: input must be (C, H, W, N), got " + Shape.str(x.shape()));
        if (w.dim() != 4 || w.size(1) != x.size(0)) {
            throw new IllegalArgumentException("conv2dBatchLast: weight must be (K, C, R, S) with C = " + x.size(0)
                    + " (the input's channels), got " + Shape.str(w.shape()));
        }
        int[] xs = x.shape(), ws = w.shape();
        ConvGeometry geo = new ConvGeometry(xs[3], xs[0], xs[1], xs[2], ws[0], ws[2], ws[3],
                stride[0], stride[1], padding[0], padding[1], 1, 1, 1, ConvGeometry.Layout.BATCH_LAST);
        if (geo.p() <= 0 || geo.q() <= 0) {
            throw new IllegalArgumentException("conv2dBatchLast: input " + Shape.str(xs) + " is too small for kernel "
                    + ws[2] + "x" + ws[3] + " with padding " + padding[0] + "x" + padding[1]);
        }
        Tensor y = Tensor.uninitialized(x.backend(), geo.k(), geo.p(), geo.q(), geo.n());
        x.backend().conv2dForward(geo, x, w, y);
        return Autograd.record("conv2dBatchLast", y, g -> {
            Tensor dx = null, dw = null;
            if (x.requiresGrad()) {
                dx = Tensor.uninitialized(g.backend(), x.shape());
                g.backend().conv2dBackwardData(geo, g, w, dx);
            }
            if (w.requiresGrad()) {
                dw = Tensor.uninitialized(g.backend(), w.shape());
                g.backend().conv2dBackwardFilter(geo, x, g, dw);
            }
            return new Tensor[] {dx, dw};
        }, x, w);
    }
}
