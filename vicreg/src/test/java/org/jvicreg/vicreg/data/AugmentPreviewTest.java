package org.jvicreg.vicreg.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvicreg.engine.Rng;
import org.jvicreg.vicreg.augment.AugmentConfig;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The image / view 1 / view 2 grid shows the loader's epoch-0 views. */
class AugmentPreviewTest {
    @TempDir
    Path dir;

    @Test
    void writesAGridOfTheLoadersViews() throws IOException {
        Rng rng = new Rng(8);
        int n = 20, side = 28;
        byte[] pixels = new byte[n * side * side];
        for (int i = 0; i < pixels.length; i++) pixels[i] = (byte) rng.nextInt(256);
        ByteImageDataset data = new ByteImageDataset(pixels, new int[n], 1, side, side, 1, "random");
        AugmentConfig cfg = AugmentConfig.fashionMnist();
        Path out = dir.resolve("views.png");
        AugmentPreview.write(data, cfg, 4, 123, out);

        BufferedImage grid = ImageIO.read(out.toFile());
        int scale = 4, cell = side * scale, gap = AugmentPreview.GAP;   // ceil(96 / 28) = 4
        assertEquals(3 * cell + 4 * gap, grid.getWidth());
        assertEquals(4 * cell + 5 * gap, grid.getHeight());

        // row 1 shows the second image of the loader's first epoch and that loader's views (before normalisation)
        try (TwoViewLoader loader = new TwoViewLoader(data, cfg.withNormalization(org.jvicreg.vicreg.augment.Normalization.identity(1)),
                new LoaderOptions(4, 0, 1, true, true, 123))) {
            ViewBatch b = loader.batch(0, 0);
            int top = gap + (cell + gap);
            float[] src = data.image(b.indices()[1]);
            for (int y = 0; y < side; y += 5) {
                for (int x = 0; x < side; x += 3) {
                    assertEquals(Math.round(src[y * side + x] * 255), grid.getRGB(gap + x * scale + 1, top + y * scale + 2) & 0xff);
                    int v1 = Math.round(Math.max(0, Math.min(1, b.view1()[side * side + y * side + x])) * 255);
                    assertEquals(v1, grid.getRGB(2 * gap + cell + x * scale, top + y * scale) & 0xff, "view 1 at " + x + "," + y);
                    int v2 = Math.round(Math.max(0, Math.min(1, b.view2()[side * side + y * side + x])) * 255);
                    assertEquals(v2, grid.getRGB(3 * gap + 2 * cell + x * scale + 3, top + y * scale + 3) & 0xff, "view 2 at " + x + "," + y);
                }
            }
        }
    }
}
