#!/usr/bin/env python3
"""The `vicreg bench` workloads in PyTorch, for a side-by-side comparison on the same machine.

Usage: /usr/bin/python3 bench/pytorch/workloads.py NAME [options]   (NAME: gemm, ztz, conv, layer-op,
resnet50-step, recipe-step, vicreg-step, vicreg-loss, and lars-step beside the JMH LarsStepBench; options as
`bin/vicreg bench --help`, plus --threads T for torch.set_num_threads)

Warm-up and timing follow vicreg's BenchRunner: at least --warmup runs and 2 s of warm-up, then at least
--runs runs and --seconds of timing; the median is reported. Prints each run on stderr and, last, one
JSON line with the same keys as vicreg's.

PyTorch at its best here: torch.mm goes to the BLAS torch was built against (Debian's python3-torch uses
the system libblas.so.3: install libopenblas0-pthread, which threads by itself, whatever
torch.get_num_threads() says); convolutions go to oneDNN (mkldnn), which uses torch's OpenMP threads, so
--threads defaults to the number of cores. Gradients are released (set to None) between steps. glibc's heap
is kept, on huge pages where the kernel has them, and OpenBLAS runs its AVX-512 kernels where the CPU has
them (tuned.py), unless --untuned.
"""
import argparse
import json
import os
import statistics
import sys
import time

import tuned  # beside this script

if __name__ == "__main__" and "--untuned" not in sys.argv[1:]:
    tuned.restart()  # before torch loads OpenBLAS, so the re-executed script imports it once

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from vicreg_loss import official_terms  # noqa: E402 (the official loss, beside this script)

# name, in channels, out channels, input size, filter, stride, padding, occurrences (ResNet50Convs.java)
RESNET50_CONVS = [
    ("conv1", 3, 64, 224, 7, 2, 3, 1),
    ("layer1.0.conv1", 64, 64, 56, 1, 1, 0, 1),
    ("layer1.0.conv2", 64, 64, 56, 3, 1, 1, 3),
    ("layer1.0.conv3", 64, 256, 56, 1, 1, 0, 4),
    ("layer1.1.conv1", 256, 64, 56, 1, 1, 0, 2),
    ("layer2.0.conv1", 256, 128, 56, 1, 1, 0, 1),
    ("layer2.0.conv2", 128, 128, 56, 3, 2, 1, 1),
    ("layer2.0.conv3", 128, 512, 28, 1, 1, 0, 4),
    ("layer2.0.downsample", 256, 512, 56, 1, 2, 0, 1),
    ("layer2.1.conv1", 512, 128, 28, 1, 1, 0, 3),
    ("layer2.1.conv2", 128, 128, 28, 3, 1, 1, 3),
    ("layer3.0.conv1", 512, 256, 28, 1, 1, 0, 1),
    ("layer3.0.conv2", 256, 256, 28, 3, 2, 1, 1),
    ("layer3.0.conv3", 256, 1024, 14, 1, 1, 0, 6),
    ("layer3.0.downsample", 512, 1024, 28, 1, 2, 0, 1),
    ("layer3.1.conv1", 1024, 256, 14, 1, 1, 0, 5),
    ("layer3.1.conv2", 256, 256, 14, 3, 1, 1, 5),
    ("layer4.0.conv1", 1024, 512, 14, 1, 1, 0, 1),
    ("layer4.0.conv2", 512, 512, 14, 3, 2, 1, 1),
    ("layer4.0.conv3", 512, 2048, 7, 1, 1, 0, 3),
    ("layer4.0.downsample", 1024, 2048, 14, 1, 2, 0, 1),
    ("layer4.1.conv1", 2048, 512, 7, 1, 1, 0, 2),
    ("layer4.1.conv2", 512, 512, 7, 3, 1, 1, 2),
]


def conv_flops(layer, batch):
    _, c, k, size, f, stride, pad, _ = layer
    out = (size + 2 * pad - f) // stride + 1
    return 2.0 * batch * k * out * out * c * f * f


