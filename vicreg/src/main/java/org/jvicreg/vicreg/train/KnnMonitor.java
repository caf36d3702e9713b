package org.jvicreg.vicreg.train;

import org.jvicreg.engine.Device;
import org.jvicreg.nn.Module;
import org.jvicreg.vicreg.augment.Normalization;
import org.jvicreg.vicreg.data.ImageDataset;
import org.jvicreg.vicreg.probe.Features;
import org.jvicreg.vicreg.probe.KnnProbe;

/**
 * kNN accuracy watched during pre-training, as SSL code bases do to see representations form epoch by
 * epoch: before training, every {@code every} epochs and after the last, the backbone in eval mode embeds
 * a labelled bank and a set of queries, and {@link KnnProbe} classifies the queries (k = 20, T = 0.07, as
 * {@code vicreg knn}). Small subsets keep it cheap next to an epoch; the full probe after training is
 * {@code vicreg knn}.
 * Watching changes nothing about training: eval mode reads the batch-norm running statistics without
 * updating them, and nothing random is drawn.
 *
 * @param every   epochs between evaluations, at least 1
 * @param bank    labelled images whose features vote (the first images of the training split)
 * @param queries labelled images classified (the first images of the test split, or of the held-out images)
 * @param norm    the normalisation the probes use (no augmentation)
 * @param batch   images per forward pass
 */
public record KnnMonitor(int every, ImageDataset bank, ImageDataset queries, Normalization norm, int batch) {
    public KnnMonitor {
        if (every < 1) throw new IllegalArgumentException("the kNN monitor runs every E >= 1 epochs, got " + every);
        if (bank.size() < KnnProbe.K) {
            throw new IllegalArgumentException("the kNN monitor's bank needs at least " + KnnProbe.K + " images, got " + bank.size());
        }
        if (queries.size() < 1) throw new IllegalArgumentException("the kNN monitor needs at least one query image");
        if (bank.channels() != queries.channels()) {
            throw new IllegalArgumentException("the kNN monitor's bank and queries differ in channels: " + bank.channels()
                    + " and " + queries.channels());
        }
    }

    /** Whether to evaluate once {@code epochsDone} of {@code epochs} epochs are complete. */
    public boolean due(int epochsDone, int epochs) {
        return epochsDone % every == 0 || epochsDone == epochs;
    }

    /** Top-1 accuracy of the queries against the bank, in [0, 1]. */
    public double accuracy(Module backbone, Device device) {
        Features b = Features.extract(backbone, bank, norm, device, batch, null, "kNN bank");
        Features q = Features.extract(backbone, queries, norm, device, batch, null, "kNN queries");
        return KnnProbe.evaluate(b, q, KnnProbe.K, KnnProbe.TEMPERATURE);
    }
}
