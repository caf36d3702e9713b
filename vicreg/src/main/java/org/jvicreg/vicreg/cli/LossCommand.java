package org.jvicreg.vicreg.cli;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.Json;
import org.jvicreg.engine.io.Npy;
import org.jvicreg.vicreg.loss.VicregLoss;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code vicreg loss}: the VICReg loss of two embedding matrices from .npy files, as one JSON line, and
 * optionally its gradients, so any tool can compare its own implementation against this one.
 */
public final class LossCommand implements Command {
    @Override
    public String name() {
        return "loss";
    }

    @Override
    public java.util.Set<String> flags() {
        return java.util.Set.of("term-grads");
    }

    @Override
    public String summary() {
        return "the VICReg loss (and its gradients) of two (N, D) embedding matrices in .npy files";
    }

    @Override
    public String help() {
        return """
                usage: vicreg loss --a A.npy --b B.npy [--sim 25] [--std 25] [--cov 1] [--grad-dir DIR] [--term-grads] [--device D]

                The VICReg loss of two embedding matrices, exactly as the official code
                (facebookresearch/vicreg) computes it:
                  invariance = mean over all N*D elements of (A - B)^2
                  variance   = mean_j relu(1 - std_j(A)) / 2 + mean_j relu(1 - std_j(B)) / 2,
                               std_j = sqrt(unbiased variance of column j + 1e-4)
                  covariance = (sum of squared off-diagonal entries of cov(A)) / D + the same for B,
                               cov = centred^T centred / (N - 1)
                  loss       = sim * invariance + std * variance + cov * covariance
                Prints exactly one JSON line on stdout:
                  {"invariance":...,"variance":...,"covariance":...,"loss":...}

                options:
                  --a FILE        first branch's embeddings: an (N, D) .npy array, float32 or float64,
                                  N >= 2 (required)
                  --b FILE        second branch's embeddings, the same shape (required)
                  --sim X         invariance coefficient (default 25)
                  --std X         variance coefficient (default 25)
                  --cov X         covariance coefficient (default 1)
                  --grad-dir DIR  also write DIR/grad_a.npy and DIR/grad_b.npy: d loss / d A and
                                  d loss / d B, float32 (DIR is created if needed)
                  --term-grads    also print, after "loss", grad_invariance, grad_variance and
                                  grad_covariance: the norm of each weighted term's gradient with
                                  respect to (A, B) together (the loss's gradient is their sum)
                  --device D      cpu | cuda: where the loss is computed (default cpu)
                  --cuda-libs DIRS
                                  cuda: directories holding libcublas.so.* / libcudnn.so.*,
                                  searched first (':'-separated; also JVICREG_CUDA_LIBS)
                """;
    }

    @Override
    public int run(Args args) throws IOException {
        Path aPath = args.requirePath("a");
        Path bPath = args.requirePath("b");
        double sim = args.number("sim", 25);
        double std = args.number("std", 25);
        double cov = args.number("cov", 1);
        Path gradDir = args.path("grad-dir", null);
        boolean termGrads = args.flag("term-grads");
        String deviceName = args.device();
        args.finish();
        if (gradDir != null) {
            if (Files.exists(gradDir) && !Files.isDirectory(gradDir)) {
                throw new UsageException("--grad-dir " + gradDir + " exists and is not a directory");
            }
            OutputFiles.checkTarget("grad-dir", gradDir.resolve("grad_a.npy"));
            OutputFiles.checkTarget("grad-dir", gradDir.resolve("grad_b.npy"));
        }

        Tensor a = embeddings("a", aPath);
        Tensor b = embeddings("b", bPath);
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IOException("--a " + aPath + " has shape " + InputFiles.shape(a) + " but --b " + bPath + " has shape "
                    + InputFiles.shape(b) + "; both branches must have the same (N, D) shape");
        }
        boolean withGrads = gradDir != null;
        Device device = Device.of(deviceName);
        Tensor x = a.to(device).requiresGrad(withGrads), y = b.to(device).requiresGrad(withGrads);
        VicregLoss.Result r = new VicregLoss(sim, std, cov, VicregLoss.CovPath.AUTO).compute(x, y);
        if (withGrads) r.loss().backward();

        Map<String, Object> terms = new LinkedHashMap<>();
        terms.put("invariance", r.invariance());
        terms.put("variance", r.variance());
        terms.put("covariance", r.covariance());
        terms.put("loss", sim * r.invariance() + std * r.variance() + cov * r.covariance());
        for (var e : terms.entrySet()) { // finite inputs can still overflow float32 arithmetic
            if (!Double.isFinite((Double) e.getValue())) {
                throw new IOException("the " + e.getKey() + " of --a " + aPath + " and --b " + bPath + " is not finite (" + e.getValue()
                        + "): their values are too large for float32 arithmetic (largest magnitude " + Math.max(maxAbs(a), maxAbs(b)) + ")");
            }
        }
        if (termGrads) {
            VicregLoss.TermGradients g = r.gradientNorms();
            terms.put("grad_invariance", g.invariance());
            terms.put("grad_variance", g.variance());
            terms.put("grad_covariance", g.covariance());
        }
        if (withGrads) {
            try (OutputFiles out = new OutputFiles()) {
                Tensor gradA = finiteGradient("a", aPath, x.grad().to(Device.cpu()));
                Tensor gradB = finiteGradient("b", bPath, y.grad().to(Device.cpu()));
                out.write(gradDir.resolve("grad_a.npy"), f -> Npy.write(f, gradA));
                out.write(gradDir.resolve("grad_b.npy"), f -> Npy.write(f, gradB));
                out.commit();
            }
        }
        System.out.println(Json.write(terms));
        return 0;
    }

    private static double maxAbs(Tensor t) {
        double m = 0;
        for (float v : t.toArray()) m = Math.max(m, Math.abs(v));
        return m;
    }

    /** The gradient for one input, refused (nothing is written) when any of its values is not finite. */
    private static Tensor finiteGradient(String option, Path input, Tensor grad) throws IOException {
        float[] v = grad.toArray();
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new IOException("the gradient for --" + option + " " + input + " is not finite (" + v[i] + " at flat index " + i
                        + "): the values are too large for float32 arithmetic; nothing was written");
            }
        }
        return grad;
    }

    /** An (N, D) matrix with N >= 2 and D >= 1, or an error that says which file is wrong and why. */
    private static Tensor embeddings(String option, Path file) throws IOException {
        Tensor t = InputFiles.npy(option, file);
        String where = InputFiles.where(option, file);
        if (t.dim() != 2) {
            throw new IOException(where + "expected an (N, D) embedding matrix (2 dimensions), got shape " + InputFiles.shape(t));
        }
        if (t.size(0) < 2) {
            throw new IOException(where + "holds N=" + t.size(0) + " sample" + (t.size(0) == 1 ? "" : "s")
                    + "; VICReg needs at least 2, as its variance and covariance terms divide by N - 1");
        }
        if (t.size(1) < 1) throw new IOException(where + "has D=0 dimensions, shape " + InputFiles.shape(t));
        return t;
    }
}
