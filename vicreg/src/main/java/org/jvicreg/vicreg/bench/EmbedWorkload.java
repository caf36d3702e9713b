package org.jvicreg.vicreg.bench;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.vicreg.embed.Encoder;
import org.jvicreg.vicreg.embed.Preprocessing;
import org.jvicreg.vicreg.model.ResNet;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Inference as an application runs it through {@link Encoder}, torchvision's ResNet (randomly initialised) in
 * eval mode, in one of three ways:
 * <ul>
 *   <li>{@code tensor}: one call of {@code Encoder.embed(Tensor)} on batch preprocessed 3 x 224 x 224 images,
 *       the network alone (bench/pytorch/workloads.py embed times the same in PyTorch under no_grad);</li>
 *   <li>{@code call}: one call of {@code Encoder.embed(List)} on batch 400 x 300 images, preprocessing
 *       (torchvision's ImageNet evaluation transform) included;</li>
 *   <li>{@code threads}: batch threads at once, each embedding one of those images, as a server's request
 *       threads would.</li>
 * </ul>
 */
public final class EmbedWorkload extends Workload implements AutoCloseable {
    public static final List<String> MODES = List.of("tensor", "call", "threads");

    private final String mode;
    private final Encoder encoder;
    private final Tensor x;
    private final List<BufferedImage> images = new ArrayList<>();
    private final ExecutorService callers;

    public EmbedWorkload(String arch, int batch, String mode, Device device) {
        super("embed", "arch=" + arch + " batch=" + batch + " mode=" + mode, device, batch);
        this.mode = mode;
        Rng rng = new Rng(6);
        ResNet model = new ResNet(ResNet.Config.torchvision(arch), rng);
        encoder = Encoder.of(model, Preprocessing.imagenet(), Encoder.Options.defaults().withDevice(device).withMaxBatch(Math.max(64, batch)));
        x = Tensor.randn(rng, batch, 3, 224, 224).to(device);
        for (int i = 0; i < batch; i++) {
            BufferedImage img = new BufferedImage(400, 300, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 300; y++) for (int c = 0; c < 400; c++) img.setRGB(c, y, (int) (rng.nextLong() & 0xffffff));
            images.add(img);
        }
        callers = mode.equals("threads") ? Executors.newFixedThreadPool(batch) : null;
    }

    @Override
    public double flops() {
        return 0;
    }

    @Override
    protected void work() {
        switch (mode) {
            case "tensor" -> encoder.embed(x);
            case "call" -> encoder.embed(images);
            default -> {
                List<Future<float[][]>> calls = new ArrayList<>();
                for (BufferedImage img : images) calls.add(callers.submit(() -> encoder.embed(List.of(img))));
                try {
                    for (Future<float[][]> f : calls) f.get();
                } catch (InterruptedException | ExecutionException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    @Override
    public void close() {
        encoder.close();
        if (callers != null) callers.shutdown();
    }
}