class Gemm:
    def __init__(self, a):
        g = torch.Generator().manual_seed(1)
        self.a = torch.randn(a.n, a.n, generator=g).to(a.device)
        self.b = torch.randn(a.n, a.n, generator=g).to(a.device)
        self.out = torch.empty(a.n, a.n, device=a.device)
        self.params = f"n={a.n}"
        self.flops = 2.0 * a.n ** 3
        self.items = 0

    def run(self):
        torch.mm(self.a, self.b, out=self.out)


class Ztz:
    def __init__(self, a):
        self.z = torch.randn(a.n, a.d, generator=torch.Generator().manual_seed(2)).to(a.device)
        self.out = torch.empty(a.d, a.d, device=a.device)
        self.params = f"n={a.n} d={a.d}"
        self.flops = 2.0 * a.n * a.d * a.d
        self.items = 0

    def run(self):
        torch.mm(self.z.t(), self.z, out=self.out)


class Conv:
    def __init__(self, a):
        layer = next((l for l in RESNET50_CONVS if l[0] == a.layer), None)
        if layer is None:
            sys.exit(f"unknown --layer {a.layer}")
        name, c, k, size, f, stride, pad, _ = layer
        g = torch.Generator().manual_seed(3)
        self.backward = a.pass_ == "fwdbwd"
        input_grad = self.backward and name != "conv1"
        fmt = torch.channels_last if a.channels_last else torch.contiguous_format
        self.x = torch.randn(a.batch, c, size, size, generator=g).to(a.device, memory_format=fmt).requires_grad_(input_grad)
        self.w = (torch.randn(k, c, f, f, generator=g) * 0.05).to(a.device, memory_format=fmt).requires_grad_(self.backward)
        out = (size + 2 * pad - f) // stride + 1
        self.gy = torch.randn(a.batch, k, out, out, generator=g).to(a.device, memory_format=fmt)
        self.stride, self.pad = stride, pad
        self.params = f"layer={name} batch={a.batch} pass={a.pass_}" + (" channels_last" if a.channels_last else "")
        self.flops = conv_flops(layer, a.batch) * ((3 if input_grad else 2) if self.backward else 1)
        self.items = a.batch

    def run(self):
        if not self.backward:
            with torch.no_grad():
                F.conv2d(self.x, self.w, stride=self.stride, padding=self.pad)
            return
        y = F.conv2d(self.x, self.w, stride=self.stride, padding=self.pad)
        y.backward(self.gy)
        self.x.grad = None
        self.w.grad = None


class ResNet50Step:
    def __init__(self, a):
        import torchvision
        torch.manual_seed(4)
        self.model = torchvision.models.resnet50()
        self.model.fc = torch.nn.Identity()
        self.model.train()
        self.model.to(a.device)
        self.images = torch.randn(a.batch, 3, a.size, a.size).to(a.device)
        if a.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
            self.images = self.images.to(memory_format=torch.channels_last)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
        self.params = f"batch={a.batch} size={a.size}" + (" channels_last" if a.channels_last else "")
        scale = a.size * a.size / (224.0 * 224.0)
        self.flops = scale * sum(l[7] * conv_flops(l, a.batch) * (2 if l[0] == "conv1" else 3) for l in RESNET50_CONVS)
        self.items = a.batch

    def run(self):
        self.opt.zero_grad(set_to_none=True)
        features = self.model(self.images)
        features.square().mean().backward()
        self.opt.step()


class RecipeStep:
    """One recipe R step without data loading (vicreg's VicregStepWorkload.recipe): recipe_r.py's ResNet-18
    width 16 with the small stem and 512-512-512 expander, two views of random 1-channel images, the official
    loss, backward, the official LARS at lr 0.3."""

    def __init__(self, a):
        from recipe_r import LARS, ResNet18Small, projector
        torch.manual_seed(5)
        self.backbone, self.proj = ResNet18Small(16).to(a.device), projector("512-512-512", 128).to(a.device)
        self.backbone.train()
        self.proj.train()
        self.opt = LARS(list(self.backbone.parameters()) + list(self.proj.parameters()), lr=0.3)
        self.v1 = torch.randn(a.batch, 1, a.size, a.size).to(a.device)
        self.v2 = torch.randn(a.batch, 1, a.size, a.size).to(a.device)
        self.params = f"batch={a.batch} size={a.size}"
        total, hw, c_in = 2.0 * a.size * a.size * 16 * 9 * 2, a.size, 16
        for stage in range(4):
            c_out, stride = 16 << stage, 1 if stage == 0 else 2
            o = (hw + 2 - 3) // stride + 1
            total += 3 * 2.0 * o * o * c_out * c_in * 9 + 3 * 3 * 2.0 * o * o * c_out * c_out * 9
            if stride != 1 or c_in != c_out:
                total += 3 * 2.0 * o * o * c_out * c_in
            hw, c_in = o, c_out
        self.flops = 2 * a.batch * total
        self.items = a.batch

    def run(self):
        loss = official_terms(self.proj(self.backbone(self.v1)), self.proj(self.backbone(self.v2)))[0]
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


