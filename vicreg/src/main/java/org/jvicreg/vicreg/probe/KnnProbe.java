package org.jvicreg.vicreg.probe;

import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Tensor;

/**
 * Weighted k-nearest-neighbour classification on frozen features (as in Wu et al. 2018 and DINO):
 * features L2-normalised, the k training samples of highest cosine similarity vote for their class
 * with weight exp(similarity / T). Defaults k = 20, T = 0.07.
 */
public final class KnnProbe {
    public static final int K = 20;
    public static final double TEMPERATURE = 0.07;

    private KnnProbe() {}

    public static double evaluate(Features train, Features test, int k, double temperature) {
        if (train.dim() != test.dim()) throw new IllegalArgumentException("train and test features differ in size");
        if (k < 1 || k > train.n()) throw new IllegalArgumentException("k must be in 1.." + train.n() + ", got " + k);
        int d = train.dim(), classes = Math.max(train.numClasses(), test.numClasses());
        Tensor bank = normalised(train.values(), train.n(), d);
        float[] testNorm = normalised(test.values(), test.n(), d).toArray();
        int correct = 0;
        int chunk = 256;
        float[] topSim = new float[k];
        int[] topIdx = new int[k];
        double[] votes = new double[classes];
        try (var g = Grad.off()) {
            for (int start = 0; start < test.n(); start += chunk) {
                int n = Math.min(chunk, test.n() - start);
                Tensor q = Tensor.of(java.util.Arrays.copyOfRange(testNorm, start * d, (start + n) * d), n, d);
                float[] sims = q.matmul(bank, false, true).toArray();
                for (int i = 0; i < n; i++) {
                    topK(sims, i * train.n(), train.n(), topSim, topIdx);
                    java.util.Arrays.fill(votes, 0);
                    for (int j = 0; j < k; j++) votes[train.labels()[topIdx[j]]] += Math.exp(topSim[j] / temperature);
                    int best = 0;
                    for (int c = 1; c < classes; c++) if (votes[c] > votes[best]) best = c;
                    if (best == test.labels()[start + i]) correct++;
                }
            }
        }
        return (double) correct / test.n();
    }

    /** The k largest of row[off, off + n) (ties to the lower index), unordered, in topSim/topIdx. */
    static void topK(float[] row, int off, int n, float[] topSim, int[] topIdx) {
        int k = topSim.length;
        int filled = 0, minPos = 0;
        for (int j = 0; j < n; j++) {
            float v = row[off + j];
            if (filled < k) {
                topSim[filled] = v;
                topIdx[filled] = j;
                filled++;
                if (filled == k) minPos = argmin(topSim);
            } else if (v > topSim[minPos]) {
                topSim[minPos] = v;
                topIdx[minPos] = j;
                minPos = argmin(topSim);
            }
        }
    }

    private static int argmin(float[] a) {
        int m = 0;
        for (int i = 1; i < a.length; i++) if (a[i] < a[m]) m = i;
        return m;
    }

    private static Tensor normalised(float[] values, int n, int d) {
        float[] out = new float[n * d];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) s += (double) values[i * d + j] * values[i * d + j];
            float inv = (float) (1 / Math.max(Math.sqrt(s), 1e-12));
            for (int j = 0; j < d; j++) out[i * d + j] = values[i * d + j] * inv;
        }
        return Tensor.of(out, n, d);
    }
}
