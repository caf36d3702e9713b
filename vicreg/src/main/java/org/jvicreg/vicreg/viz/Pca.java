package org.jvicreg.vicreg.viz;

import org.jvicreg.engine.Rng;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Principal component analysis of n points in d dimensions, down to k: the top k eigenvectors of the
 * covariance by randomised subspace iteration (Halko, Martinsson and Tropp 2011, algorithm 4.4): l = k + 10
 * random directions from the seed, {@value #ITERATIONS} rounds of Q = orth(Xc^T Xc Q), then Rayleigh-Ritz on
 * the l x l matrix Q^T C Q (Jacobi). With d <= l the subspace is the whole space and the result is the exact
 * decomposition. O(n d l) per round, no d x d matrix. All in double, each output row summed by one thread
 * in a fixed order: the result depends on the seed only, not on the number of threads.
 */
public final class Pca {
    static final int OVERSAMPLING = 10, ITERATIONS = 8;

    /**
     * The projection: {@code coords} (n x k, row-major) are the centred points on the components,
     * {@code variances} the variance along each (descending), {@code totalVariance} the sum over all d.
     */
    public record Result(double[] coords, int n, int k, double[] variances, double totalVariance) {
        /** The fraction of the variance the k components hold. */
        public double explained() {
            return totalVariance == 0 ? 0 : Arrays.stream(variances).sum() / totalVariance;
        }
    }

    private Pca() {}

    /** The top {@code k} principal components of {@code x} (n x d, row-major); k is cut to d. */
    public static Result project(float[] x, int n, int d, int k, long seed) {
        if (n < 2) throw new IllegalArgumentException("PCA needs at least 2 points, got " + n);
        if (d < 1 || k < 1) throw new IllegalArgumentException("PCA needs d >= 1 and k >= 1, got d " + d + ", k " + k);
        if ((long) n * d != x.length) throw new IllegalArgumentException("PCA: " + x.length + " values are not " + n + " x " + d);
        k = Math.min(k, d);
        double[] xc = centred(x, n, d), xcT = transpose(xc, n, d); // products with Xc are taken as (Xc^T)^T B
        double total = 0;
        for (double v : xc) total += v * v;
        total /= n - 1;
        int l = Math.min(d, k + OVERSAMPLING);
        double[] q = new double[d * l]; // d x l
        if (l == d) {
            for (int i = 0; i < d; i++) q[i * l + i] = 1;
        } else {
            Rng rng = new Rng(seed);
            for (int i = 0; i < q.length; i++) q[i] = rng.nextGaussian();
            orthonormalise(q, d, l);
            for (int it = 0; it < ITERATIONS; it++) {
                q = transposeTimes(xc, transposeTimes(xcT, q, d, n, l), n, d, l);
                orthonormalise(q, d, l);
            }
        }
        double[] a = transposeTimes(xcT, q, d, n, l); // n x l: the points on the subspace
        double[] small = transposeTimes(a, a, n, l, l); // l x l: Q^T Xc^T Xc Q
        for (int i = 0; i < small.length; i++) small[i] /= n - 1;
        Eigen e = jacobi(small, l);
        double[] v = new double[l * k];
        for (int c = 0; c < k; c++) {
            // the sign that makes the component's largest coefficient (in the original space) positive
            double best = 0;
            for (int t = 0; t < d; t++) {
                double comp = 0;
                for (int j = 0; j < l; j++) comp += q[t * l + j] * e.vectors[j * l + e.order[c]];
                if (Math.abs(comp) > Math.abs(best)) best = comp;
            }
            double sign = best < 0 ? -1 : 1;
            for (int j = 0; j < l; j++) v[j * k + c] = sign * e.vectors[j * l + e.order[c]];
        }
        double[] coords = transposeTimes(transpose(a, n, l), v, l, n, k);
        double[] variances = new double[k];
        for (int c = 0; c < k; c++) variances[c] = Math.max(0, e.values[e.order[c]]);
        return new Result(coords, n, k, variances, total);
    }

    /** x (n x d) less its column means, in double. */
    public static double[] centred(float[] x, int n, int d) {
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) for (int t = 0; t < d; t++) mean[t] += x[i * d + t];
        for (int t = 0; t < d; t++) mean[t] /= n;
        double[] xc = new double[n * d];
        for (int i = 0; i < n; i++) for (int t = 0; t < d; t++) xc[i * d + t] = x[i * d + t] - mean[t];
        return xc;
    }

    /** The transpose of a (r x s): s x r. */
    public static double[] transpose(double[] a, int r, int s) {
        double[] t = new double[r * s];
        for (int i = 0; i < r; i++) for (int j = 0; j < s; j++) t[j * r + i] = a[i * s + j];
        return t;
    }

    /** A^T B for A (r x s) and B (r x c): s x c, each output row by one thread. */
    public static double[] transposeTimes(double[] a, double[] b, int r, int s, int c) {
        double[] out = new double[s * c];
        IntStream.range(0, s).parallel().forEach(t -> {
            int o = t * c;
            for (int i = 0; i < r; i++) {
                double v = a[i * s + t];
                if (v == 0) continue;
                for (int j = 0; j < c; j++) out[o + j] += v * b[i * c + j];
            }
        });
        return out;
    }

    /** Modified Gram-Schmidt on the l columns of q (d x l), twice for accuracy; a column that vanishes stays 0. */
    static void orthonormalise(double[] q, int d, int l) {
        for (int pass = 0; pass < 2; pass++) {
            for (int j = 0; j < l; j++) {
                for (int p = 0; p < j; p++) {
                    double dot = 0;
                    for (int t = 0; t < d; t++) dot += q[t * l + j] * q[t * l + p];
                    for (int t = 0; t < d; t++) q[t * l + j] -= dot * q[t * l + p];
                }
                double norm = 0;
                for (int t = 0; t < d; t++) norm += q[t * l + j] * q[t * l + j];
                norm = Math.sqrt(norm);
                for (int t = 0; t < d; t++) q[t * l + j] = norm > 1e-300 ? q[t * l + j] / norm : 0;
            }
        }
    }

    /** Eigenvalues, eigenvectors (columns of an m x m matrix) and the indices of the values in descending order. */
    record Eigen(double[] values, double[] vectors, int[] order) {}

    /** Cyclic Jacobi rotations on a small symmetric m x m matrix until the off-diagonal part vanishes. */
    static Eigen jacobi(double[] s, int m) {
        double[] a = s.clone(), v = new double[m * m];
        for (int i = 0; i < m; i++) v[i * m + i] = 1;
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0, diag = 0;
            for (int i = 0; i < m; i++) {
                diag += a[i * m + i] * a[i * m + i];
                for (int j = i + 1; j < m; j++) off += a[i * m + j] * a[i * m + j];
            }
            if (off <= 1e-30 * diag || off == 0) break;
            for (int p = 0; p < m; p++) {
                for (int r = p + 1; r < m; r++) {
                    double apr = a[p * m + r];
                    if (apr == 0) continue;
                    double theta = (a[r * m + r] - a[p * m + p]) / (2 * apr);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.sqrt(t * t + 1), sn = t * c;
                    for (int i = 0; i < m; i++) { // columns p and r
                        double aip = a[i * m + p], air = a[i * m + r];
                        a[i * m + p] = c * aip - sn * air;
                        a[i * m + r] = sn * aip + c * air;
                    }
                    for (int i = 0; i < m; i++) { // rows p and r
                        double api = a[p * m + i], ari = a[r * m + i];
                        a[p * m + i] = c * api - sn * ari;
                        a[r * m + i] = sn * api + c * ari;
                    }
                    for (int i = 0; i < m; i++) {
                        double vip = v[i * m + p], vir = v[i * m + r];
                        v[i * m + p] = c * vip - sn * vir;
                        v[i * m + r] = sn * vip + c * vir;
                    }
                }
            }
        }
        double[] values = new double[m];
        for (int i = 0; i < m; i++) values[i] = a[i * m + i];
        int[] order = IntStream.range(0, m).boxed().sorted((i, j) -> Double.compare(values[j], values[i])).mapToInt(Integer::intValue).toArray();
        return new Eigen(values, v, order);
    }
}
