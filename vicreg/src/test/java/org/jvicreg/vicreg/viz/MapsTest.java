package org.jvicreg.vicreg.viz;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Rng;

import org.junit.jupiter.api.io.TempDir;
import org.jvicreg.engine.io.Npy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** t-SNE and PCA maps of synthetic clusters keep the clusters apart, deterministically. */
class MapsTest {
    static final int CLUSTERS = 5, PER = 100, DIM = 50;

    /**
     * Five Gaussian clusters in 50-D (unit variance in every dimension) whose centres lie on a regular
     * pentagon of radius 8 in a random plane: between clusters, distances of ~9 against a spread of ~10
     * between two points of one cluster, so no single dimension separates them.
     */
    record Clusters(float[] x, int[] labels) {}

    static Clusters clusters(long seed) {
        Rng rng = new Rng(seed);
        double[] u = new double[DIM], v = new double[DIM];
        for (int t = 0; t < DIM; t++) {
            u[t] = rng.nextGaussian();
            v[t] = rng.nextGaussian();
        }
        normalise(u);
        double dot = 0;
        for (int t = 0; t < DIM; t++) dot += u[t] * v[t];
        for (int t = 0; t < DIM; t++) v[t] -= dot * u[t];
        normalise(v);
        int n = CLUSTERS * PER;
        float[] x = new float[n * DIM];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = i % CLUSTERS; // interleaved, as a shuffled test set
            labels[i] = c;
            double a = 2 * Math.PI * c / CLUSTERS;
            for (int t = 0; t < DIM; t++) x[i * DIM + t] = (float) (8 * (Math.cos(a) * u[t] + Math.sin(a) * v[t]) + rng.nextGaussian());
        }
        return new Clusters(x, labels);
    }

    private static void normalise(double[] a) {
        double s = 0;
        for (double v : a) s += v * v;
        s = Math.sqrt(s);
        for (int i = 0; i < a.length; i++) a[i] /= s;
    }

    /** Leave-one-out accuracy of a 5-nearest-neighbour majority vote in the map. */
    static double knnAccuracy(float[] y, int[] labels) {
        int n = labels.length, correct = 0, k = 5;
        for (int i = 0; i < n; i++) {
            double[] best = new double[k];
            int[] bestLabel = new int[k];
            java.util.Arrays.fill(best, Double.POSITIVE_INFINITY);
            for (int j = 0; j < n; j++) {
                if (j == i) continue;
                double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1], d = dx * dx + dy * dy;
                int worst = 0;
                for (int q = 1; q < k; q++) if (best[q] > best[worst]) worst = q;
                if (d < best[worst]) {
                    best[worst] = d;
                    bestLabel[worst] = labels[j];
                }
            }
            int[] votes = new int[CLUSTERS];
            for (int l : bestLabel) votes[l]++;
            int arg = 0;
            for (int c = 1; c < CLUSTERS; c++) if (votes[c] > votes[arg]) arg = c;
            if (arg == labels[i]) correct++;
        }
        return (double) correct / n;
    }

    /** The first two of k coordinates per point. */
    static float[] asPairs(double[] coords, int n, int k) {
        float[] y = new float[2 * n];
        for (int i = 0; i < n; i++) {
            y[2 * i] = (float) coords[i * k];
            y[2 * i + 1] = (float) coords[i * k + 1];
        }
        return y;
    }

    @Test
    void pcaKeepsTheClustersApart() {
        Clusters c = clusters(1);
        int n = c.labels().length;
        Pca.Result r = Pca.project(c.x(), n, DIM, 2, 7);
        double acc = knnAccuracy(asPairs(r.coords(), n, 2), c.labels());
        assertTrue(acc >= 0.9, "kNN accuracy in the PCA map " + acc);
        assertTrue(r.explained() > 0.3, "the two components hold the between-cluster variance: " + r.explained());
        assertTrue(r.variances()[0] >= r.variances()[1]);
    }

    /** Through the whole pipeline: PCA to 50 dimensions, then t-SNE at perplexity 30. */
    @Test
    void tsneKeepsTheClustersApartAndDependsOnlyOnTheSeed() throws Exception {
        Clusters c = clusters(2);
        int n = c.labels().length;
        RepresentationMap m = tsne(c);
        double acc = knnAccuracy(m.coords(), c.labels());
        assertTrue(acc >= 0.9, "kNN accuracy in the t-SNE map " + acc);
        double kl = ((Number) m.info().get("kl_divergence")).doubleValue();
        assertTrue(kl > 0 && kl < 3, "KL " + kl);
        assertEquals(30.0, m.info().get("perplexity"));
        RepresentationMap oneThread = new ForkJoinPool(1).submit(() -> tsne(c)).get();
        assertArrayEquals(m.coords(), oneThread.coords(), "the same map on one thread");
        assertEquals(n, m.size());
    }

    private static RepresentationMap tsne(Clusters c) {
        int n = c.labels().length;
        return RepresentationMap.compute("tsne", c.x(), n, DIM, c.labels(), RepresentationMap.sample(n, n, 0), List.of("a", "b", "c", "d", "e"),
                30, 3, Map.of());
    }

    @Test
    void aMapRoundTripsThroughItsFilesAndABrokenOneIsNamed(@TempDir Path dir) throws IOException {
        Clusters c = clusters(4);
        int n = c.labels().length;
        int[] indices = RepresentationMap.sample(1000, n, 5);
        assertEquals(n, java.util.Arrays.stream(indices).distinct().count());
        for (int i = 1; i < n; i++) assertTrue(indices[i] > indices[i - 1], "ascending");
        RepresentationMap m = RepresentationMap.compute("pca", c.x(), n, DIM, c.labels(), indices, List.of("a", "b", "c", "d", "e"), 30, 0,
                Map.of("source", "clusters"));
        Path json = dir.resolve("map.json"), npy = dir.resolve("map.npy");
        m.write(json, npy);
        RepresentationMap back = RepresentationMap.read(json);
        assertEquals("pca", back.method());
        assertArrayEquals(m.coords(), back.coords());
        assertArrayEquals(m.labels(), back.labels());
        assertArrayEquals(m.indices(), back.indices());
        assertEquals(m.classNames(), back.classNames());
        assertEquals("clusters", back.info().get("source"));
        assertArrayEquals(m.coords(), Npy.read(npy).toArray());
        assertNull(RepresentationMap.read(dir.resolve("none.json")));
        for (String bad : new String[] {"{\"method\":\"pca\"", "[]", "{\"method\":\"pca\",\"x\":[1.0],\"y\":[1.0],\"labels\":[3],"
                + "\"indices\":[0],\"classes\":[\"a\"]}", "{\"method\":\"umap\",\"x\":[],\"y\":[],\"labels\":[],\"indices\":[],\"classes\":[]}"}) {
            Files.writeString(json, bad);
            IOException e = assertThrows(IOException.class, () -> RepresentationMap.read(json), bad);
            assertTrue(e.getMessage().startsWith(json.toString()), e.getMessage());
        }
    }

    /** Each point's neighbour distribution has the perplexity asked for: entropy log(perplexity), nats. */
    @Test
    void affinitiesHaveThePerplexityAskedFor() {
        Rng rng = new Rng(8);
        double[] dist = new double[90];
        for (int j = 0; j < dist.length; j++) dist[j] = 20 + 30 * rng.nextDouble();
        java.util.Arrays.sort(dist);
        for (double perplexity : new double[] {5, 30}) {
            double[] p = Tsne.bandwidth(dist, Math.log(perplexity));
            double sum = 0, entropy = 0;
            for (double v : p) {
                sum += v;
                if (v > 0) entropy -= v * Math.log(v);
            }
            assertEquals(1, sum, 1e-12);
            assertEquals(perplexity, Math.exp(entropy), 1e-3 * perplexity);
            for (int j = 1; j < p.length; j++) assertTrue(p[j] <= p[j - 1], "nearer neighbours weigh more");
        }
    }

    @Test
    void pcaWithTheWholeSpaceIsExact() {
        // d <= k + 10: the subspace is the whole space; the variances are the covariance's eigenvalues
        Rng rng = new Rng(5);
        int n = 200, d = 6;
        float[] x = new float[n * d];
        double[] scale = {5, 3, 2, 1, 0.5, 0.1};
        for (int i = 0; i < n; i++) for (int t = 0; t < d; t++) x[i * d + t] = (float) (scale[t] * rng.nextGaussian());
        Pca.Result r = Pca.project(x, n, d, d, 0);
        double[] cov = new double[d * d];
        double[] xc = Pca.centred(x, n, d);
        for (int i = 0; i < n; i++) for (int a = 0; a < d; a++) for (int b = 0; b < d; b++) cov[a * d + b] += xc[i * d + a] * xc[i * d + b] / (n - 1);
        double[] eig = org.jvicreg.vicreg.train.SymmetricEigenvalues.of(cov, d);
        for (int c = 0; c < d; c++) assertEquals(eig[d - 1 - c], r.variances()[c], 1e-9 * eig[d - 1], "variance " + c);
        assertEquals(1.0, r.explained(), 1e-9);
    }
}