class LarsStep:
    """One official LARS step at lr 0.3 over recipe R's parameters (recipe_r.py's ResNet-18 width 16 with the
    small stem and 512-512-512 expander), each with a fixed random gradient: bench's LarsStepBench (JMH)."""

    def __init__(self, a):
        from recipe_r import LARS, ResNet18Small, projector
        torch.manual_seed(3)
        params = list(ResNet18Small(16).parameters()) + list(projector("512-512-512", 128).parameters())
        for q in params:
            q.grad = torch.randn_like(q) * 1e-3
        self.opt = LARS(params, lr=0.3)
        self.params, self.flops, self.items = f"tensors={len(params)} floats={sum(q.numel() for q in params)}", 0, 0

    def run(self):
        self.opt.step()


class VicregStep(RecipeStep):
    """One official-recipe VICReg step (vicreg's VicregStepWorkload.resnet50): torchvision's ResNet-50 with
    zero-initialised residual branches and fc = Identity, the 8192-8192-8192 expander, two views of random
    3-channel images, the official loss, backward, the official LARS at base lr 0.2 x batch / 256."""

    def __init__(self, a):
        import torchvision
        from recipe_r import LARS, projector
        torch.manual_seed(5)
        self.backbone = torchvision.models.resnet50(zero_init_residual=True)
        self.backbone.fc = torch.nn.Identity()
        self.backbone.to(a.device).train()
        self.proj = projector("8192-8192-8192", 2048).to(a.device).train()
        self.opt = LARS(list(self.backbone.parameters()) + list(self.proj.parameters()), lr=0.2 * a.batch / 256)
        self.v1 = torch.randn(a.batch, 3, a.size, a.size).to(a.device)
        self.v2 = torch.randn(a.batch, 3, a.size, a.size).to(a.device)
        self.params = f"batch={a.batch} size={a.size}"
        scale = a.size * a.size / (224.0 * 224.0)
        convs = scale * sum(l[7] * conv_flops(l, a.batch) * (2 if l[0] == "conv1" else 3) for l in RESNET50_CONVS)
        expander = 3 * 2.0 * a.batch * (2048.0 * 8192 + 2 * 8192.0 * 8192)
        self.flops = 2 * (convs + expander)
        self.items = a.batch


class Embed:
    """Inference as an application embeds images (vicreg's EmbedWorkload): torchvision's ResNet (--arch) with
    fc = Identity in eval mode, forward under torch.no_grad() on a batch of preprocessed 3 x size x size
    images."""

    def __init__(self, a):
        import torchvision
        torch.manual_seed(6)
        self.net = getattr(torchvision.models, a.arch)()
        self.net.fc = torch.nn.Identity()
        self.net.to(a.device).eval()
        self.x = torch.randn(a.batch, 3, a.size, a.size).to(a.device)
        self.params = f"arch={a.arch} batch={a.batch} size={a.size}"
        self.flops = 0
        self.items = a.batch

    def run(self):
        with torch.no_grad():
            self.net(self.x)


