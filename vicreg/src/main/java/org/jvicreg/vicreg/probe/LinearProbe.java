package org.jvicreg.vicreg.probe;

import org.jvicreg.engine.F;
import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.nn.Linear;
import org.jvicreg.nn.optim.Sgd;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Linear evaluation on frozen features: features standardised with the training set's per-dimension
 * mean and std, one linear layer (PyTorch's default init) trained with cross-entropy by SGD
 * (momentum 0.9, weight decay 1e-5, batch 256, learning rate 0.1 with a cosine decay to 0 over the
 * epochs, reshuffled each epoch from the seed); top-1 accuracy on the test features.
 * bench/pytorch/recipe_r.py does exactly the same in PyTorch.
 */
public final class LinearProbe {
    public static final int BATCH = 256;
    public static final double LR = 0.1, MOMENTUM = 0.9, WEIGHT_DECAY = 1e-5;

    private LinearProbe() {}

    public static double evaluate(Features train, Features test, int epochs, long seed, PrintStream progress) {
        if (train.dim() != test.dim()) throw new IllegalArgumentException("train and test features differ in size");
        int d = train.dim(), classes = Math.max(train.numClasses(), test.numClasses());
        float[] mean = new float[d], std = new float[d];
        standardisation(train, mean, std);
        float[] xtr = standardise(train, mean, std), xte = standardise(test, mean, std);
        Rng rng = new Rng(seed);
        Linear head = new Linear(d, classes, true, rng);
        Sgd opt = new Sgd(head.parameters(), LR, MOMENTUM, WEIGHT_DECAY, false);
        int steps = (train.n() + BATCH - 1) / BATCH, total = steps * epochs, step = 0;
        int[] order = new int[train.n()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        float[] bx = new float[BATCH * d], by = new float[BATCH];
        for (int e = 0; e < epochs; e++) {
            rng.shuffle(order);
            double lossSum = 0;
            for (int s = 0; s < steps; s++, step++) {
                int start = s * BATCH, n = Math.min(BATCH, train.n() - start);
                for (int j = 0; j < n; j++) {
                    System.arraycopy(xtr, order[start + j] * d, bx, j * d, d);
                    by[j] = train.labels()[order[start + j]];
                }
                opt.setLr(LR * 0.5 * (1 + Math.cos(Math.PI * step / total)));
                Tensor x = Tensor.of(java.util.Arrays.copyOf(bx, n * d), n, d), y = Tensor.of(java.util.Arrays.copyOf(by, n), n);
                Tensor loss = F.crossEntropy(head.forward(x), y);
                opt.zeroGrad();
                loss.backward();
                opt.step();
                lossSum += loss.item() * n;
            }
            if (progress != null && ((e + 1) % 10 == 0 || e + 1 == epochs)) {
                progress.printf(Locale.ROOT, "linear probe: epoch %d/%d, train loss %.4f%n", e + 1, epochs, lossSum / train.n());
            }
        }
        return accuracy(head, xte, test, d);
    }

    private static double accuracy(Linear head, float[] x, Features test, int d) {
        int correct = 0;
        try (var g = Grad.off()) {
            for (int start = 0; start < test.n(); start += 4096) {
                int n = Math.min(4096, test.n() - start);
                Tensor xb = Tensor.of(java.util.Arrays.copyOfRange(x, start * d, (start + n) * d), n, d);
                float[] pred = head.forward(xb).argmax(1, false).toArray();
                for (int j = 0; j < n; j++) if ((int) pred[j] == test.labels()[start + j]) correct++;
            }
        }
        return (double) correct / test.n();
    }

    static void standardisation(Features f, float[] mean, float[] std) {
        int d = f.dim();
        double[] s = new double[d], sq = new double[d];
        for (int i = 0; i < f.n(); i++) {
            for (int j = 0; j < d; j++) {
                double v = f.values()[i * d + j];
                s[j] += v;
                sq[j] += v * v;
            }
        }
        for (int j = 0; j < d; j++) {
            double m = s[j] / f.n();
            mean[j] = (float) m;
            std[j] = (float) Math.sqrt(Math.max(0, sq[j] / f.n() - m * m) + 1e-8);
        }
    }

    static float[] standardise(Features f, float[] mean, float[] std) {
        int d = f.dim();
        float[] out = new float[f.n() * d];
        for (int i = 0; i < f.n(); i++) for (int j = 0; j < d; j++) out[i * d + j] = (f.values()[i * d + j] - mean[j]) / std[j];
        return out;
    }
}
