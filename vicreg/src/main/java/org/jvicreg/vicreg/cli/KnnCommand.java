package org.jvicreg.vicreg.cli;

import org.jvicreg.engine.io.Json;
import org.jvicreg.vicreg.data.Split;
import org.jvicreg.vicreg.probe.Features;
import org.jvicreg.vicreg.probe.KnnProbe;

import java.util.Set;

/** {@code vicreg knn}: weighted k-nearest-neighbour accuracy on frozen backbone features. */
public final class KnnCommand implements Command {
    @Override
    public String name() {
        return "knn";
    }

    @Override
    public String summary() {
        return "k-NN accuracy of a run's frozen backbone";
    }

    @Override
    public Set<String> flags() {
        return Set.of("random-init");
    }

    @Override
    public String help() {
        return """
                usage: vicreg knn --run RUN_DIR [options]

                Classifies each test image by its k nearest training images in cosine similarity of the frozen
                backbone's features, votes weighted by exp(similarity / T); prints, last, {"knn_top1":...}: top-1
                accuracy on the test split in [0, 1] (with --holdout N: on the held-out images,
                {"knn_top1":...,"holdout":N}). Also recorded in RUN_DIR/probes.json (as knn_top1_holdout for
                held-out images) and report.html.

                options:
                  --k K                neighbours (default 20)
                  --temperature T      vote temperature (default 0.07)
                """ + ProbeInputs.HOLDOUT_HELP + ProbeInputs.HELP;
    }

    @Override
    public int run(Args a) throws Exception {
        int k = a.positiveInteger("k", KnnProbe.K);
        double t = a.number("temperature", KnnProbe.TEMPERATURE);
        if (!(t > 0)) throw new UsageException("--temperature must be positive");
        ProbeInputs in = ProbeInputs.from(a, true); // reads the shared options and ends the parsing
        if (k > in.train.size()) { // before the feature pass
            throw new UsageException("--k " + k + " is more than the " + in.train.size() + " training images that vote");
        }
        Features train = in.features(Split.TRAIN), test = in.features(Split.TEST);
        double top1 = KnnProbe.evaluate(train, test, k, t);
        System.out.println(Json.write(in.record("knn_top1", top1)));
        return 0;
    }
}
