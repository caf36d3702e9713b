package org.jvicreg.engine.cpu;

/** Per-column mean, std and hinge gradient in one pass ({@code Backend#columnStdHinge}). */
final class ColumnStdHinge {
    private ColumnStdHinge() {}

    static void run(int n, int d, float[] z, int zo, float eps, float[] zc, int zco, float[] std, int so,
                            float[] hg, int ho) {
        // column blocks keep the row-major walk contiguous; statistics accumulate in double
        int block = 256;
        int blocks = (d + block - 1) / block;
        Parallel.forRange(blocks, 1, (lo, hi) -> {
            double[] sum = new double[block], sq = new double[block];
            for (int b = lo; b < hi; b++) {
                int j0 = b * block, j1 = Math.min(d, j0 + block), w = j1 - j0;
                java.util.Arrays.fill(sum, 0);
                java.util.Arrays.fill(sq, 0);
                for (int i = 0; i < n; i++) {
                    int row = zo + i * d;
                    for (int j = 0; j < w; j++) sum[j] += z[row + j0 + j];
                }
                for (int j = 0; j < w; j++) sum[j] /= n;
                for (int i = 0; i < n; i++) {
                    int row = i * d;
                    for (int j = 0; j < w; j++) {
                        float c = (float) (z[zo + row + j0 + j] - sum[j]);
                        zc[zco + row + j0 + j] = c;
                        sq[j] += (double) c * c;
                    }
                }
                for (int j = 0; j < w; j++) {
                    double s = Math.sqrt(sq[j] / (n - 1) + eps);
                    std[so + j0 + j] = (float) s;
                    // reuse sq[] as the per-column gradient factor
                    sq[j] = s < 1.0 ? -1.0 / ((n - 1) * s) : 0.0;
                }
                for (int i = 0; i < n; i++) {
                    int row = i * d;
                    for (int j = 0; j < w; j++) hg[ho + row + j0 + j] = (float) (zc[zco + row + j0 + j] * sq[j]);
                }
            }
        });
    }
}
