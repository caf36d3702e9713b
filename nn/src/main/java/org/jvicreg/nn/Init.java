package org.jvicreg.nn;

import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;

/** Weight initialisers with PyTorch's definitions (torch.nn.init). */
public final class Init {
    private Init() {}

    /** fan_in and fan_out of a Linear (out, in) or Conv (out, in/groups, kh, kw) weight shape. */
    public static int[] fans(int[] shape) {
        if (shape.length < 2) throw new IllegalArgumentException("fans need a weight with at least 2 axes");
        int receptive = 1;
        for (int i = 2; i < shape.length; i++) receptive *= shape[i];
        return new int[] {shape[1] * receptive, shape[0] * receptive};
    }

    public static Tensor uniform(Rng rng, float bound, int... shape) {
        float[] d = Tensor.rand(rng, shape).toArray();
        for (int i = 0; i < d.length; i++) d[i] = (2 * d[i] - 1) * bound;
        return Tensor.of(d, shape);
    }

    public static Tensor normal(Rng rng, float std, int... shape) {
        return Tensor.randn(rng, shape).mul(std);
    }

    /**
     * PyTorch's default for Linear and Conv weights: kaiming_uniform_(a=sqrt(5)), which is
     * U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
     */
    public static Tensor defaultWeight(Rng rng, int... shape) {
        return uniform(rng, (float) (1.0 / Math.sqrt(fans(shape)[0])), shape);
    }

    /** PyTorch's default bias for Linear and Conv: U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
    public static Tensor defaultBias(Rng rng, int fanIn, int n) {
        return uniform(rng, (float) (fanIn > 0 ? 1.0 / Math.sqrt(fanIn) : 0), n);
    }

    /** kaiming_normal_(mode='fan_out', nonlinearity='relu'): N(0, 2/fan_out), as torchvision's ResNet. */
    public static Tensor kaimingNormalFanOut(Rng rng, int... shape) {
        return normal(rng, (float) Math.sqrt(2.0 / fans(shape)[1]), shape);
    }
}
