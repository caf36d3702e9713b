package org.jvicreg.vicreg.augment;

import org.junit.jupiter.api.Test;
import org.jvicreg.engine.Rng;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RandomResizedCrop's box sampling: ranges, placement, the centre-crop fallback. */
class CropBoxTest {

    @Test
    void sampledBoxesRespectScaleRatioAndBounds() {
        Rng rng = new Rng(7);
        int h = 28, w = 28;
        double area = h * w;
        boolean[] tops = new boolean[h];
        int small = 0;
        for (int i = 0; i < 5000; i++) {
            CropBox b = CropBox.sample(rng, h, w, 0.2, 1.0, 3.0 / 4, 4.0 / 3);
            assertTrue(b.fitsIn(h, w), b::toString);
            // w and h are rounded from the real sqrt(area * ratio), sqrt(area / ratio): half a pixel each way
            double hiArea = (b.width() + 0.5) * (b.height() + 0.5), loArea = (b.width() - 0.5) * (b.height() - 0.5);
            assertTrue(hiArea >= 0.2 * area && loArea <= 1.0 * area, () -> "area of " + b);
            assertTrue((b.width() + 0.5) / (b.height() - 0.5) >= 3.0 / 4 && (b.width() - 0.5) / (b.height() + 0.5) <= 4.0 / 3,
                    () -> "aspect of " + b);
            tops[b.top()] = true;
            if (b.width() * b.height() < 0.35 * area) small++;
        }
        assertTrue(tops[0] && tops[h - 12], "placements cover the image");
        assertTrue(small > 500, "small crops occur: " + small);
    }

    @Test
    void fallsBackToTheCentreCropClampedToTheRatio() {
        // aspect >= 2 at >= 90% of a square never fits, so all 10 attempts fail: torchvision then takes
        // w = width, h = round(w / min(ratio)) = 14, centred.
        CropBox b = CropBox.sample(new Rng(1), 28, 28, 0.9, 1.0, 2.0, 3.0);
        assertEquals(new CropBox(7, 0, 14, 28), b);
        // inside the ratio range the fallback is the whole image
        assertEquals(CropBox.full(20, 30), CropBox.sample(new Rng(1), 20, 30, 5.0, 6.0, 1.0, 2.0));
    }

    @Test
    void centredWithAspectIsResizeShorterSideThenCentreCrop() {
        assertEquals(new CropBox(0, 25, 100, 100), CropBox.centredWithAspect(100, 150, 28, 28));
        assertEquals(new CropBox(25, 0, 100, 100), CropBox.centredWithAspect(150, 100, 32, 32));
        assertEquals(new CropBox(0, 0, 60, 80), CropBox.centredWithAspect(60, 80, 30, 40));
    }
}
