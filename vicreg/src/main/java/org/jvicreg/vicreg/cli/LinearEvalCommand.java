package org.jvicreg.vicreg.cli;

import org.jvicreg.engine.io.Json;
import org.jvicreg.vicreg.data.Split;
import org.jvicreg.vicreg.probe.Features;
import org.jvicreg.vicreg.probe.LinearProbe;

import java.util.Set;

/** {@code vicreg linear-eval}: a linear classifier on frozen backbone features. */
public final class LinearEvalCommand implements Command {
    @Override
    public String name() {
        return "linear-eval";
    }

    @Override
    public String summary() {
        return "linear-probe accuracy of a run's frozen backbone";
    }

    @Override
    public Set<String> flags() {
        return Set.of("random-init");
    }

    @Override
    public String help() {
        return """
                usage: vicreg linear-eval --run RUN_DIR [options]

                Extracts features of the train and test images with the frozen backbone (eval mode), standardises
                them, trains a linear classifier with SGD (momentum 0.9, lr 0.1 cosine, weight decay 1e-5,
                batch 256) and prints, last, {"linear_top1":...}: top-1 accuracy on the test split in [0, 1]
                (with --holdout N: on the held-out images, {"linear_top1":...,"holdout":N}). The result is also
                recorded in RUN_DIR/probes.json (as linear_top1_holdout for held-out images) and report.html.

                options:
                  --epochs E           probe training epochs (default 100)
                """ + ProbeInputs.HOLDOUT_HELP + ProbeInputs.HELP;
    }

    @Override
    public int run(Args a) throws Exception {
        int epochs = a.positiveInteger("epochs", 100);
        ProbeInputs in = ProbeInputs.from(a, true); // reads the shared options and ends the parsing
        Features train = in.features(Split.TRAIN), test = in.features(Split.TEST);
        double top1 = LinearProbe.evaluate(train, test, epochs, in.seed, System.err);
        System.out.println(Json.write(in.record("linear_top1", top1)));
        return 0;
    }
}
