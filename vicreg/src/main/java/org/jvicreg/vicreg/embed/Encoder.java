package org.jvicreg.vicreg.embed;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Memory;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.SafeTensors;
import org.jvicreg.engine.io.TorchCheckpoint;
import org.jvicreg.vicreg.augment.AugmentConfig;
import org.jvicreg.vicreg.augment.Normalization;
import org.jvicreg.vicreg.data.Datasets;
import org.jvicreg.vicreg.model.ResNet;
import org.jvicreg.vicreg.train.PretrainConfig;
import org.jvicreg.vicreg.train.RunDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A trained ResNet backbone that turns images into feature vectors, for applications on the JVM:
 * <pre>{@code
 * try (Encoder enc = Encoder.load(Path.of("resnet50.pth"))) {   // .pth, .safetensors or a run directory
 *     float[][] features = enc.embed(List.of(image1, image2));  // java.awt.image.BufferedImage
 *     int dim = enc.dimension();                                  // 2048 for ResNet-50
 * }
 * }</pre>
 * <b>Weights.</b> A PyTorch file written by {@code torch.save} (facebookresearch/vicreg's {@code resnet50.pth},
 * its training checkpoints, torchvision's weights), a safetensors file under torchvision's names, or a
 * {@code bin/vicreg pretrain} run directory. The architecture (ResNet-18/34/50, width, stem, input channels)
 * is read from the weights' names and shapes; {@link #describe()} says what was picked.
 *
 * <p><b>Preprocessing.</b> Bare weights get torchvision's ImageNet evaluation transform
 * ({@link Preprocessing#imagenet()}); a run directory the decoding and normalisation of its own training
 * data. {@link Options#preprocessing} chooses another.
 *
 * <p><b>Threads and batching.</b> {@code embed} may be called from any number of threads at once. Each call
 * preprocesses its images (in parallel on the JDK's common pool when it has several), then hands them to
 * the encoder's one worker thread, which runs the network on everything waiting (up to
 * {@link Options#maxBatch} images at a time, gathering calls that arrive within 5 ms of each other, for at
 * most 40 ms): so many threads embedding one image each are served in batches, as a single call with all
 * their images would be, and each gets the features that a batched call gives it (up to float rounding: the
 * network's arithmetic does not mix images). The network itself runs on the engine's CPU worker team (or
 * the GPU), which all callers share.
 *
 * <p><b>Memory.</b> The model's weights, plus per batch its activations, which the worker gives back when
 * the batch is done; a call's own images are held until its features are ready. {@link #close()} stops the
 * worker; calls made afterwards throw.
 */
public final class Encoder implements AutoCloseable {
    /** How an encoder loads and runs: its device, preprocessing (null: the weights' default) and largest batch. */
    public record Options(Device device, Preprocessing preprocessing, int maxBatch) {
        public Options {
            if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
        }

        public static Options defaults() {
            return new Options(Device.cpu(), null, 64);
        }

        public Options withDevice(Device d) {
            return new Options(d, preprocessing, maxBatch);
        }

        public Options withPreprocessing(Preprocessing p) {
            return new Options(device, p, maxBatch);
        }

        public Options withMaxBatch(int n) {
            return new Options(device, preprocessing, n);
        }
    }

    /** Work for the worker thread: a call's preprocessed images, or a tensor of them. */
    private sealed interface Job permits Images, Batch {}

    /** One call's preprocessed images (count of them, one after the other), and where their features go. */
    private record Images(float[] pixels, int count, CompletableFuture<float[][]> result) implements Job {}

    /** A tensor of preprocessed images, run by itself. */
    private record Batch(Tensor images, CompletableFuture<Tensor> result) implements Job {}

    /**
     * How long the worker waits for one more call to join a batch once one is waiting, and at most in all
     * (a network's forward pass takes tens of milliseconds per image on the CPU).
     */
    private static final long GATHER_NANOS = 5_000_000, MAX_GATHER_NANOS = 40_000_000;

    private final ResNet model;
    private final Device device;
    private final Preprocessing preprocessing;
    private final int maxBatch;
    private final String description;
    private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final Thread worker;
    private volatile boolean closed;

    private Encoder(ResNet model, Preprocessing preprocessing, Options options, String description) {
        this.model = model;
        this.device = options.device();
        this.preprocessing = preprocessing;
        this.maxBatch = options.maxBatch();
        this.description = description;
        model.train(false);
        model.to(device);
        worker = Thread.ofPlatform().name("jvicreg-encoder").daemon(true).start(this::serve);
    }

    /** The encoder of a weights file or run directory, on the CPU, with the weights' default preprocessing. */
    public static Encoder load(Path weights) throws IOException {
        return load(weights, Options.defaults());
    }

    /**
     * The encoder of a weights file ({@code .pth} as torch.save writes it, {@code .safetensors}) or a pretrain
     * run directory, with the options' device, preprocessing (null: the weights' default) and largest batch.
     * Throws one IOException line naming the file when it holds no ResNet backbone that loads.
     */
    public static Encoder load(Path weights, Options options) throws IOException {
        String file = weights.toString();
        BackboneWeights w;
        Preprocessing byDefault = Preprocessing.imagenet();
        if (Files.isDirectory(weights)) {
            PretrainConfig run = RunDir.readConfig(weights);
            Map<String, Tensor> state = SafeTensors.read(RunDir.backbone(weights));
            w = BackboneWeights.fromStateDict(RunDir.backbone(weights).toString(), state, "");
            byDefault = runPreprocessing(weights, run, w.config().inChannels());
        } else if (file.endsWith(".safetensors")) {
            w = BackboneWeights.fromStateDict(file, SafeTensors.read(weights), "");
        } else {
            w = BackboneWeights.fromCheckpoint(file, TorchCheckpoint.read(weights));
        }
        Preprocessing p = options.preprocessing() != null ? options.preprocessing() : byDefault;
        if (p.channels() != w.config().inChannels()) {
            throw new IOException(file + ": the network takes " + w.config().inChannels() + "-channel images, the "
                    + "preprocessing makes " + p.channels());
        }
        ResNet model = new ResNet(w.config(), new Rng(0));
        w.loadInto(model, file);
        ResNet.Config c = w.config();
        String what = c.arch() + " (width " + c.width() + ", " + (c.smallStem() ? "small-image" : "ImageNet") + " stem, "
                + c.inChannels() + " channels, " + model.featureDim() + " features) from " + file + " " + w.picked();
        return new Encoder(model, p, options, what);
    }

    /**
     * An encoder over a model built in code (its weights already set), with the given preprocessing. The
     * encoder puts the model in eval mode on the options' device and uses it from its worker thread only.
     */
    public static Encoder of(ResNet model, Preprocessing preprocessing, Options options) {
        ResNet.Config c = model.config();
        return new Encoder(model, preprocessing, options, c.arch() + " (width " + c.width() + ", " + model.featureDim()
                + " features) built in code");
    }

    /** The decoding and normalisation of a run's training images (the normalisation its config records, if it does). */
    private static Preprocessing runPreprocessing(Path dir, PretrainConfig run, int channels) throws IOException {
        Normalization recorded = run.augment() == null ? null : run.augment().normalization();
        if (recorded != null && recorded.channels() != channels) {
            throw new IOException(RunDir.config(dir) + ": field 'augment' normalises " + recorded.channels()
                    + "-channel images, but the network takes " + channels);
        }
        if (run.dataset().equals("folder")) {
            Datasets.FolderOptions f = Datasets.FolderOptions.DEFAULT;
            Normalization n = channels == 3 ? Normalization.IMAGENET : Normalization.identity(channels);
            return Preprocessing.training(channels, f.height(), f.width(), recorded != null ? recorded : n);
        }
        AugmentConfig a = AugmentConfig.forDataset(run.dataset()); // the preset's views have the dataset's size
        return Preprocessing.training(channels, a.outHeight(), a.outWidth(), recorded != null ? recorded : a.normalization());
    }

    /** The length of each feature vector (512 x width / 64 for ResNet-18/34, 2048 x width / 64 for ResNet-50). */
    public int dimension() {
        return model.featureDim();
    }

    /** What was loaded: the architecture and the part of the file it came from. */
    public String describe() {
        return description;
    }

    public Preprocessing preprocessing() {
        return preprocessing;
    }

    /** The features of each image, in order (one row of {@link #dimension()} floats each). */
    public float[][] embed(List<BufferedImage> images) {
        if (images.isEmpty()) return new float[0][];
        int per = preprocessing.imageSize();
        float[] pixels = new float[Math.multiplyExact(images.size(), per)];
        // images preprocess in parallel (the JDK's common pool), each into its own slice
        java.util.stream.IntStream.range(0, images.size()).parallel().forEach(i -> preprocessing.apply(images.get(i), pixels, i * per));
        return await(new Images(pixels, images.size(), new CompletableFuture<>()));
    }

    /**
     * The features of already preprocessed images (n, channels, height, width) on any device, as an
     * (n, dimension) tensor on that device. Run by itself, not batched with other calls; thread-safe.
     */
    public Tensor embed(Tensor images) {
        int[] s = images.shape();
        if (s.length != 4 || s[1] != preprocessing.channels()) {
            throw new IllegalArgumentException("expected images (n, " + preprocessing.channels() + ", h, w), got "
                    + java.util.Arrays.toString(s));
        }
        Batch b = new Batch(images, new CompletableFuture<>());
        return await(b);
    }

    private <T> T await(Job job) {
        if (closed) throw new IllegalStateException("this encoder is closed");
        queue.add(job);
        if (closed) fail(job, new IllegalStateException("this encoder is closed"));
        try {
            @SuppressWarnings("unchecked")
            T out = (T) (job instanceof Images i ? i.result().get() : ((Batch) job).result().get());
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for features", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
    }

    private static void fail(Job job, Throwable t) {
        switch (job) {
            case Images i -> i.result().completeExceptionally(t);
            case Batch b -> b.result().completeExceptionally(t);
        }
    }

    /**
     * The worker: takes the next job; a call's images are joined by the calls that wait behind them or arrive
     * within {@link #GATHER_NANOS} of each other (for at most {@link #MAX_GATHER_NANOS}), up to maxBatch images,
     * and run as one batch.
     */
    private void serve() {
        List<Images> batch = new ArrayList<>();
        while (true) {
            try {
                Job first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closed) return;
                    continue;
                }
                if (first instanceof Batch b) {
                    run(b);
                    continue;
                }
                batch.clear();
                Images i0 = (Images) first;
                batch.add(i0);
                int images = i0.count();
                long deadline = System.nanoTime() + MAX_GATHER_NANOS;
                while (images < maxBatch) {
                    long left = deadline - System.nanoTime();
                    Job next = left <= 0 ? queue.poll() : queue.poll(Math.min(GATHER_NANOS, left), TimeUnit.NANOSECONDS);
                    if (next == null) break;
                    if (next instanceof Images i && images + i.count() <= maxBatch) {
                        batch.add(i);
                        images += i.count();
                        continue;
                    }
                    run(batch, images);
                    batch.clear();
                    images = 0;
                    if (next instanceof Batch b) {
                        run(b);
                        break;
                    }
                    batch.add((Images) next);
                    images = ((Images) next).count();
                }
                if (!batch.isEmpty()) run(batch, images);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void run(Batch b) {
        try (var scope = Memory.scope(); var g = Grad.off()) {
            Tensor out = model.forward(b.images().to(device)).to(b.images().device());
            b.result().complete(scope.keep(out));
        } catch (RuntimeException | Error e) {
            b.result().completeExceptionally(e);
        }
    }

    private void run(List<Images> batch, int images) {
        int per = preprocessing.imageSize(), dim = model.featureDim();
        try (var scope = Memory.scope(); var g = Grad.off()) {
            float[] pixels = new float[images * per];
            int at = 0;
            for (Images r : batch) {
                System.arraycopy(r.pixels(), 0, pixels, at, r.pixels().length);
                at += r.pixels().length;
            }
            Tensor x = Tensor.of(pixels, images, preprocessing.channels(), preprocessing.height(), preprocessing.width());
            float[] features = model.forward(x.to(device)).to(Device.cpu()).toArray();
            int row = 0;
            for (Images r : batch) {
                float[][] out = new float[r.count()][];
                for (int i = 0; i < r.count(); i++, row++) out[i] = java.util.Arrays.copyOfRange(features, row * dim, (row + 1) * dim);
                r.result().complete(out);
            }
        } catch (RuntimeException | Error e) {
            for (Images r : batch) r.result().completeExceptionally(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Job j; (j = queue.poll()) != null; ) fail(j, new IllegalStateException("this encoder is closed"));
    }
}
