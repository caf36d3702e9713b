package org.jvicreg.engine.cpu;

/** Batch norm over (n, c, hw) float arrays; statistics in double, one channel per task. */
final class CpuBatchNorm {
    private CpuBatchNorm() {}

    static void train(int n, int c, int hw, float[] x, int xo, float[] gamma, int go, float[] beta, int bo,
                      float eps, float momentum, float[] rm, int rmo, float[] rv, int rvo,
                      float[] y, int yo, float[] mean, int mo, float[] invStd, int io) {
        long count = (long) n * hw;
        Parallel.forRange(c, 1, (lo, hi) -> {
            for (int ch = lo; ch < hi; ch++) {
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    int base = xo + (i * c + ch) * hw;
                    for (int j = 0; j < hw; j++) sum += x[base + j];
                }
                double mu = sum / count;
                double sq = 0;
                for (int i = 0; i < n; i++) {
                    int base = xo + (i * c + ch) * hw;
                    for (int j = 0; j < hw; j++) {
                        double d = x[base + j] - mu;
                        sq += d * d;
                    }
                }
                double var = sq / count;
                double inv = 1.0 / Math.sqrt(var + eps);
                mean[mo + ch] = (float) mu;
                invStd[io + ch] = (float) inv;
                float scale = (float) (gamma[go + ch] * inv);
                float shift = (float) (beta[bo + ch] - mu * gamma[go + ch] * inv);
                for (int i = 0; i < n; i++) {
                    int base = (i * c + ch) * hw;
                    for (int j = 0; j < hw; j++) y[yo + base + j] = x[xo + base + j] * scale + shift;
                }
                if (rm != null) {
                    rm[rmo + ch] = (float) ((1 - momentum) * rm[rmo + ch] + momentum * mu);
                    rv[rvo + ch] = (float) ((1 - momentum) * rv[rvo + ch] + momentum * sq / (count - 1));
                }
            }
        });
    }

    static void eval(int n, int c, int hw, float[] x, int xo, float[] gamma, int go, float[] beta, int bo,
                     float[] rm, int rmo, float[] rv, int rvo, float eps, float[] y, int yo) {
        Parallel.forRange(n * c, Math.max(1, 8192 / Math.max(1, hw)), (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int ch = t % c;
                double inv = 1.0 / Math.sqrt(rv[rvo + ch] + (double) eps);
                float scale = (float) (gamma[go + ch] * inv);
                float shift = (float) (beta[bo + ch] - rm[rmo + ch] * gamma[go + ch] * inv);
                int base = t * hw;
                for (int j = 0; j < hw; j++) y[yo + base + j] = x[xo + base + j] * scale + shift;
            }
        });
    }

    static void backward(int n, int c, int hw, float[] x, int xo, float[] dy, int dyo, float[] gamma, int go,
                         float[] mean, int mo, float[] invStd, int io, float[] dx, int dxo,
                         float[] dgamma, int dgo, float[] dbeta, int dbo) {
        long count = (long) n * hw;
        Parallel.forRange(c, 1, (lo, hi) -> {
            for (int ch = lo; ch < hi; ch++) {
                double mu = mean[mo + ch], inv = invStd[io + ch];
                double sumDy = 0, sumDyXhat = 0;
                for (int i = 0; i < n; i++) {
                    int base = (i * c + ch) * hw;
                    for (int j = 0; j < hw; j++) {
                        double g = dy[dyo + base + j];
                        sumDy += g;
                        sumDyXhat += g * (x[xo + base + j] - mu) * inv;
                    }
                }
                dbeta[dbo + ch] = (float) sumDy;
                dgamma[dgo + ch] = (float) sumDyXhat;
                double k = gamma[go + ch] * inv / count;
                float a = (float) (k * count);
                float b = (float) (-k * sumDy);
                float cx = (float) (-k * sumDyXhat * inv);
                float m = (float) mu;
                // dx = k * (count*dy - sumDy - xhat*sumDyXhat), xhat = (x - mu) * inv
                for (int i = 0; i < n; i++) {
                    int base = (i * c + ch) * hw;
                    for (int j = 0; j < hw; j++) {
                        dx[dxo + base + j] = a * dy[dyo + base + j] + b + cx * (x[xo + base + j] - m);
                    }
                }
            }
        });
    }
}