class VicregLoss:
    """The official loss (facebookresearch/vicreg main_vicreg.py), forward + backward to both inputs.

    --cov direct forms the D x D covariance as the official code does; --cov gram uses the N x N Gram
    identity (same value and gradient, fewer flops when N < D); auto picks gram when N < D, as vicreg does.
    """

    def __init__(self, a):
        g = torch.Generator().manual_seed(5)
        self.x = torch.randn(a.n, a.d, generator=g).to(a.device).requires_grad_(True)
        self.y = (torch.randn(a.n, a.d, generator=g) * 0.5).to(a.device).requires_grad_(True)
        self.gram = a.cov == "gram" or (a.cov == "auto" and a.n < a.d)
        self.params = f"n={a.n} d={a.d} cov={'gram' if self.gram else 'direct'}"
        n, d = a.n, a.d
        self.flops = 2 * 2 * 2.0 * n * n * d if n < d else 2 * 2 * 2.0 * n * d * d
        self.items = a.n

    def off_diagonal_sq_sum(self, xc):
        n = xc.shape[0]
        if self.gram:
            k = xc @ xc.t()
            s = (xc * xc).sum(0)
            return ((k * k).sum() - (s * s).sum()) / (n - 1) ** 2
        cov = (xc.t() @ xc) / (n - 1)
        return cov.pow(2).sum() - cov.diagonal().pow(2).sum()

    def run(self):
        loss = official_terms(self.x, self.y, off_diagonal_sq_sum=self.off_diagonal_sq_sum)[0]
        loss.backward()
        self.x.grad = None
        self.y.grad = None


class LayerOp:
    """A memory-bound layer forward + backward (vicreg's LayerOpWorkload): train-mode BatchNorm2d, with a ReLU,
    or with the residual add and ReLU that end a torchvision block (relu(bn(x) + identity), three ATen ops on
    the CPU), or the stem's max pooling (3x3, stride 2, padding 1). No flops are counted."""

    DEFAULT_SHAPE = {"maxpool": (64, 112), "batchnorm1d": (8192, None)}

    def __init__(self, a):
        channels, size = self.DEFAULT_SHAPE.get(a.op, (256, 56))
        channels = a.channels or channels
        size = a.size or size
        g = torch.Generator().manual_seed(4)
        fmt = torch.channels_last if a.channels_last else torch.contiguous_format
        self.op = a.op
        self.residual = None
        self.flops = 0.0
        self.items = a.batch
        if a.op == "batchnorm1d":
            if a.size is not None or a.channels_last:
                sys.exit("--size and --channels-last do not apply to batchnorm1d: its input is (batch, channels)")
            self.x = torch.randn(a.batch, channels, generator=g).to(a.device).requires_grad_(True)
            self.gy = torch.randn(a.batch, channels, generator=g).to(a.device)
            self.bn = torch.nn.BatchNorm1d(channels).to(a.device).train()
            self.params = f"op={a.op} batch={a.batch} channels={channels}"
            return
        self.x = torch.randn(a.batch, channels, size, size, generator=g).to(a.device, memory_format=fmt).requires_grad_(True)
        if a.op == "batchnorm-add-relu":
            self.residual = torch.randn(a.batch, channels, size, size, generator=g).to(a.device, memory_format=fmt).requires_grad_(True)
        out = (size - 1) // 2 + 1 if a.op == "maxpool" else size
        self.gy = torch.randn(a.batch, channels, out, out, generator=g).to(a.device, memory_format=fmt)
        self.bn = torch.nn.BatchNorm2d(channels).to(a.device).train()
        self.params = f"op={a.op} batch={a.batch} channels={channels} size={size}" + (" channels_last" if a.channels_last else "")

    def run(self):
        if self.op == "maxpool":
            y = F.max_pool2d(self.x, 3, 2, 1)
        elif self.op in ("batchnorm", "batchnorm1d"):
            y = self.bn(self.x)
        elif self.op == "batchnorm-relu":
            y = torch.relu(self.bn(self.x))
        else:
            y = torch.relu(self.bn(self.x) + self.residual)
        y.backward(self.gy)
        for t in (self.x, self.residual, self.bn.weight, self.bn.bias):
            if t is not None:
                t.grad = None


WORKLOADS = {"gemm": Gemm, "ztz": Ztz, "conv": Conv, "layer-op": LayerOp, "resnet50-step": ResNet50Step,
             "recipe-step": RecipeStep, "vicreg-step": VicregStep, "vicreg-loss": VicregLoss, "embed": Embed,
             "lars-step": LarsStep}


