package org.jvicreg.vicreg.train;

/**
 * Eigenvalues of a real symmetric matrix in double precision: Householder reduction to tridiagonal
 * form, then the implicit QL algorithm with Wilkinson shifts (the classic tred2/tql2 pair, without
 * eigenvectors). O(n^3) with a small constant, small beside a training step for RankMe's n = min(N, D).
 */
public final class SymmetricEigenvalues {
    private SymmetricEigenvalues() {}

    /** The eigenvalues of the n x n symmetric matrix a (row-major; only symmetry is assumed), ascending. */
    public static double[] of(double[] a, int n) {
        if (a.length != n * n) throw new IllegalArgumentException("eigenvalues: expected " + n * n + " entries, got " + a.length);
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) m[i][j] = 0.5 * (a[i * n + j] + a[j * n + i]);
        double[] d = new double[n], e = new double[n];
        tridiagonalize(m, d, e);
        ql(d, e);
        java.util.Arrays.sort(d);
        return d;
    }

    /** Householder reduction: on return d is the diagonal and e[1..n-1] the sub-diagonal (e[0] = 0). */
    private static void tridiagonalize(double[][] a, double[] d, double[] e) {
        int n = d.length;
        for (int i = n - 1; i > 0; i--) {
            int l = i - 1;
            double h = 0, scale = 0;
            if (l > 0) {
                for (int k = 0; k <= l; k++) scale += Math.abs(a[i][k]);
                if (scale == 0.0) {
                    e[i] = a[i][l];
                } else {
                    for (int k = 0; k <= l; k++) {
                        a[i][k] /= scale;
                        h += a[i][k] * a[i][k];
                    }
                    double f = a[i][l];
                    double g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
                    e[i] = scale * g;
                    h -= f * g;
                    a[i][l] = f - g;
                    f = 0;
                    for (int j = 0; j <= l; j++) {
                        g = 0;
                        for (int k = 0; k <= j; k++) g += a[j][k] * a[i][k];
                        for (int k = j + 1; k <= l; k++) g += a[k][j] * a[i][k];
                        e[j] = g / h;
                        f += e[j] * a[i][j];
                    }
                    double hh = f / (h + h);
                    for (int j = 0; j <= l; j++) {
                        f = a[i][j];
                        e[j] = g = e[j] - hh * f;
                        for (int k = 0; k <= j; k++) a[j][k] -= f * e[k] + g * a[i][k];
                    }
                }
            } else {
                e[i] = a[i][l];
            }
            d[i] = h;
        }
        e[0] = 0;
        for (int i = 0; i < n; i++) d[i] = a[i][i];
    }

    /** Implicit QL on the tridiagonal (d, e); d becomes the eigenvalues. */
    private static void ql(double[] d, double[] e) {
        int n = d.length;
        for (int i = 1; i < n; i++) e[i - 1] = e[i];
        if (n > 0) e[n - 1] = 0;
        for (int l = 0; l < n; l++) {
            int iter = 0;
            int m;
            do {
                for (m = l; m < n - 1; m++) {
                    double dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
                    if (Math.abs(e[m]) <= 1e-15 * dd) break;
                }
                if (m != l) {
                    if (++iter > 60) throw new ArithmeticException("eigenvalues: QL did not converge");
                    double g = (d[l + 1] - d[l]) / (2.0 * e[l]);
                    double r = Math.hypot(g, 1.0);
                    g = d[m] - d[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
                    double s = 1, c = 1, p = 0;
                    int i;
                    for (i = m - 1; i >= l; i--) {
                        double f = s * e[i], b = c * e[i];
                        r = Math.hypot(f, g);
                        e[i + 1] = r;
                        if (r == 0.0) {
                            d[i + 1] -= p;
                            e[m] = 0;
                            break;
                        }
                        s = f / r;
                        c = g / r;
                        g = d[i + 1] - p;
                        r = (d[i] - g) * s + 2.0 * c * b;
                        p = s * r;
                        d[i + 1] = g + p;
                        g = c * r - b;
                    }
                    if (r == 0.0 && i >= l) continue;
                    d[l] -= p;
                    e[l] = g;
                    e[m] = 0;
                }
            } while (m != l);
        }
    }
}
