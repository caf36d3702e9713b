package org.jvicreg.nn;

import org.jvicreg.engine.F;
import org.jvicreg.engine.Tensor;

/** The parameter-free layers: ReLU, MaxPool2d, AdaptiveAvgPool2d, Flatten, Identity. */
public final class Layers {
    private Layers() {}

    public static final class ReLU extends Module {
        @Override
        public Tensor forward(Tensor x) {
            return x.relu();
        }
    }

    public static final class MaxPool2d extends Module {
        private final int kernel, stride, padding;

        public MaxPool2d(int kernel, int stride, int padding) {
            this.kernel = kernel;
            this.stride = stride;
            this.padding = padding;
        }

        @Override
        public Tensor forward(Tensor x) {
            return F.maxPool2d(x, kernel, stride, padding);
        }
    }

    public static final class AdaptiveAvgPool2d extends Module {
        private final int h, w;

        public AdaptiveAvgPool2d(int h, int w) {
            this.h = h;
            this.w = w;
        }

        @Override
        public Tensor forward(Tensor x) {
            return F.adaptiveAvgPool2d(x, h, w);
        }
    }

    /** (N, ...) to (N, prod(...)). */
    public static final class Flatten extends Module {
        @Override
        public Tensor forward(Tensor x) {
            return x.flatten(1);
        }
    }

    public static final class Identity extends Module {
        @Override
        public Tensor forward(Tensor x) {
            return x;
        }
    }
}
