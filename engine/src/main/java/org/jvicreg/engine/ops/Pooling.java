package org.jvicreg.engine.ops;

import org.jvicreg.engine.Autograd;
import org.jvicreg.engine.Shape;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.PoolGeometry;

/** Max, average and adaptive average pooling over NCHW, each with its gradient. */
public final class Pooling {
    private Pooling() {}

    private static PoolGeometry geometry(String op, Tensor x, int[] k, int[] stride, int[] pad) {
        if (x.dim() != 4) throw new IllegalArgumentException(op + ": input must be (N, C, H, W), got " + Shape.str(x.shape()));
        int[] s = x.shape();
        PoolGeometry g = new PoolGeometry(s[0], s[1], s[2], s[3], k[0], k[1], stride[0], stride[1], pad[0], pad[1]);
        if (g.oh() <= 0 || g.ow() <= 0) {
            throw new IllegalArgumentException(op + ": input " + Shape.str(s) + " is smaller than the window " + k[0] + "x" + k[1]);
        }
        return g;
    }

    public static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding) {
        PoolGeometry geo = geometry("max_pool2d", x, kernel, stride, padding);
        Tensor y = Tensor.uninitialized(x.backend(), geo.n(), geo.c(), geo.oh(), geo.ow());
        x.backend().maxPool2dForward(geo, x, y);
        return Autograd.record("max_pool2d", y, g -> {
            Tensor dx = Tensor.uninitialized(g.backend(), x.shape());
            g.backend().maxPool2dBackward(geo, x, g, dx);
            return new Tensor[] {dx};
        }, x);
    }

    public static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding) {
        PoolGeometry geo = geometry("avg_pool2d", x, kernel, stride, padding);
        Tensor y = Tensor.uninitialized(x.backend(), geo.n(), geo.c(), geo.oh(), geo.ow());
        x.backend().avgPool2dForward(geo, x, y);
        int[] s = x.shape();
        return Autograd.record("avg_pool2d", y, g -> {
            Tensor dx = Tensor.uninitialized(g.backend(), s);
            g.backend().avgPool2dBackward(geo, g, dx);
            return new Tensor[] {dx};
        }, x);
    }

    public static Tensor adaptiveAvgPool2d(Tensor x, int oh, int ow) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException("adaptive_avg_pool2d: input must be (N, C, H, W), got " + Shape.str(x.shape()));
        }
        if (oh < 1 || ow < 1) throw new IllegalArgumentException("adaptive_avg_pool2d: output size must be positive");
        int[] s = x.shape();
        int nc = s[0] * s[1], h = s[2], w = s[3];
        if (h == 0 || w == 0) throw new IllegalArgumentException("adaptive_avg_pool2d: empty input " + Shape.str(s));
        Tensor y = Tensor.uninitialized(x.backend(), s[0], s[1], oh, ow);
        x.backend().adaptiveAvgPool2dForward(nc, h, w, oh, ow, x, y);
        return Autograd.record("adaptive_avg_pool2d", y, g -> {
            Tensor dx = Tensor.uninitialized(g.backend(), s);
            g.backend().adaptiveAvgPool2dBackward(nc, h, w, oh, ow, g, dx);
            return new Tensor[] {dx};
        }, x);
    }
}
