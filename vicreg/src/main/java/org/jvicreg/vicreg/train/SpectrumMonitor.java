package org.jvicreg.vicreg.train;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Memory;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.Json;
import org.jvicreg.vicreg.augment.Normalization;
import org.jvicreg.vicreg.data.ImageDataset;
import org.jvicreg.vicreg.model.Expander;
import org.jvicreg.vicreg.model.Vicreg;
import org.jvicreg.vicreg.probe.Features;
import org.jvicreg.vicreg.viz.Pca;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The eigenvalue spectra of the representation as it forms: before training and after every epoch, a fixed
 * set of images (no augmentation) goes through the network in eval mode, and the eigenvalues of the
 * covariance of the expander's output (the embeddings the loss sees) and of the backbone's pooled features
 * (the representation the probes use) are appended to RUN_DIR/spectra.jsonl, largest first:
 * <pre>{"step":..,"epochs":..,"images":N,"embedding":[..],"representation":[..],"seconds":..}</pre>
 * Collapse shows as eigenvalues falling by decades; a healthy VICReg run keeps the embedding spectrum
 * flat. With N images at most N - 1 eigenvalues are non-zero. As {@link KnnMonitor}, watching changes
 * nothing about training: eval mode reads the batch-norm running statistics without updating them, and
 * nothing random is drawn.
 *
 * @param images the fixed images (the first {@value #IMAGES} of the training data in pretrain)
 * @param norm   the probes' normalisation
 * @param batch  images per forward pass
 */
public record SpectrumMonitor(ImageDataset images, Normalization norm, int batch) {
    /** How many images pretrain takes for the spectra. */
    public static final int IMAGES = 512;

    public SpectrumMonitor {
        if (images.size() < 2) throw new IllegalArgumentException("spectra need at least 2 images, got " + images.size());
        if (batch < 1) throw new IllegalArgumentException("batch must be positive, got " + batch);
    }

    /** The first {@link #IMAGES} images of {@code data}. */
    public static SpectrumMonitor firstImages(ImageDataset data, Normalization norm) {
        return new SpectrumMonitor(data.limit(IMAGES), norm, 256);
    }

    /** Cuts spectra.jsonl back to the snapshots up to {@code lastStep} (-1: a new run, none). */
    void resumeAt(Path runDir, long lastStep) throws IOException {
        new MetricsLog(RunDir.spectra(runDir)).resumeAt(lastStep);
    }

    /** Takes the spectra of {@code model} after {@code epochs} epochs and appends them; returns the nanoseconds it took. */
    long record(Path runDir, Vicreg model, Device device, long step, int epochs) throws IOException {
        long t0 = System.nanoTime();
        Features h = Features.extract(model.backbone(), images, norm, device, batch, null, "spectra");
        float[] z = project(model.projector(), h, device);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", step);
        row.put("epochs", (long) epochs);
        row.put("images", (long) h.n());
        row.put("embedding", asList(eigenvalues(z, h.n(), z.length / h.n())));
        row.put("representation", asList(eigenvalues(h.values(), h.n(), h.dim())));
        long spent = System.nanoTime() - t0;
        row.put("seconds", spent / 1e9);
        Files.writeString(RunDir.spectra(runDir), Json.write(row) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return spent;
    }

    /** The expander's output for the backbone's features, in eval mode, without gradients. */
    private static float[] project(Expander projector, Features h, Device device) {
        boolean wasTraining = projector.isTraining();
        projector.eval();
        try (var g = Grad.off(); var scope = Memory.scope()) {
            return projector.forward(Tensor.of(h.values(), h.n(), h.dim()).to(device)).toArray();
        } finally {
            projector.train(wasTraining);
        }
    }

    /**
     * The eigenvalues of the covariance (unbiased) of x (n x d, rows are samples), largest first, in double:
     * from the d x d covariance or, when n < d, the n x n Gram matrix of the centred rows (the same non-zero
     * eigenvalues); min(n, d) values, rounding's tiny negatives set to 0.
     */
    public static double[] eigenvalues(float[] x, int n, int d) {
        double[] xc = Pca.centred(x, n, d);
        int m = Math.min(n, d);
        double[] g;
        if (d <= n) {
            g = Pca.transposeTimes(xc, xc, n, d, d);
        } else {
            double[] t = Pca.transpose(xc, n, d);
            g = Pca.transposeTimes(t, t, d, n, n);
        }
        for (int i = 0; i < g.length; i++) g[i] /= n - 1;
        double[] ascending = SymmetricEigenvalues.of(g, m), out = new double[m];
        for (int i = 0; i < m; i++) out[i] = Math.max(0, ascending[m - 1 - i]);
        return out;
    }

    private static List<Object> asList(double[] v) {
        List<Object> out = new ArrayList<>(v.length);
        for (double x : v) out.add((float) x); // float precision: a short file, and the embeddings are float32
        return out;
    }
}
