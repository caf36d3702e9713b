package org.jvicreg.vicreg.viz;

import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.AtomicFile;
import org.jvicreg.engine.io.Json;
import org.jvicreg.engine.io.Npy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A 2-D map of representations coloured by class: n points (row-major x, y), each point's label and its
 * index in the images it came from, the class names, and how it was made ({@code info}: method details such
 * as the perplexity and KL divergence of t-SNE or the variance PCA's two components explain).
 * Stored as JSON (everything) and as .npy (the n x 2 coordinates alone).
 */
public record RepresentationMap(String method, float[] coords, int[] labels, int[] indices, List<String> classNames,
                                Map<String, Object> info) {
    /** The ways to draw a map. */
    public static final List<String> METHODS = List.of("tsne", "pca");
    /** Dimensions PCA keeps before t-SNE, as usual. */
    public static final int TSNE_INPUT_DIMS = 50;
    /** A map.json larger than this is not one of ours. */
    static final long MAX_FILE_BYTES = 16 << 20;

    public RepresentationMap {
        if (!METHODS.contains(method)) throw new IllegalArgumentException("unknown map method '" + method + "' (expected tsne or pca)");
        if (coords.length != 2 * labels.length || indices.length != labels.length) {
            throw new IllegalArgumentException("a map needs 2 coordinates, a label and an index per point");
        }
        for (float c : coords) if (!Float.isFinite(c)) throw new IllegalArgumentException("a map's coordinates must be finite");
        for (int l : labels) {
            if (l < 0 || l >= classNames.size()) throw new IllegalArgumentException("label " + l + " outside the " + classNames.size() + " classes");
        }
    }

    public int size() {
        return labels.length;
    }

    /** {@code points} indices of {@code 0 .. size - 1} drawn without replacement from the seed, ascending (all when points >= size). */
    public static int[] sample(int size, int points, long seed) {
        int[] all = new int[size];
        for (int i = 0; i < size; i++) all[i] = i;
        if (points >= size) return all;
        new Rng(seed).shuffle(all);
        int[] out = Arrays.copyOf(all, points);
        Arrays.sort(out);
        return out;
    }

    /**
     * The map of n feature vectors (n x dim, row-major): "pca", their first two principal components, or
     * "tsne", t-SNE of their first {@value #TSNE_INPUT_DIMS} principal components at {@code perplexity}.
     * {@code info} gets what was done; deterministic given the seed.
     */
    public static RepresentationMap compute(String method, float[] features, int n, int dim, int[] labels, int[] indices,
                                            List<String> classNames, double perplexity, long seed, Map<String, Object> info) {
        long t0 = System.nanoTime();
        Map<String, Object> details = new LinkedHashMap<>(info);
        float[] coords;
        if (method.equals("pca")) {
            Pca.Result r = Pca.project(features, n, dim, 2, seed);
            coords = new float[2 * n];
            for (int i = 0; i < n; i++) for (int c = 0; c < 2; c++) coords[2 * i + c] = c < r.k() ? (float) r.coords()[i * r.k() + c] : 0;
            details.put("explained_variance", r.explained());
        } else if (method.equals("tsne")) {
            Pca.Result r = Pca.project(features, n, dim, TSNE_INPUT_DIMS, seed);
            float[] reduced = new float[n * r.k()];
            for (int i = 0; i < reduced.length; i++) reduced[i] = (float) r.coords()[i];
            Tsne.Result t = Tsne.embed(reduced, n, r.k(), Tsne.Options.DEFAULT.withPerplexity(perplexity), seed);
            coords = t.coords();
            details.put("pca_dims", (long) r.k());
            details.put("perplexity", t.perplexity());
            details.put("kl_divergence", t.klDivergence());
        } else {
            throw new IllegalArgumentException("unknown map method '" + method + "' (expected tsne or pca)");
        }
        details.put("seed", seed);
        details.put("seconds", (System.nanoTime() - t0) / 1e9);
        return new RepresentationMap(method, coords, labels.clone(), indices.clone(), List.copyOf(classNames), details);
    }

    /** Writes {@code npy} (n x 2 float32), then {@code json} (everything), each atomically. */
    public void write(Path json, Path npy) throws IOException {
        Npy.write(npy, Tensor.of(coords.clone(), size(), 2));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method);
        m.put("points", (long) size());
        m.putAll(info);
        m.put("classes", new ArrayList<Object>(classNames));
        List<Object> x = new ArrayList<>(), y = new ArrayList<>(), l = new ArrayList<>(), idx = new ArrayList<>();
        for (int i = 0; i < size(); i++) {
            x.add(coords[2 * i]);
            y.add(coords[2 * i + 1]);
            l.add((long) labels[i]);
            idx.add((long) indices[i]);
        }
        m.put("labels", l);
        m.put("indices", idx);
        m.put("x", x);
        m.put("y", y);
        AtomicFile.write(json, (Json.write(m) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** A map written by {@link #write}; null when the file does not exist; any other problem an IOException naming it. */
    public static RepresentationMap read(Path json) throws IOException {
        if (!Files.isRegularFile(json)) return null;
        long bytes = Files.size(json);
        if (bytes > MAX_FILE_BYTES) throw new IOException(json + ": " + bytes + " bytes, more than a map holds (at most " + MAX_FILE_BYTES + ")");
        try {
            if (!(Json.parse(json.toString(), Files.readString(json)) instanceof Map<?, ?> m)) throw new IllegalArgumentException("expected a JSON object");
            List<?> x = list(m, "x"), y = list(m, "y"), labels = list(m, "labels"), indices = list(m, "indices"), classes = list(m, "classes");
            int n = x.size();
            if (y.size() != n || labels.size() != n || indices.size() != n) {
                throw new IllegalArgumentException("fields 'x', 'y', 'labels' and 'indices' differ in length");
            }
            float[] coords = new float[2 * n];
            int[] lab = new int[n], idx = new int[n];
            for (int i = 0; i < n; i++) {
                coords[2 * i] = (float) number(x.get(i), "x");
                coords[2 * i + 1] = (float) number(y.get(i), "y");
                lab[i] = integer(labels.get(i), "labels");
                idx[i] = integer(indices.get(i), "indices");
            }
            List<String> names = new ArrayList<>();
            for (Object c : classes) names.add(String.valueOf(c));
            Map<String, Object> info = new LinkedHashMap<>();
            m.forEach((k, v) -> {
                if (!List.of("method", "points", "classes", "labels", "indices", "x", "y").contains(String.valueOf(k)) && !(v instanceof List<?>)) {
                    info.put(String.valueOf(k), v);
                }
            });
            if (!(m.get("method") instanceof String method)) throw new IllegalArgumentException("field 'method' must be a string");
            return new RepresentationMap(method, coords, lab, idx, names, info);
        } catch (IllegalArgumentException | java.nio.charset.CharacterCodingException e) {
            throw new IOException(json + ": " + e.getMessage(), e);
        } catch (StackOverflowError e) {
            throw new IOException(json + ": input nested too deeply to read (the stack overflowed)", e);
        }
    }

    private static List<?> list(Map<?, ?> m, String key) {
        if (!(m.get(key) instanceof List<?> l)) throw new IllegalArgumentException("field '" + key + "' must be a list");
        return l;
    }

    private static double number(Object v, String key) {
        if (!(v instanceof Number n)) throw new IllegalArgumentException("field '" + key + "' must hold numbers");
        return n.doubleValue();
    }

    private static int integer(Object v, String key) {
        if (!(v instanceof Long l) || l < 0 || l > Integer.MAX_VALUE) throw new IllegalArgumentException("field '" + key + "' must hold non-negative integers");
        return (int) (long) l;
    }
}
