package org.jvicreg.vicreg.cli;

import org.jvicreg.engine.io.Json;
import org.jvicreg.vicreg.augment.AugmentConfig;
import org.jvicreg.vicreg.data.AugmentPreview;
import org.jvicreg.vicreg.data.Datasets;
import org.jvicreg.vicreg.data.ImageDataset;
import org.jvicreg.vicreg.data.Split;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code vicreg augment}: a PNG grid of images and their two augmented views. */
public final class AugmentCommand implements Command {
    @Override
    public String name() {
        return "augment";
    }

    @Override
    public String summary() {
        return "write a PNG grid of image / view 1 / view 2 triples";
    }

    @Override
    public String help() {
        return """
                usage: vicreg augment --out views.png [options]

                Draws the dataset's first images next to the two views the pre-training pipeline makes of them
                (the dataset's augmentation preset changed by the options below, as pretrain takes them; the same
                seeds as training), so you can see what the network sees.

                options:
                  --out FILE           PNG to write (required)
                  --dataset NAME       fashion-mnist | mnist | cifar10 | cifar100 | folder (default fashion-mnist)
                  --data DIR           dataset folder (default for fashion-mnist: /usr/share/datasets/fashion-mnist)
                  --count N            number of triples, at most %d (default 16)
                  --seed S             augmentation seed (default 0)

                """.formatted(AugmentPreview.MAX_COUNT) + AugmentArgs.HELP;
    }

    @Override
    public int run(Args a) throws Exception {
        Path out = a.requirePath("out");
        String dataset = a.choice("dataset", "fashion-mnist", Datasets.NAMES);
        Path dir = DataArgs.dataDir(dataset, a.string("data", null));
        int count = a.positiveInteger("count", 16);
        if (count > AugmentPreview.MAX_COUNT) {
            throw new UsageException("option --count must be at most " + AugmentPreview.MAX_COUNT + " (rows of the grid), got " + count);
        }
        long seed = a.longValue("seed", 0);
        AugmentArgs augment = AugmentArgs.read(a);
        a.finish();
        ImageDataset data = DataArgs.open(dataset, dir, Split.TRAIN, 0);
        AugmentConfig setting = augment.applyTo(DataArgs.augment(dataset, data));
        AugmentPreview.write(data, setting, Math.min(count, data.size()), seed, out);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("out", out.toString());
        r.put("count", (long) Math.min(count, data.size()));
        r.put("augment", AugmentArgs.describe(setting));
        System.out.println(Json.write(r));
        return 0;
    }
}
