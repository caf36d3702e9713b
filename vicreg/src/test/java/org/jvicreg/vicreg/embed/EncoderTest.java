package org.jvicreg.vicreg.embed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.Npy;
import org.jvicreg.engine.io.SafeTensors;
import org.jvicreg.engine.io.TorchCheckpoint;
import org.jvicreg.vicreg.model.ResNet;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedding API against torchvision (fixtures/embed, made by make_fixtures.py): the evaluation transform
 * bit for bit, the features of ResNet-18 and ResNet-50 weights saved by torch.save, threads, bad weights.
 */
class EncoderTest {
    static final List<String> IMAGES = List.of("rgb_wide", "gray_tall", "rgba_small", "palette");

    @TempDir
    Path tmp;

    static Path fixture(String name) {
        try {
            return Path.of(EncoderTest.class.getResource("/fixtures/embed/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static BufferedImage image(String name) throws IOException {
        return ImageIO.read(fixture("img_" + name + ".png").toFile());
    }

    static List<BufferedImage> images() throws IOException {
        List<BufferedImage> out = new ArrayList<>();
        for (String n : IMAGES) out.add(image(n));
        return out;
    }

    @Test
    void theImagenetTransformGivesTorchvisionsPixelsForEveryImageMode() throws IOException {
        Preprocessing p = Preprocessing.imagenet();
        for (String name : IMAGES) {
            float[] mine = new float[p.imageSize()];
            p.pixels(image(name), mine, 0);
            float[] want = Npy.read(fixture("input_" + name + ".npy")).toArray();
            for (int i = 0; i < want.length; i++) {
                if (mine[i] != want[i]) {
                    throw new AssertionError(name + ": pixel " + i + " is " + mine[i] * 255 + "/255, torchvision's " + want[i] * 255 + "/255");
                }
            }
        }
    }

    /** max |a - b| / max |b|. */
    static double relative(float[] a, float[] b) {
        double err = 0, scale = 0;
        for (int i = 0; i < b.length; i++) {
            err = Math.max(err, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return err / scale;
    }

    private static void assertFeatures(String arch, Encoder enc) throws IOException {
        float[][] f = enc.embed(images());
        for (int i = 0; i < IMAGES.size(); i++) {
            float[] want = Npy.read(fixture("features_" + arch + "_" + IMAGES.get(i) + ".npy")).toArray();
            assertEquals(want.length, f[i].length);
            double r = relative(f[i], want);
            assertTrue(r <= 1e-3, arch + " " + IMAGES.get(i) + ": relative error " + r);
        }
    }

    @Test
    void aTorchvisionStateDictGivesTorchvisionsFeatures() throws IOException {
        try (Encoder enc = Encoder.load(fixture("resnet18_w8.pth"))) {
            assertEquals(64, enc.dimension());
            assertTrue(enc.describe().startsWith("resnet18 (width 8, ImageNet stem, 3 channels, 64 features)"), enc.describe());
            assertFeatures("resnet18", enc);
        }
    }

    @Test
    void theOfficialTrainingCheckpointInHalfPrecisionGivesItsBackbonesFeatures() throws IOException {
        try (Encoder enc = Encoder.load(fixture("resnet50_w8_half.pth"))) {
            assertEquals(256, enc.dimension());
            assertTrue(enc.describe().contains("model: module.backbone.*") && enc.describe().contains("others such as a projector ignored"),
                    enc.describe());
            assertFeatures("resnet50", enc);
        }
    }

    @Test
    void safetensorsWeightsLoadToo() throws IOException {
        Map<String, Tensor> state = TorchCheckpoint.tensors(TorchCheckpoint.read(fixture("resnet18_w8.pth")));
        Path st = tmp.resolve("r18.safetensors");
        SafeTensors.write(st, state, Map.of());
        try (Encoder enc = Encoder.load(st)) {
            assertFeatures("resnet18", enc);
        }
    }

    /**
     * A batch of 16 at 224 px sends ResNet-50's 3x3 stride-1 layers to Winograd F(4x4) (64 4x4 tiles and more per
     * call) while one image alone stays on the direct kernels: the features still agree within 1e-5 of the largest.
     */
    @Test
    void aResNet50BatchOnWinogradGivesTheFeaturesOfImagesAlone() {
        ResNet model = new ResNet(ResNet.Config.torchvision("resnet50"), new Rng(0));
        try (Encoder enc = Encoder.of(model, Preprocessing.imagenet(), Encoder.Options.defaults())) {
            Tensor x = Tensor.randn(new Rng(1), 16, 3, 224, 224);
            float[] batched = enc.embed(x).toArray(), pixels = x.toArray();
            int per = 3 * 224 * 224, dim = batched.length / 16;
            for (int i : new int[] {0, 15}) {
                Tensor one = Tensor.of(java.util.Arrays.copyOfRange(pixels, i * per, (i + 1) * per), 1, 3, 224, 224);
                double r = relative(enc.embed(one).toArray(), java.util.Arrays.copyOfRange(batched, i * dim, (i + 1) * dim));
                assertTrue(r <= 1e-5, "image " + i + ": relative difference " + r);
            }
        }
    }

    @Test
    void concurrentSingleImageCallsGetTheFeaturesOfABatchedCall() throws Exception {
        List<BufferedImage> imgs = images();
        try (Encoder enc = Encoder.load(fixture("resnet18_w8.pth"))) {
            float[][] batched = enc.embed(imgs);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<float[][]>> calls = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int k = t % imgs.size();
                    calls.add(pool.submit(() -> enc.embed(List.of(imgs.get(k)))));
                }
                for (int t = 0; t < 8; t++) {
                    float[] got = calls.get(t).get()[0];
                    double r = relative(got, batched[t % imgs.size()]);
                    assertTrue(r <= 1e-5, "thread " + t + ": relative difference " + r);
                }
            } finally {
                pool.shutdown();
            }
            Tensor x = Tensor.zeros(2, 3, 64, 64);
            assertEquals(List.of(2, 64), List.of(enc.embed(x).shape()[0], enc.embed(x).shape()[1]));
        }
        Encoder closed = Encoder.load(fixture("resnet18_w8.pth"));
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.embed(imgs));
    }

    @Test
    void weightsThatFitNoResNetSayWhichKeysAreWrong() throws IOException {
        Map<String, Tensor> state = new LinkedHashMap<>(TorchCheckpoint.tensors(TorchCheckpoint.read(fixture("resnet18_w8.pth"))));
        state.keySet().removeIf(k -> k.startsWith("layer4.1."));
        Path cut = tmp.resolve("cut.safetensors");
        SafeTensors.write(cut, state, Map.of());
        IOException e = assertThrows(IOException.class, () -> Encoder.load(cut));
        assertTrue(e.getMessage().contains("blocks per stage {1=2, 2=2, 3=2, 4=1} fit none"), e.getMessage());
        state = new LinkedHashMap<>(TorchCheckpoint.tensors(TorchCheckpoint.read(fixture("resnet18_w8.pth"))));
        state.put("layer2.0.bn1.weight", Tensor.zeros(3));
        Path bad = tmp.resolve("bad.safetensors");
        SafeTensors.write(bad, state, Map.of());
        e = assertThrows(IOException.class, () -> Encoder.load(bad));
        assertTrue(e.getMessage().contains("wrong shape layer2.0.bn1.weight"), e.getMessage());
        Path notResnet = tmp.resolve("x.safetensors");
        SafeTensors.write(notResnet, Map.of("w", Tensor.zeros(2)), Map.of());
        e = assertThrows(IOException.class, () -> Encoder.load(notResnet));
        assertTrue(e.getMessage().contains("no 4-d conv1.weight"), e.getMessage());
    }
}
