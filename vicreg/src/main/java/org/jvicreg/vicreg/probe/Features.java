package org.jvicreg.vicreg.probe;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Memory;
import org.jvicreg.engine.Tensor;
import org.jvicreg.nn.Module;
import org.jvicreg.vicreg.augment.Normalization;
import org.jvicreg.vicreg.data.EvalBatches;
import org.jvicreg.vicreg.data.ImageBatch;
import org.jvicreg.vicreg.data.ImageDataset;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Frozen-backbone features of a whole dataset: every image once, normalised, through the backbone in
 * eval mode (BatchNorm's running statistics), without gradients. Rows are samples.
 */
public record Features(float[] values, int[] labels, int n, int dim, int numClasses) {

    public static Features extract(Module backbone, ImageDataset data, Normalization norm, Device device, int batch,
                                   PrintStream progress, String what) {
        boolean wasTraining = backbone.isTraining();
        backbone.eval();
        EvalBatches batches = new EvalBatches(data, norm, batch);
        float[] out = null;
        int[] labels = new int[data.size()];
        int dim = 0, row = 0;
        long start = System.nanoTime(), lastPrint = start;
        try (var g = Grad.off()) {
            for (ImageBatch b : batches) {
                float[] f;
                try (var scope = Memory.scope()) {
                    f = backbone.forward(Tensor.of(b.images(), b.shape()).to(device)).toArray();
                }
                if (out == null) {
                    dim = f.length / b.size();
                    out = new float[data.size() * dim];
                }
                System.arraycopy(f, 0, out, row * dim, f.length);
                System.arraycopy(b.labels(), 0, labels, row, b.size());
                row += b.size();
                long now = System.nanoTime();
                if (progress != null && (now - lastPrint > 10_000_000_000L || row == data.size())) {
                    lastPrint = now;
                    progress.printf(Locale.ROOT, "%s: features %d/%d (%.0f img/s)%n", what, row, data.size(), row / ((now - start) / 1e9));
                }
            }
        } finally {
            backbone.train(wasTraining);
        }
        return new Features(out, labels, data.size(), dim, data.numClasses());
    }

    /** Row i as a new array. */
    public float[] row(int i) {
        float[] r = new float[dim];
        System.arraycopy(values, i * dim, r, 0, dim);
        return r;
    }
}
