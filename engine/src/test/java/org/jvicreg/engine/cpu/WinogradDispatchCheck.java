package org.jvicreg.engine.cpu;

import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.ConvGeometry;

/**
 * Run in a JVM of its own with -Djvicreg.cpu.winograd=always (ConvKernelsTest#winogradWhenAskedFor): the CPU
 * backend's three convolution passes on a 3x3 stride-1 layer must be Winograd4x4's results bitwise (Winograd3x3's
 * where the channel counts are not multiples of the vector length), a batch-last one's forward and input
 * gradient BatchLastWinograd's, and a strided layer must still run (directly). Exits 1 with a message when not.
 */
public final class WinogradDispatchCheck {
    public static void main(String[] args) {
        Rng r = new Rng(5);
        // channel counts that F(4x4) cannot take (not multiples of the vector length): F(2x2); others F(4x4)
        checkNchw(new ConvGeometry(2, 20, 10, 9, 36, 3, 3, 1, 1, 1, 1, 1, 1, 1), false, r);
        checkNchw(new ConvGeometry(2, 32, 10, 9, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1), true, r);
        // batch-last: forward and input gradient through BatchLastWinograd, whatever the channel counts
        ConvGeometry b = new ConvGeometry(SgemmKernel.NR, 8, 5, 6, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1).withLayout(ConvGeometry.Layout.BATCH_LAST);
        Tensor bx = Tensor.randn(r, b.c(), b.h(), b.w(), b.n()), bw = Tensor.randn(r, b.k(), b.c(), 3, 3);
        Tensor bdy = Tensor.randn(r, b.k(), b.p(), b.q(), b.n());
        Tensor by = Tensor.zeros(bdy.shape()), bdx = Tensor.zeros(bx.shape());
        CpuBackend.INSTANCE.conv2dForward(b, bx, bw, by);
        CpuBackend.INSTANCE.conv2dBackwardData(b, bdy, bw, bdx);
        float[] by2 = new float[by.numel()], bdx2 = new float[bdx.numel()];
        BatchLastWinograd.forward(b, bx.toArray(), 0, bw.toArray(), 0, by2, 0);
        BatchLastWinograd.backwardData(b, bdy.toArray(), 0, bw.toArray(), 0, bdx2, 0);
        if (!java.util.Arrays.equals(by.toArray(), by2)) fail("batch-last forward");
        if (!java.util.Arrays.equals(bdx.toArray(), bdx2)) fail("batch-last input gradient");
        ConvGeometry strided = new ConvGeometry(2, 24, 10, 9, 40, 3, 3, 2, 2, 1, 1, 1, 1, 1);
        if (Winograd3x3.fits(strided)) fail("a strided layer taken as Winograd");
        Tensor x = Tensor.randn(r, 2, 24, 10, 9), w = Tensor.randn(r, 40, 24, 3, 3);
        CpuBackend.INSTANCE.conv2dForward(strided, x, w, Tensor.zeros(2, 40, strided.p(), strided.q()));
    }

    /** The backend's three passes on g against Winograd4x4's ({@code f4}) or Winograd3x3's, bitwise. */
    private static void checkNchw(ConvGeometry g, boolean f4, Rng r) {
        Tensor x = Tensor.randn(r, g.n(), g.c(), g.h(), g.w()), w = Tensor.randn(r, g.k(), g.c(), 3, 3);
        Tensor dy = Tensor.randn(r, g.n(), g.k(), g.p(), g.q());
        Tensor y = Tensor.zeros(dy.shape()), dx = Tensor.zeros(x.shape()), dw = Tensor.zeros(w.shape());
        CpuBackend.INSTANCE.conv2dForward(g, x, w, y);
        CpuBackend.INSTANCE.conv2dBackwardData(g, dy, w, dx);
        CpuBackend.INSTANCE.conv2dBackwardFilter(g, x, dy, dw);
        float[] y2 = new float[y.numel()], dx2 = new float[dx.numel()], dw2 = new float[dw.numel()];
        if (f4) {
            Winograd4x4.forward(g, x.toArray(), 0, w.toArray(), 0, y2, 0);
            Winograd4x4.backwardData(g, dy.toArray(), 0, w.toArray(), 0, dx2, 0);
            Winograd4x4.backwardFilter(g, x.toArray(), 0, dy.toArray(), 0, dw2, 0);
        } else {
            Winograd3x3.forward(g, x.toArray(), 0, w.toArray(), 0, y2, 0);
            Winograd3x3.backwardData(g, dy.toArray(), 0, w.toArray(), 0, dx2, 0);
            Winograd3x3.backwardFilter(g, x.toArray(), 0, dy.toArray(), 0, dw2, 0);
        }
        String kernel = f4 ? "F(4x4) " : "F(2x2) ";
        if (!java.util.Arrays.equals(y.toArray(), y2)) fail(kernel + "forward");
        if (!java.util.Arrays.equals(dx.toArray(), dx2)) fail(kernel + "input gradient");
        if (!java.util.Arrays.equals(dw.toArray(), dw2)) fail(kernel + "filter gradient");
    }

    private static void fail(String what) {
        System.err.println("with -Djvicreg.cpu.winograd=always the backend's " + what + " is not Winograd's");
        System.exit(1);
    }
}
