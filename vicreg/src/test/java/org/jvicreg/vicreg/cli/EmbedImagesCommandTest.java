package org.jvicreg.vicreg.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvicreg.engine.io.Npy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `vicreg embed-images`: a folder of images against torchvision's features (fixtures/embed), skips and errors. */
class EmbedImagesCommandTest {
    @TempDir
    Path tmp;

    static Path fixture(String name) {
        try {
            return Path.of(EmbedImagesCommandTest.class.getResource("/fixtures/embed/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aFolderOfImagesGivesTorchvisionsFeaturesInPathOrderAndSkipsWhatItCannotDecode() throws IOException {
        Path images = Files.createDirectories(tmp.resolve("images/sub"));
        Files.copy(fixture("img_rgb_wide.png"), tmp.resolve("images/b.png"));
        Files.copy(fixture("img_gray_tall.png"), tmp.resolve("images/sub/a.PNG"));
        Files.copy(fixture("img_palette.png"), tmp.resolve("images/a.png"));
        Files.writeString(tmp.resolve("images/broken.png"), "not a png");
        Files.writeString(tmp.resolve("images/notes.txt"), "ignored");
        Path out = tmp.resolve("f.npy");
        CliRun r = CliRun.of("embed-images", "--weights", fixture("resnet18_w8.pth").toString(), "--images",
                tmp.resolve("images").toString(), "--out", out.toString(), "--batch", "2");
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("a.png", "b.png", "sub/a.PNG"), Files.readAllLines(tmp.resolve("f.txt")));
        float[] f = Npy.read(out).toArray();
        String[] expected = {"palette", "rgb_wide", "gray_tall"};
        for (int i = 0; i < 3; i++) {
            float[] want = Npy.read(fixture("features_resnet18_" + expected[i] + ".npy")).toArray();
            double err = 0, scale = 0;
            for (int j = 0; j < want.length; j++) {
                err = Math.max(err, Math.abs(f[i * 64 + j] - want[j]));
                scale = Math.max(scale, Math.abs(want[j]));
            }
            assertTrue(err <= 1e-3 * scale, expected[i] + ": error " + err + " of " + scale);
        }
        assertTrue(r.err().contains("skipped " + tmp.resolve("images/broken.png")) && r.err().contains("1 of 4 files could not be decoded"),
                r.err());
        assertTrue(r.out().strip().endsWith("\"n\":3,\"dim\":64,\"skipped\":1}"), r.out());
        assertTrue(images.toFile().exists());
    }

    @Test
    void nothingIsWrittenWhenNoImageDecodesOrTheWeightsAreNotAResNet() throws IOException {
        Files.createDirectories(tmp.resolve("bad"));
        Files.writeString(tmp.resolve("bad/x.jpg"), "no");
        Path out = tmp.resolve("g.npy");
        CliRun r = CliRun.of("embed-images", "--weights", fixture("resnet18_w8.pth").toString(), "--images",
                tmp.resolve("bad").toString(), "--out", out.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("none of its 1 image files could be decoded"), r.err());
        assertFalse(Files.exists(out) || Files.exists(tmp.resolve("g.txt")));
        r = CliRun.of("embed-images", "--weights", tmp.resolve("bad/x.jpg").toString(), "--images", tmp.resolve("bad").toString(),
                "--out", out.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("not a PyTorch checkpoint"), r.err());
        r = CliRun.of("embed-images", "--weights", fixture("resnet18_w8.pth").toString(), "--images", tmp.resolve("none").toString(),
                "--out", out.toString());
        assertEquals(2, r.code(), r.toString());
        assertFalse(Files.exists(out));
    }
}
