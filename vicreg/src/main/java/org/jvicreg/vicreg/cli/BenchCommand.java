package org.jvicreg.vicreg.cli;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Profiler;
import org.jvicreg.vicreg.bench.BenchRunner;
import org.jvicreg.vicreg.bench.ConvWorkload;
import org.jvicreg.vicreg.bench.EmbedWorkload;
import org.jvicreg.vicreg.bench.GemmWorkload;
import org.jvicreg.vicreg.bench.LayerOpWorkload;
import org.jvicreg.vicreg.bench.ResNet50Convs;
import org.jvicreg.vicreg.bench.ResNet50StepWorkload;
import org.jvicreg.vicreg.bench.VicregLossWorkload;
import org.jvicreg.vicreg.bench.VicregStepWorkload;
import org.jvicreg.vicreg.bench.Workload;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code vicreg bench NAME}: runs one workload with warm-up and repeats, logs each run on stderr and
 * prints, last, one JSON line with the median time, GFLOP/s and thread count. bench/pytorch/compare.py
 * runs these beside the same workloads in PyTorch.
 */
public final class BenchCommand implements Command {
    /** The workloads, in the order help and errors list them. */
    private static final List<String> WORKLOADS =
            List.of("gemm", "ztz", "conv", "layer-op", "resnet50-step", "recipe-step", "vicreg-step", "vicreg-loss", "embed",
                    "allreduce");

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "time one kernel or training workload (" + String.join(", ", WORKLOADS) + ")";
    }

    @Override
    public Set<String> flags() {
        return Set.of("cudnn-benchmark", "profile", "profile-shapes");
    }

    @Override
    public String help() {
        String layers = ResNet50Convs.ALL.stream().map(ResNet50Convs.Layer::name).collect(Collectors.joining(", "));
        return """
                usage: vicreg bench NAME [options]

                Runs one workload: warm-up runs (so the JIT has compiled the kernels), then timed
                runs. Each run's time goes to stderr; the last line on stdout is one JSON object:
                  {"name":...,"params":...,"device":...,"median_ms":...,"min_ms":...,"gflops":...,
                   "threads":...,"runs":...,"items_per_s":...,"peak_rss_mib":...,"backend":...}
                gflops counts a multiply-add as 2 flops; items_per_s is images (or samples) per
                second where that means something, else 0; peak_rss_mib is the process's VmHWM.
                "backend" describes the backend and its settings: threads and vector width on the
                CPU; on cuda the GPU and how convolution algorithms are chosen ("timed" with
                --cudnn-benchmark, which sets jvicreg.cuda.benchmark).

                workloads:
                  gemm            C = A B, all n x n                         (--n)
                  ztz             C = Z^T Z, Z of n x d: the VICReg covariance (--n, --d)
                  conv            one ResNet-50 convolution at 224x224 input (--layer, --batch, --pass)
                  layer-op        a memory-bound layer forward + backward (--op, --batch, --channels,
                                  --size): batchnorm, batchnorm-relu, batchnorm-add-relu (train mode,
                                  default 256 channels of 56 x 56, as ResNet-50's layer1), maxpool
                                  (3x3 stride 2 padding 1, default the stem's 64 channels of 112 x 112)
                                  or batchnorm1d (the expander's, on (batch, channels), default 8192
                                  channels, no --size); gflops is 0, time is the figure
                  resnet50-step   one ResNet-50 SGD training step, train-mode batch norm (--batch, --size)
                  recipe-step     one recipe R step without data loading: two views of --batch 1-channel
                                  images at --size, ResNet-18 width 16 (small stem), expander
                                  512-512-512, VICReg loss, LARS (defaults --batch 256 --size 28)
                  vicreg-step     one official-recipe VICReg step: two views of --batch 3-channel
                                  images at --size, ResNet-50, expander 8192-8192-8192, VICReg
                                  loss, LARS (defaults --batch 16 --size 224); needs a heap
                                  of about 5 GB: JVICREG_JAVA_OPTS=-Xmx6g where a quarter of
                                  the RAM (the JVM's default heap limit) is less
                  vicreg-loss     VICReg loss forward + backward of two (n, d) batches (--n, --d)
                  embed           inference through the embedding API (Encoder), torchvision's ResNet in
                                  eval mode (--arch, --batch, --mode): tensor (the network alone on
                                  preprocessed images), call (one call with 400 x 300 images,
                                  preprocessing included) or threads (--batch threads at once, one
                                  image each)
                  allreduce       under mpirun: in-place float all-reduce through jvicreg's MPI binding,
                                  one JSON line per buffer size from rank 0 (--sizes, bytes with K/M
                                  suffixes, default 4K,64K,1M,16M,64M); bench/mpi/compare.sh runs it
                                  beside MPI's own C path

                options:
                  --n N           rows (gemm: the size; ztz and vicreg-loss: the batch) (default 2048 for
                                  gemm, 256 otherwise)
                  --d D           embedding dimension for ztz and vicreg-loss (default 8192)
                  --layer NAME    the convolution, one of: %s (default layer3.1.conv2)
                  --batch B       images per batch (per view for the VICReg steps) (default 16, 256 for
                                  recipe-step)
                  --size HW       input height = width for the steps (default 224, 28 for recipe-step)
                                  and layer-op (default 56, 112 for maxpool)
                  --pass P        conv: fwd or fwdbwd (forward then both gradients) (default fwdbwd)
                  --op OP         layer-op: batchnorm, batchnorm-relu, batchnorm-add-relu, maxpool or
                                  batchnorm1d (default batchnorm)
                  --channels C    layer-op: channels (default 256, 64 for maxpool, 8192 for batchnorm1d)
                  --arch A        embed: resnet18, resnet34 or resnet50 (default resnet50)
                  --mode M        embed: tensor, call or threads (default tensor)
                  --device D      cpu or cuda (default cpu)
                  --cuda-libs DIRS
                                  cuda: directories holding libcublas.so.* / libcudnn.so.*,
                                  searched first (':'-separated; also JVICREG_CUDA_LIBS)
                  --cudnn-benchmark  cuda: time every cuDNN algorithm the first time a convolution
                                  shape runs and keep the fastest, as PyTorch's cudnn.benchmark
                                  (default: cuDNN's heuristics choose; also -Djvicreg.cuda.benchmark)
                  --profile       after the timed runs, run the workload 4 more times under the
                                  engine's Profiler (one to warm it up) and print on stderr where
                                  the last 3 runs' time went, per backend primitive (on cuda each
                                  call is synchronised, so these runs are slower; the JSON figures
                                  come from the unprofiled runs)
                  --profile-shapes  the same, per primitive and argument shapes (the 25 costliest
                                  rows; -Djvicreg.profile.rows=N for more)
                  --threads T     CPU threads (default: all cores, or -Djvicreg.threads)
                  --warmup N      at least N warm-up runs (default 3), and at least 2 s of them
                  --runs N        at least N timed runs (default 5), and at least --seconds of them
                  --seconds S     minimum measuring time in seconds (default 5)
                """.formatted(layers);
    }

    @Override
    public int run(Args args) {
        if (args.positional().size() != 1) {
            throw new UsageException("expected exactly one workload name (" + String.join(", ", WORKLOADS) + ")");
        }
        String name = args.positional().get(0);
        args.positional().clear(); // consumed: finish() rejects positional words left over
        if (args.has("threads")) {
            // must happen before the CPU backend's thread pool is created (on its first use, below)
            System.setProperty("jvicreg.threads", Integer.toString(args.positiveInteger("threads", 1)));
        }
        if (name.equals("allreduce")) return allReduce(args);
        String deviceName = args.device();
        boolean cudnnBenchmark = args.flag("cudnn-benchmark");
        boolean profileShapes = args.flag("profile-shapes"), profile = profileShapes || args.flag("profile");
        if (cudnnBenchmark && !deviceName.equals("cuda")) throw new UsageException("--cudnn-benchmark needs --device cuda");
        // read when the CUDA backend opens (on the workload's first use of the device, below)
        if (cudnnBenchmark) System.setProperty("jvicreg.cuda.benchmark", "true");
        int warmup = args.integer("warmup", 3);
        int runs = args.positiveInteger("runs", 5);
        double seconds = args.number("seconds", 5);
        if (warmup < 0) throw new UsageException("option --warmup must be >= 0, got " + warmup);
        Workload w = switch (name) {
            case "gemm" -> {
                int n = args.positiveInteger("n", 2048);
                args.finish();
                yield GemmWorkload.square(n, Device.of(deviceName));
            }
            case "ztz" -> {
                int n = args.positiveInteger("n", 256), d = args.positiveInteger("d", 8192);
                args.finish();
                yield GemmWorkload.ztz(n, d, Device.of(deviceName));
            }
            case "conv" -> {
                String layerName = args.string("layer", "layer3.1.conv2");
                ResNet50Convs.Layer layer = ResNet50Convs.byName(layerName);
                if (layer == null) throw new UsageException("unknown --layer '" + layerName + "' (the layers are listed in --help)");
                int batch = args.positiveInteger("batch", 16);
                boolean backward = args.choice("pass", "fwdbwd", "fwd", "fwdbwd").equals("fwdbwd");
                args.finish();
                yield new ConvWorkload(layer, batch, backward, Device.of(deviceName));
            }
            case "layer-op" -> {
                String[] ops = Arrays.stream(LayerOpWorkload.Op.values()).map(o -> o.cli).toArray(String[]::new);
                LayerOpWorkload.Op op = LayerOpWorkload.Op.byName(args.choice("op", LayerOpWorkload.Op.BATCHNORM.cli, ops));
                int[] shape = op.defaultShape();
                int batch = args.positiveInteger("batch", 16), channels = args.positiveInteger("channels", shape[0]);
                if (op == LayerOpWorkload.Op.BATCHNORM1D && args.has("size")) {
                    throw new UsageException("--size does not apply to batchnorm1d: its input is (--batch, --channels)");
                }
                int size = args.positiveInteger("size", shape[1]);
                args.finish();
                if (op != LayerOpWorkload.Op.MAXPOOL && (long) batch * size * size < 2) {
                    throw new UsageException("train-mode batch norm needs more than one value per channel ("
                            + (op == LayerOpWorkload.Op.BATCHNORM1D ? "--batch >= 2)" : "--batch x --size^2 >= 2)"));
                }
                yield new LayerOpWorkload(op, batch, channels, size, Device.of(deviceName));
            }
            case "resnet50-step" -> {
                int batch = args.positiveInteger("batch", 16), size = args.positiveInteger("size", 224);
                args.finish();
                if (size < 32) throw new UsageException("--size must be at least 32 for ResNet-50, got " + size);
                yield new ResNet50StepWorkload(batch, size, Device.of(deviceName));
            }
            case "recipe-step" -> {
                int batch = args.positiveInteger("batch", 256), size = args.positiveInteger("size", 28);
                args.finish();
                if (batch < 2) throw new UsageException("--batch must be at least 2 (the loss uses unbiased variances)");
                if (size < 4) throw new UsageException("--size must be at least 4 for the small-stem ResNet-18, got " + size);
                yield VicregStepWorkload.recipe(batch, size, Device.of(deviceName));
            }
            case "vicreg-step" -> {
                int batch = args.positiveInteger("batch", 16), size = args.positiveInteger("size", 224);
                args.finish();
                if (batch < 2) throw new UsageException("--batch must be at least 2 (the loss uses unbiased variances)");
                if (size < 32) throw new UsageException("--size must be at least 32 for ResNet-50, got " + size);
                yield VicregStepWorkload.resnet50(batch, size, Device.of(deviceName));
            }
            case "embed" -> {
                String arch = args.choice("arch", "resnet50", "resnet18", "resnet34", "resnet50");
                String mode = args.choice("mode", "tensor", EmbedWorkload.MODES);
                int batch = args.positiveInteger("batch", 16);
                args.finish();
                if (mode.equals("threads") && batch > 256) throw new UsageException("--mode threads takes --batch up to 256 (one thread each)");
                yield new EmbedWorkload(arch, batch, mode, Device.of(deviceName));
            }
            case "vicreg-loss" -> {
                int n = args.positiveInteger("n", 256), d = args.positiveInteger("d", 8192);
                args.finish();
                if (n < 2) throw new UsageException("--n must be at least 2 (the loss uses unbiased variances)");
                yield new VicregLossWorkload(n, d, Device.of(deviceName));
            }
            default -> throw new UsageException("unknown workload '" + name + "' (expected "
                    + String.join(", ", WORKLOADS.subList(0, WORKLOADS.size() - 1)) + " or " + WORKLOADS.getLast() + ")");
        };
        String backend = Device.of(deviceName).backend().toString();
        int threads = Device.cpuThreads();
        System.err.printf("bench %s %s on %s, %d CPU threads%n", w.name(), w.describe(), deviceName, threads);
        BenchRunner.Result r = BenchRunner.measure(w, new BenchRunner.Plan(warmup, 2.0, runs, seconds), System.err);
        if (profile) {
            int reps = 3;
            try (Profiler warm = Profiler.start(profileShapes)) {
                w.run(); // compiles the profiler's own path, which would otherwise weigh on small workloads
            }
            Profiler p = Profiler.start(profileShapes);
            try (p) {
                for (int i = 0; i < reps; i++) w.run();
            }
            System.err.printf("profile of %d more runs (%.1f ms each):%n%s", reps, p.wallMillis() / reps, p.table(Integer.getInteger("jvicreg.profile.rows", 25)));
        }
        double itemsPerS = w.items() == 0 ? 0 : w.items() / (r.median() / 1e3);
        System.out.println(String.format(Locale.ROOT,
                "{\"name\":\"%s\",\"params\":\"%s\",\"device\":\"%s\",\"median_ms\":%.3f,\"min_ms\":%.3f,\"gflops\":%.2f,"
                        + "\"threads\":%d,\"runs\":%d,\"items_per_s\":%.2f,\"peak_rss_mib\":%.0f,\"backend\":\"%s\"}",
                w.name(), w.describe(), deviceName, r.median(), r.min(), r.gflops(), threads, r.millis().length,
                itemsPerS, BenchRunner.peakResidentMiB(), backend.replace("\\", "\\\\").replace("\"", "\\\"")));
        return 0;
    }

    private static int allReduce(Args args) {
        String spec = args.string("sizes", "4K,64K,1M,16M,64M");
        List<Long> sizes = new java.util.ArrayList<>();
        for (String part : spec.split(",")) {
            String t = part.trim().toUpperCase(Locale.ROOT);
            long unit = t.endsWith("K") ? 1L << 10 : t.endsWith("M") ? 1L << 20 : 1;
            try {
                long v = Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
                if (v < Float.BYTES || v > (1L << 31) || v % Float.BYTES != 0) throw new NumberFormatException();
                sizes.add(v);
            } catch (NumberFormatException e) {
                throw new UsageException("option --sizes: '" + part + "' is not a size in bytes (a multiple of 4, up to 2G; K and M suffixes)");
            }
        }
        args.finish();
        org.jvicreg.engine.dist.MpiCollective group = org.jvicreg.engine.dist.MpiCollective.world(java.time.Duration.ofSeconds(300));
        if (group.isRoot()) System.err.println("bench allreduce: " + group.describe());
        org.jvicreg.vicreg.bench.AllReduceBandwidth.run(group, sizes.stream().mapToLong(Long::longValue).toArray(), System.out);
        group.close();
        return 0;
    }
}
