package org.jvicreg.vicreg.data;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jvicreg.vicreg.augment.Normalization;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The real Fashion-MNIST from Debian's dataset-fashion-mnist, when installed (skipped otherwise). */
class FashionMnistTest {
    private static ImageDataset train, test;

    @BeforeAll
    static void read() throws IOException {
        assumeTrue(Datasets.fashionMnistInstalled(), "dataset-fashion-mnist is not installed");
        train = Datasets.open("fashion-mnist", Datasets.DEBIAN_FASHION_MNIST, Split.TRAIN);
        test = Datasets.open("fashion-mnist", Datasets.DEBIAN_FASHION_MNIST, Split.TEST);
    }

    @Test
    void splitsHaveTheDocumentedShape() {
        assertEquals(60000, train.size());
        assertEquals(10000, test.size());
        for (ImageDataset d : new ImageDataset[] {train, test}) {
            assertEquals(1, d.channels());
            assertEquals(28, d.height());
            assertEquals(28, d.width());
            assertEquals(10, d.numClasses());
            int[] counts = new int[10];
            for (int i = 0; i < d.size(); i++) counts[d.label(i)]++;
            // Fashion-MNIST is balanced: 6000 / 1000 images per class
            for (int c = 0; c < 10; c++) assertEquals(d.size() / 10, counts[c], "class " + c);
        }
        float[] img = train.image(0);
        float max = 0;
        for (float v : img) {
            assertTrue(v >= 0f && v <= 1f);
            max = Math.max(max, v);
        }
        assertEquals(1f, max, "the first image uses the full range");
    }

    @Test
    void normalizationPresetMatchesTheTrainingSet() {
        Normalization measured = DatasetStatistics.measure(train);
        assertEquals(Normalization.FASHION_MNIST.mean()[0], measured.mean()[0], 5e-5);
        assertEquals(Normalization.FASHION_MNIST.std()[0], measured.std()[0], 5e-5);
    }
}
