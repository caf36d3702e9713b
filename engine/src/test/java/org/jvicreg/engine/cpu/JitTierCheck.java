package org.jvicreg.engine.cpu;

import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.backend.ConvGeometry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Run in a JVM of its own with -Xbatch -XX:-TieredCompilation (BatchLastConvTest#sameResultsInterpretedAndCompiled):
 * each convolution kernel's result on small inputs, computed once by the interpreter and again after
 * enough calls that C2 has compiled it, must be bitwise the same. Vector API operations with an
 * unspecified order (reduceLanes) differ between the two, and then a training run's result depends on
 * when the JIT got to a kernel. Exits 1 with a message naming the kernel when they differ.
 */
public final class JitTierCheck {
    private record Kernel(String name, Supplier<float[]> run) {}

    private static final CpuBackend CPU = CpuBackend.INSTANCE;

    /** A kernel that writes a fresh zero tensor of this shape; its result is that tensor's values. */
    private static Kernel kernel(String name, int[] shape, Consumer<Tensor> op) {
        return new Kernel(name, () -> {
            Tensor out = Tensor.zeros(shape);
            op.accept(out);
            return out.toArray();
        });
    }

    public static void main(String[] args) {
        Rng rng = new Rng(3);
        List<Kernel> kernels = new ArrayList<>();
        ConvGeometry[] batchLast = {
                new ConvGeometry(32, 4, 6, 6, 8, 1, 1, 2, 2, 0, 0, 1, 1, 1),   // filter gradient: 4x4 dot tiles
                new ConvGeometry(32, 1, 6, 6, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1),   // 4x1 dot tiles (a 1-channel stem)
                new ConvGeometry(32, 16, 5, 5, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),  // channels-last GEMM, narrow tile
                new ConvGeometry(32, 24, 6, 5, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1)}; // Winograd F(4x4, 3x3), edge tiles
        for (ConvGeometry nchw : batchLast) {
            ConvGeometry g = nchw.withLayout(ConvGeometry.Layout.BATCH_LAST);
            Tensor x = Tensor.randn(rng, g.c(), g.h(), g.w(), g.n()), w = Tensor.randn(rng, g.k(), g.c(), g.r(), g.s());
            Tensor dy = Tensor.randn(rng, g.k(), g.p(), g.q(), g.n());
            kernels.add(kernel("batch-last forward " + g, dy.shape(), y -> CPU.conv2dForward(g, x, w, y)));
            kernels.add(kernel("batch-last filter gradient " + g, w.shape(), dw -> CPU.conv2dBackwardFilter(g, x, dy, dw)));
            if (g.c() > 1) kernels.add(kernel("batch-last input gradient " + g, x.shape(), dx -> CPU.conv2dBackwardData(g, dy, w, dx)));
        }
        // NCHW, strided, read in place from stride phases; input gradient by phase
        ConvGeometry g = new ConvGeometry(1, 8, 20, 20, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1);
        Tensor x = Tensor.randn(rng, g.n(), g.c(), g.h(), g.w()), w = Tensor.randn(rng, g.k(), g.c(), g.r(), g.s());
        Tensor dy = Tensor.randn(rng, g.n(), g.k(), g.p(), g.q());
        kernels.add(kernel("forward " + g, dy.shape(), y -> CPU.conv2dForward(g, x, w, y)));
        kernels.add(kernel("input gradient " + g, x.shape(), dx -> CPU.conv2dBackwardData(g, dy, w, dx)));
        kernels.add(kernel("filter gradient " + g, w.shape(), dw -> CPU.conv2dBackwardFilter(g, x, dy, dw)));

        List<float[]> interpreted = new ArrayList<>();
        for (Kernel k : kernels) interpreted.add(k.run().get());
        for (int rep = 0; rep < 3000; rep++) {
            for (Kernel k : kernels) k.run().get();
        }
        for (int i = 0; i < kernels.size(); i++) {
            if (!Arrays.equals(interpreted.get(i), kernels.get(i).run().get())) {
                System.err.println(kernels.get(i).name() + ": compiled result differs from the interpreted one");
                System.exit(1);
            }
        }
    }
}