def peak_rss_mib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return -1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", choices=sorted(WORKLOADS))
    p.add_argument("--n", type=int)
    p.add_argument("--d", type=int, default=8192)
    p.add_argument("--layer", default="layer3.1.conv2")
    p.add_argument("--arch", choices=["resnet18", "resnet34", "resnet50"], default="resnet50", help="embed's network")
    p.add_argument("--batch", type=int, help="default 256 for recipe-step, 16 otherwise (as vicreg bench)")
    p.add_argument("--size", type=int, help="default 28 for recipe-step, 224 otherwise (as vicreg bench)")
    p.add_argument("--pass", dest="pass_", choices=["fwd", "fwdbwd"], default="fwdbwd")
    p.add_argument("--op", choices=["batchnorm", "batchnorm-relu", "batchnorm-add-relu", "maxpool", "batchnorm1d"],
                   default="batchnorm")
    p.add_argument("--channels", type=int, help="layer-op: default 256, 64 for maxpool, 8192 for batchnorm1d (as vicreg bench)")
    p.add_argument("--cov", choices=["auto", "gram", "direct"], default="auto")
    p.add_argument("--channels-last", action="store_true",
                   help="conv, layer-op and resnet50-step in torch.channels_last (NHWC) memory format")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                   help="cuda: time on the GPU (synchronised after each run), float32 with TF32 off unless --tf32")
    p.add_argument("--tf32", action="store_true", help="let cuBLAS and cuDNN use TF32 (PyTorch's default for cuDNN)")
    p.add_argument("--cudnn-benchmark", action="store_true",
                   help="let cuDNN time every algorithm and keep the fastest (off by default, as in PyTorch)")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--untuned", action="store_true",
                   help="leave glibc's malloc and OpenBLAS's kernel choice as they are (tuned.py)")
    a = p.parse_args()
    if not a.untuned:
        if not tuned.keep_heap():
            print("workloads.py: not glibc, its malloc left as it is", file=sys.stderr)
    if a.n is None:
        a.n = 2048 if a.name == "gemm" else 256
    if a.batch is None:
        a.batch = 256 if a.name == "recipe-step" else 16
    if a.size is None and a.name != "layer-op":
        a.size = 28 if a.name == "recipe-step" else 224
    torch.set_num_threads(a.threads)
    if a.device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = a.tf32
        torch.backends.cudnn.allow_tf32 = a.tf32
        torch.backends.cudnn.benchmark = a.cudnn_benchmark
    sync = torch.cuda.synchronize if a.device == "cuda" else (lambda: None)
    w = WORKLOADS[a.name](a)
    print(f"bench {a.name} {w.params} with torch {torch.__version__}, {torch.get_num_threads()} threads", file=sys.stderr)
    start = time.perf_counter()
    i = 0
    while i < a.warmup or time.perf_counter() - start < 2.0:
        t = time.perf_counter()
        w.run()
        sync()
        i += 1
        print(f"warm-up {i}: {(time.perf_counter() - t) * 1e3:.2f} ms", file=sys.stderr)
    times = []
    start = time.perf_counter()
    while len(times) < a.runs or time.perf_counter() - start < a.seconds:
        t = time.perf_counter()
        w.run()
        sync()
        times.append((time.perf_counter() - t) * 1e3)
        print(f"run {len(times)}: {times[-1]:.2f} ms", file=sys.stderr)
    med = statistics.median(times)
    if a.device == "cuda":
        w.params += f" {torch.cuda.get_device_name()} tf32={a.tf32}" + (" cudnn.benchmark" if a.cudnn_benchmark else "")
    print(json.dumps({"name": a.name, "params": w.params, "device": a.device, "median_ms": round(med, 3),
                      "min_ms": round(min(times), 3), "gflops": round(w.flops / (med * 1e6), 2),
                      "threads": torch.get_num_threads(), "runs": len(times),
                      "items_per_s": round(w.items / (med / 1e3), 2) if w.items else 0.0,
                      "peak_rss_mib": round(peak_rss_mib())}))


if __name__ == "__main__":
    main()
