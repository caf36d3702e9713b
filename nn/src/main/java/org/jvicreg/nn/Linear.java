package org.jvicreg.nn;

import org.jvicreg.engine.F;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;

/** y = x W^T + b with W (out, in); PyTorch's default initialisation. */
public final class Linear extends Module {
    private final int in, out;

    public Linear(int in, int out, boolean bias, Rng rng) {
        this.in = in;
        this.out = out;
        registerParameter("weight", Init.defaultWeight(rng, out, in));
        if (bias) registerParameter("bias", Init.defaultBias(rng, in, out));
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.size(-1) != in) {
            throw new IllegalArgumentException("Linear(" + in + " -> " + out + "): input has " + x.size(-1)
                    + " features (shape " + org.jvicreg.engine.Shape.str(x.shape()) + ")");
        }
        return F.linear(x, param("weight"), param("bias"));
    }

    public Tensor weight() {
        return param("weight");
    }

    public Tensor bias() {
        return param("bias");
    }
}
