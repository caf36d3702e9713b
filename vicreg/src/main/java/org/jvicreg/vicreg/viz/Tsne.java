package org.jvicreg.vicreg.viz;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * t-SNE (van der Maaten and Hinton 2008) to two dimensions, as scikit-learn runs it: input affinities from
 * the {@code 3 * perplexity} nearest neighbours of each point (van der Maaten 2014), each row's Gaussian
 * bandwidth found by bisection to match the perplexity, symmetrised; the layout starts from the first two
 * principal components scaled to standard deviation 1e-4, then {@link Options#iterations} steps of gradient
 * descent with momentum (0.5, then 0.8) and per-coordinate gains, the attraction exaggerated 12 times for
 * the first 250. The gradient is exact: every pair's repulsion each step, O(n^2), vectorised and split over
 * blocks of rows (each row summed by one thread in a fixed order, so the map depends on the input and the
 * options, never on the number of threads).
 */
public final class Tsne {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int BLOCK = 32;

    /**
     * @param perplexity         the effective number of neighbours (cut to (n - 1) / 3 for small n)
     * @param iterations         gradient steps in all
     * @param exaggeration       attraction factor of the first {@code exaggerationSteps} steps
     * @param learningRate       step size; 0 picks scikit-learn's "auto", max(n / exaggeration / 4, 50)
     */
    public record Options(double perplexity, int iterations, double exaggeration, int exaggerationSteps, double learningRate) {
        public static final Options DEFAULT = new Options(30, 1000, 12, 250, 0);

        public Options {
            if (!(perplexity > 0)) throw new IllegalArgumentException("t-SNE perplexity must be positive, got " + perplexity);
            if (iterations < 1) throw new IllegalArgumentException("t-SNE needs at least one iteration, got " + iterations);
            if (!(exaggeration >= 1)) throw new IllegalArgumentException("t-SNE exaggeration must be >= 1, got " + exaggeration);
            if (!(learningRate >= 0)) throw new IllegalArgumentException("t-SNE learning rate must be >= 0, got " + learningRate);
        }

        public Options withPerplexity(double p) {
            return new Options(p, iterations, exaggeration, exaggerationSteps, learningRate);
        }
    }

    /** The map (n x 2, row-major) and the Kullback-Leibler divergence between the affinities and the map's. */
    public record Result(float[] coords, int n, double klDivergence, double perplexity) {}

    /** Sparse symmetric affinities P in compressed rows: row i's neighbours {@code col[start[i] .. start[i+1])}. */
    record Affinities(int[] start, int[] col, double[] p) {}

    private Tsne() {}

    /** The t-SNE map of {@code x} (n x d, row-major; typically 50 principal components), at least 4 points. */
    public static Result embed(float[] x, int n, int d, Options o, long seed) {
        if (n < 4) throw new IllegalArgumentException("t-SNE needs at least 4 points, got " + n);
        if ((long) n * d != x.length) throw new IllegalArgumentException("t-SNE: " + x.length + " values are not " + n + " x " + d);
        double perplexity = Math.min(o.perplexity(), (n - 1) / 3.0);
        int k = Math.min(n - 1, (int) (3 * perplexity + 1));
        Affinities p = affinities(x, n, d, k, perplexity);
        double[] y = initial(x, n, d, seed);
        double lr = o.learningRate() > 0 ? o.learningRate() : Math.max(n / o.exaggeration() / 4, 50);
        double[] update = new double[2 * n], gains = new double[2 * n], grad = new double[2 * n];
        Arrays.fill(gains, 1);
        for (int it = 0; it < o.iterations(); it++) {
            boolean early = it < o.exaggerationSteps();
            gradient(y, n, p, early ? o.exaggeration() : 1, grad);
            double momentum = early ? 0.5 : 0.8;
            for (int i = 0; i < 2 * n; i++) {
                gains[i] = update[i] * grad[i] < 0 ? gains[i] + 0.2 : gains[i] * 0.8;
                if (gains[i] < 0.01) gains[i] = 0.01;
                update[i] = momentum * update[i] - lr * gains[i] * grad[i];
                y[i] += update[i];
            }
        }
        float[] coords = new float[2 * n];
        for (int i = 0; i < 2 * n; i++) coords[i] = (float) y[i];
        return new Result(coords, n, klDivergence(y, n, p), perplexity);
    }

    /** The first two principal components, scaled so that the first has standard deviation 1e-4. */
    static double[] initial(float[] x, int n, int d, long seed) {
        Pca.Result pc = Pca.project(x, n, d, 2, seed);
        double[] y = new double[2 * n];
        double sd = Math.sqrt(pc.variances()[0]);
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 2; c++) y[2 * i + c] = c < pc.k() && sd > 0 ? pc.coords()[i * pc.k() + c] / sd * 1e-4 : 0;
        }
        return y;
    }

    /** Conditional affinities over each point's k nearest neighbours at the perplexity, then P = (P + P^T) / 2n. */
    static Affinities affinities(float[] x, int n, int d, int k, double perplexity) {
        int[] nbr = new int[n * k];
        double[] cond = new double[n * k];
        double target = Math.log(perplexity);
        IntStream.range(0, n).parallel().forEach(i -> {
            double[] dist = new double[n];
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int t = 0; t < d; t++) {
                    double diff = x[i * d + t] - x[j * d + t];
                    s += diff * diff;
                }
                dist[j] = s;
            }
            dist[i] = Double.POSITIVE_INFINITY;
            Integer[] idx = new Integer[n];
            for (int j = 0; j < n; j++) idx[j] = j;
            Arrays.sort(idx, (a, b) -> dist[a] != dist[b] ? Double.compare(dist[a], dist[b]) : Integer.compare(a, b));
            double[] dk = new double[k];
            for (int j = 0; j < k; j++) {
                nbr[i * k + j] = idx[j];
                dk[j] = dist[idx[j]];
            }
            double[] row = bandwidth(dk, target);
            System.arraycopy(row, 0, cond, i * k, k);
        });
        // symmetrise: p_ij = (p_j|i + p_i|j) / 2n, over the union of both neighbour lists
        java.util.List<java.util.Map<Integer, Double>> rows = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) rows.add(new java.util.TreeMap<>());
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                int c = nbr[i * k + j];
                double v = cond[i * k + j] / (2.0 * n);
                rows.get(i).merge(c, v, Double::sum);
                rows.get(c).merge(i, v, Double::sum);
            }
        }
        int[] start = new int[n + 1];
        for (int i = 0; i < n; i++) start[i + 1] = start[i] + rows.get(i).size();
        int[] col = new int[start[n]];
        double[] p = new double[start[n]];
        for (int i = 0; i < n; i++) {
            int q = start[i];
            for (var e : rows.get(i).entrySet()) {
                col[q] = e.getKey();
                p[q++] = e.getValue();
            }
        }
        return new Affinities(start, col, p);
    }

    /**
     * p_j = exp(-beta d_j) / sum, with beta bisected until the entropy is log(perplexity) (natural log), as
     * scikit-learn's binary search: at most 100 steps, to 1e-5.
     */
    static double[] bandwidth(double[] dist, double target) {
        int k = dist.length;
        double beta = 1, lo = Double.NEGATIVE_INFINITY, hi = Double.POSITIVE_INFINITY;
        double[] p = new double[k];
        for (int step = 0; step < 100; step++) {
            double sum = 0;
            for (int j = 0; j < k; j++) {
                p[j] = Math.exp(-dist[j] * beta);
                sum += p[j];
            }
            if (sum == 0) sum = 1e-8;
            double weighted = 0;
            for (int j = 0; j < k; j++) {
                p[j] /= sum;
                weighted += dist[j] * p[j];
            }
            double entropy = Math.log(sum) + beta * weighted;
            double diff = entropy - target;
            if (Math.abs(diff) <= 1e-5) break;
            if (diff > 0) {
                lo = beta;
                beta = hi == Double.POSITIVE_INFINITY ? beta * 2 : (beta + hi) / 2;
            } else {
                hi = beta;
                beta = lo == Double.NEGATIVE_INFINITY ? beta / 2 : (beta + lo) / 2;
            }
        }
        return p;
    }

    /**
     * dC/dy_i = 4 (exaggeration * sum_j p_ij w_ij (y_i - y_j) - sum_j w_ij^2 (y_i - y_j) / Z), with
     * w_ij = 1 / (1 + |y_i - y_j|^2) and Z = sum_{i != j} w_ij.
     */
    static void gradient(double[] y, int n, Affinities p, double exaggeration, double[] grad) {
        float[] yx = new float[n], yy = new float[n];
        for (int i = 0; i < n; i++) {
            yx[i] = (float) y[2 * i];
            yy[i] = (float) y[2 * i + 1];
        }
        double[] rep = new double[2 * n], z = new double[n];
        int blocks = (n + BLOCK - 1) / BLOCK;
        IntStream.range(0, blocks).parallel().forEach(b -> {
            float[] out = new float[3];
            for (int i = b * BLOCK; i < Math.min(n, (b + 1) * BLOCK); i++) {
                repulsion(yx, yy, i, out);
                z[i] = out[0] - 1; // less the pair (i, i), whose w is 1
                rep[2 * i] = out[1];
                rep[2 * i + 1] = out[2];
            }
        });
        double zsum = 0;
        for (int i = 0; i < n; i++) zsum += z[i];
        double inv = 1 / Math.max(zsum, Double.MIN_NORMAL);
        for (int i = 0; i < n; i++) {
            double ax = 0, ay = 0;
            for (int q = p.start()[i]; q < p.start()[i + 1]; q++) {
                int j = p.col()[q];
                double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
                double w = p.p()[q] / (1 + dx * dx + dy * dy);
                ax += w * dx;
                ay += w * dy;
            }
            grad[2 * i] = 4 * (exaggeration * ax - rep[2 * i] * inv);
            grad[2 * i + 1] = 4 * (exaggeration * ay - rep[2 * i + 1] * inv);
        }
    }

    /** For point i against every point: sum w, sum w^2 dx, sum w^2 dy (into out). The hot loop. */
    static void repulsion(float[] yx, float[] yy, int i, float[] out) {
        int n = yx.length, j = 0;
        FloatVector xi = FloatVector.broadcast(S, yx[i]), yi = FloatVector.broadcast(S, yy[i]), one = FloatVector.broadcast(S, 1f);
        FloatVector sz = FloatVector.zero(S), sx = FloatVector.zero(S), sy = FloatVector.zero(S);
        for (int bound = S.loopBound(n); j < bound; j += S.length()) {
            FloatVector dx = xi.sub(FloatVector.fromArray(S, yx, j)), dy = yi.sub(FloatVector.fromArray(S, yy, j));
            FloatVector w = one.div(dx.fma(dx, dy.fma(dy, one)));
            FloatVector w2 = w.mul(w);
            sz = sz.add(w);
            sx = dx.fma(w2, sx);
            sy = dy.fma(w2, sy);
        }
        float z = sum(sz), fx = sum(sx), fy = sum(sy);
        for (; j < n; j++) {
            float dx = yx[i] - yx[j], dy = yy[i] - yy[j];
            float w = 1 / (1 + dx * dx + dy * dy);
            z += w;
            fx += w * w * dx;
            fy += w * w * dy;
        }
        out[0] = z;
        out[1] = fx;
        out[2] = fy;
    }

    /** The lanes added in index order (reduceLanes leaves the order open, and compiled code may pick another). */
    private static float sum(FloatVector v) {
        float s = 0;
        for (int l = 0; l < v.length(); l++) s += v.lane(l);
        return s;
    }

    /** KL(P || Q) over the pairs P holds (the others contribute nothing). */
    static double klDivergence(double[] y, int n, Affinities p) {
        float[] yx = new float[n], yy = new float[n], out = new float[3];
        for (int i = 0; i < n; i++) {
            yx[i] = (float) y[2 * i];
            yy[i] = (float) y[2 * i + 1];
        }
        double zsum = 0;
        for (int i = 0; i < n; i++) {
            repulsion(yx, yy, i, out);
            zsum += out[0] - 1;
        }
        double kl = 0;
        for (int i = 0; i < n; i++) {
            for (int q = p.start()[i]; q < p.start()[i + 1]; q++) {
                int j = p.col()[q];
                double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
                double qij = 1 / (1 + dx * dx + dy * dy) / zsum;
                if (p.p()[q] > 0) kl += p.p()[q] * Math.log(p.p()[q] / Math.max(qij, 1e-300));
            }
        }
        return kl;
    }
}
