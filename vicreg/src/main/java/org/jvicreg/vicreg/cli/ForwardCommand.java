package org.jvicreg.vicreg.cli;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Grad;
import org.jvicreg.engine.Rng;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.Npy;
import org.jvicreg.engine.io.SafeTensors;
import org.jvicreg.vicreg.embed.BackboneWeights;
import org.jvicreg.vicreg.model.ResNet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code vicreg forward}: torchvision's ResNet-18/34/50 (without fc) on an image batch from an .npy file,
 * with weights from a safetensors file under torchvision's names, and optionally the gradients of
 * L = sum(Y * R) for every parameter and the input: PyTorch interop that other tools can compare against.
 */
public final class ForwardCommand implements Command {

    @Override
    public String name() {
        return "forward";
    }

    @Override
    public String summary() {
        return "torchvision ResNet features (and gradients) of an .npy image batch, for PyTorch interop";
    }

    @Override
    public Set<String> flags() {
        return Set.of("train");
    }

    @Override
    public String help() {
        return """
                usage: vicreg forward --arch resnet18|resnet34|resnet50 --weights W.safetensors --input X.npy
                                      --output Y.npy [--train] [--grad-seed R.npy --grads-out G.safetensors]
                                      [--device cpu|cuda]

                Runs torchvision's ResNet (3 input channels, width 64, ImageNet stem; fc replaced by the
                identity) and writes the pooled feature matrix Y, (N, 512) or (N, 2048), as float32.
                With --grad-seed it back-propagates L = sum(Y * R) and writes dL/dp for every parameter
                under its torchvision name, plus "input" for dL/dX. Outputs are written only when
                everything succeeded.

                options:
                  --arch A             resnet18 | resnet34 | resnet50 (required)
                  --weights FILE       safetensors state dict with torchvision's names (required); fc.* is
                                       ignored, num_batches_tracked is read and ignored, anything else
                                       missing, unexpected or mis-shaped is an error
                  --input FILE         X, an (N, 3, H, W) .npy array, float32 or float64 (required)
                  --output FILE        where to write Y, (N, features) float32 .npy (required)
                  --train              BatchNorm uses the batch's statistics (default: running statistics)
                  --grad-seed FILE     R, an (N, features) .npy array: back-propagate L = sum(Y * R)
                  --grads-out FILE     where to write the gradients (safetensors, float32); goes with
                                       --grad-seed
                  --device D           cpu | cuda: where the network runs (default cpu)
                  --cuda-libs DIRS     cuda: directories holding libcublas.so.* / libcudnn.so.*,
                                       searched first (':'-separated; also JVICREG_CUDA_LIBS)
                """;
    }

    @Override
    public int run(Args args) throws IOException {
        if (!args.has("arch")) throw new UsageException("missing required option --arch");
        String arch = args.choice("arch", null, ResNet.ARCHITECTURES);
        Path weightsPath = args.requirePath("weights");
        Path inputPath = args.requirePath("input");
        Path outputPath = args.requirePath("output");
        boolean train = args.flag("train");
        Path seedPath = args.path("grad-seed", null);
        Path gradsPath = args.path("grads-out", null);
        String deviceName = args.device();
        args.finish();
        if ((seedPath == null) != (gradsPath == null)) {
            throw new UsageException("--grad-seed and --grads-out go together: one names R for L = sum(Y * R), "
                    + "the other where the gradients go");
        }
        OutputFiles.checkTarget("output", outputPath);
        if (gradsPath != null) OutputFiles.checkTarget("grads-out", gradsPath);
        if (gradsPath != null && gradsPath.toAbsolutePath().normalize().equals(outputPath.toAbsolutePath().normalize())) {
            throw new UsageException("--output and --grads-out name the same file " + outputPath);
        }

        ResNet.Config config = ResNet.Config.torchvision(arch);
        Tensor x = images(inputPath, config, train);
        ResNet model = new ResNet(config, new Rng(0));
        loadWeights(model, weightsPath);
        int n = x.size(0);
        Tensor seed = seedPath == null ? null : gradSeed(seedPath, n, model.featureDim());
        model.train(train);
        Device device = Device.of(deviceName);
        model.to(device);
        x = x.to(device);
        if (seed != null) seed = seed.to(device);

        Tensor y;
        Map<String, Tensor> grads = null;
        if (seed == null) {
            try (var g = Grad.off()) {
                y = model.forward(x);
            }
        } else {
            x.requiresGrad(true);
            y = model.forward(x);
            y.mul(seed).sum().backward();
            grads = new LinkedHashMap<>();
            for (var e : model.namedParameters().entrySet()) {
                Tensor grad = e.getValue().grad();
                grads.put(e.getKey(), grad != null ? grad.to(Device.cpu()) : Tensor.zeros(e.getValue().shape()));
            }
            grads.put("input", x.grad().to(Device.cpu()));
        }

        try (OutputFiles out = new OutputFiles()) {
            Tensor features = y.detach().to(Device.cpu());
            out.write(outputPath, f -> Npy.write(f, features));
            if (grads != null) {
                Map<String, Tensor> all = grads;
                out.write(gradsPath, f -> SafeTensors.write(f, all, Map.of("format", "pt", "producer", "jvicreg forward",
                        "loss", "sum(Y * R)", "arch", arch, "mode", train ? "train" : "eval")));
            }
            out.commit();
        }
        return 0;
    }

    /** X as (N, 3, H, W) with something to normalise over in --train mode. */
    private static Tensor images(Path file, ResNet.Config config, boolean train) throws IOException {
        Tensor x = InputFiles.npy("input", file);
        String where = InputFiles.where("input", file);
        if (x.dim() != 4) {
            throw new IOException(where + "expected an (N, C, H, W) image batch (4 dimensions), got shape " + InputFiles.shape(x));
        }
        if (x.size(1) != config.inChannels()) {
            throw new IOException(where + "has " + x.size(1) + " channel" + (x.size(1) == 1 ? "" : "s") + " (shape "
                    + InputFiles.shape(x) + ") but torchvision's " + config.arch() + " takes " + config.inChannels()
                    + " (RGB, N x 3 x H x W)");
        }
        if (x.numel() == 0) throw new IOException(where + "is empty, shape " + InputFiles.shape(x));
        // The ImageNet stem and the three strided stages halve the size five times, each rounding up.
        int h = ceilDiv(x.size(2), 32), w = ceilDiv(x.size(3), 32);
        if (train && (long) x.size(0) * h * w < 2) {
            throw new IOException(where + "with --train every BatchNorm needs more than one value per channel, but N="
                    + x.size(0) + " at " + x.size(2) + "x" + x.size(3) + " leaves " + x.size(0) + "x" + h + "x" + w
                    + " in layer4 (PyTorch refuses this too); use a batch of at least 2 or images larger than 32 px");
        }
        return x;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Loads the checkpoint by torchvision names, ignoring fc.* and the num_batches_tracked counters. */
    private static void loadWeights(ResNet model, Path file) throws IOException {
        BackboneWeights.load(model, InputFiles.safetensors("weights", file), InputFiles.where("weights", file));
    }

    private static Tensor gradSeed(Path file, int n, int features) throws IOException {
        Tensor r = InputFiles.npy("grad-seed", file);
        if (r.dim() != 2 || r.size(0) != n || r.size(1) != features) {
            throw new IOException(InputFiles.where("grad-seed", file) + "expected shape [" + n + ", " + features
                    + "] (the output's), got " + InputFiles.shape(r));
        }
        return r;
    }
}
