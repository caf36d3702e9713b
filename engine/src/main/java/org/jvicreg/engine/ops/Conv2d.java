package org.jvicreg.engine.ops;

import org.jvicreg.engine.Autograd;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.ConvGeometry;

/** 2-D convolution (NCHW, cross-correlation as PyTorch) with its two gradients and the bias gradient. */
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
        Tensor y = Tensor.allocate(x.backend(), geo.n(), geo.k(), geo.p(), geo.q());
        x.backend().conv2dForward(geo, x, w, y);
        y = Autograd.record("conv2d", y, g -> {
            Tensor dx = null, dw = null;
            if (x.requiresGrad()) {
                dx = Tensor.allocate(g.backend(), x.shape());
                g.backend().conv2dBackwardData(geo, g, w, dx);
            }
            if (w.requiresGrad()) {
                dw = Tensor.allocate(g.backend(), w.shape());
                g.backend().conv2dBackwardFilter(geo, x, g, dw);
            }
            return new Tensor[] {dx, dw};
        }, x, w);
        return bias == null ? y : y.add(bias.reshape(1, geo.k(), 1, 1));
    }
}
