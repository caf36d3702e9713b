#!/usr/bin/env python3
"""Recipe R in PyTorch: the reference run that `bin/vicreg pretrain` + `linear-eval` + `knn` are compared with.

Fashion-MNIST train set, ResNet-18 with base width 16 (channels 16/32/64/128, 128-d features) and the
small-image stem (3x3 stride 1, no max-pool), 1 input channel, zero-init residual; expander 512-512-512
(Linear-BN-ReLU x2, Linear without bias); the official VICReg loss (25/25/1) and LARS (momentum 0.9,
eta 0.001, weight decay 1e-6, biases and BN excluded); base lr 4.8 x batch/256 (0.3 with another loss, as
`vicreg pretrain` defaults), warm-up 10% of the steps then cosine to 0.001 x; batch 256 (last partial batch
dropped); crops scale 0.2-1.0; 5 epochs.
Augmentations as jvicreg's fashionMnist() preset: RandomResizedCrop(28, (0.2, 1), bilinear), flip 0.5,
ColorJitter(0.4, 0.4) with p 0.8, solarization p 0.0 / 0.2, Normalize(0.2860, 0.3530); Gaussian blur after the
jitter and before solarization with --blur-p (P, or V1/V2 per view), --blur-sigma and --blur-kernel as
`vicreg pretrain` takes them (default: the preset's, PIL's blur with p 1.0 / 0.1 and sigma 0.1-2.0).
Probes on the frozen backbone (eval mode): linear (standardised features, SGD momentum 0.9, lr 0.1
cosine to 0, weight decay 1e-5, batch 256, 100 epochs) and kNN (k=20, cosine, votes exp(sim/0.07)).

With --loss barlow or simclr the same recipe trains with Barlow Twins (lambda 0.0051) or SimCLR's NT-Xent
(temperature 0.2) instead, as `vicreg pretrain --loss barlow|simclr` does (ssl_losses.py). With --loss byol it
trains BYOL as `vicreg pretrain --loss byol` does: the expander as projector, a predictor (Linear 512-H,
BatchNorm1d, ReLU, Linear H-512; H --predictor-hidden, default 512), a target network copied from backbone and
projector and run without gradient in training mode, the symmetric normalised MSE, and after every LARS step
the target's moving average with tau = 1 - (1 - base) (cos(pi k / K) + 1) / 2 (base --byol-momentum 0.996).

Usage: /usr/bin/python3 bench/pytorch/recipe_r.py [--epochs 5] [--limit 0] [--threads 2] [--workers 1]
    [--loss vicreg|barlow|simclr|byol] [--predictor-hidden 512] [--byol-momentum 0.996] [--seed 0]
    [--blur-p 1.0/0.1] [--blur-sigma 0.1,2.0] [--blur-kernel full|K] [--base-lr 4.8] [--mlp 512-512-512]
    [--crop-scale 0.2,1.0]
Prints per-epoch seconds and, last, one JSON line.
Install Debian's libopenblas0-pthread first, or torch's matmuls run on the reference BLAS.
"""
import argparse
import copy
import gzip
import json
import math
import os
import time

import tuned  # beside this script

if __name__ == "__main__":
    tuned.restart()  # before torch loads OpenBLAS, so the re-executed script imports it once

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torchvision.transforms as T  # noqa: E402
import torchvision.transforms.functional as TF  # noqa: E402
from PIL import Image, ImageFilter, ImageOps  # noqa: E402
from torchvision.models.resnet import BasicBlock  # noqa: E402

from ssl_losses import barlow_twins, byol, nt_xent  # noqa: E402 (beside this script, as is the official VICReg loss)
from vicreg_loss import official_terms  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(magic & 0xFF)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


class Solarize:
    def __call__(self, img):
        return ImageOps.solarize(img, 128)


class Blur:
    """Gaussian blur with sigma uniform in [lo, hi]: kernel "full" is PIL's GaussianBlur (the official code's),
    an odd size k is torchvision's k x k kernel with reflect padding (`vicreg pretrain --blur-kernel`)."""

    def __init__(self, kernel, lo, hi):
        self.kernel, self.lo, self.hi = kernel, lo, hi

    def __call__(self, img):
        sigma = float(torch.empty(1).uniform_(self.lo, self.hi))
        if self.kernel == "full":
            return img.filter(ImageFilter.GaussianBlur(radius=sigma))
        return TF.gaussian_blur(img, [int(self.kernel)] * 2, [sigma, sigma])


def view(solarize_p, blur_p=0.0, blur=None, crop_scale=(0.2, 1.0)):
    return T.Compose([
        T.RandomResizedCrop(28, scale=crop_scale, interpolation=T.InterpolationMode.BILINEAR),
        T.RandomHorizontalFlip(0.5),
        T.RandomApply([T.ColorJitter(0.4, 0.4, 0.0, 0.0)], p=0.8),
        T.RandomApply([blur], p=blur_p) if blur_p > 0 else T.Compose([]),
        T.RandomApply([Solarize()], p=solarize_p),
        T.ToTensor(),
        T.Normalize((0.2860,), (0.3530,)),
    ])


class TwoViews(torch.utils.data.Dataset):
    def __init__(self, images, blur_p=(0.0, 0.0), blur=None, crop_scale=(0.2, 1.0)):
        self.images = images
        self.t1, self.t2 = view(0.0, blur_p[0], blur, crop_scale), view(0.2, blur_p[1], blur, crop_scale)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        img = Image.fromarray(self.images[i], mode="L")
        return self.t1(img), self.t2(img)


class ResNet18Small(nn.Module):
    def __init__(self, w=16, channels=1):
        super().__init__()
        self.inplanes = w
        self.conv1 = nn.Conv2d(channels, w, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._layer(w, 1)
        self.layer2 = self._layer(2 * w, 2)
        self.layer3 = self._layer(4 * w, 2)
        self.layer4 = self._layer(8 * w, 2)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        for m in self.modules():
            if isinstance(m, BasicBlock):
                nn.init.constant_(m.bn2.weight, 0)

    def _layer(self, planes, stride):
        down = None
        if stride != 1 or self.inplanes != planes:
            down = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
        blocks = [BasicBlock(self.inplanes, planes, stride, down), BasicBlock(planes, planes)]
        self.inplanes = planes
        return nn.Sequential(*blocks)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)


def projector(spec, dim):
    f = [dim] + [int(s) for s in spec.split("-")]
    layers = []
    for i in range(len(f) - 2):
        layers += [nn.Linear(f[i], f[i + 1]), nn.BatchNorm1d(f[i + 1]), nn.ReLU(True)]
    layers.append(nn.Linear(f[-2], f[-1], bias=False))
    return nn.Sequential(*layers)


def predictor(dim, hidden):
    """BYOL's predictor as jvicreg's (model/Byol.java): Linear dim-hidden, BatchNorm1d, ReLU, Linear hidden-dim."""
    return nn.Sequential(nn.Linear(dim, hidden), nn.BatchNorm1d(hidden), nn.ReLU(True), nn.Linear(hidden, dim))


def target_decay(base, step, total):
    """BYOL's tau at optimizer step `step` (from 0) of `total`: from base up to 1 on a cosine."""
    return 1 - (1 - base) * (math.cos(math.pi * step / total) + 1) / 2


@torch.no_grad()
def update_target(target, online, tau):
    """xi = tau xi + (1 - tau) theta for every parameter xi of target and theta of online with the same name."""
    theta = dict(online.named_parameters())
    for name, xi in target.named_parameters():
        xi.copy_(tau * xi + (1 - tau) * theta[name])


def frozen_copy(module):
    """BYOL's target: a copy that gradients never reach."""
    target = copy.deepcopy(module)
    for p in target.parameters():
        p.requires_grad_(False)
    return target


class LARS(torch.optim.Optimizer):
    """The official VICReg LARS (facebookresearch/vicreg, main_vicreg.py)."""

    def __init__(self, params, lr, weight_decay=1e-6, momentum=0.9, eta=0.001):
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum, eta=eta))

    @torch.no_grad()
    def step(self):
        for g in self.param_groups:
            for p in g["params"]:
                dp = p.grad
                if dp is None:
                    continue
                if p.ndim != 1:
                    dp = dp.add(p, alpha=g["weight_decay"])
                    param_norm, update_norm = torch.norm(p), torch.norm(dp)
                    one = torch.ones_like(param_norm)
                    q = torch.where(param_norm > 0.0, torch.where(update_norm > 0, (g["eta"] * param_norm / update_norm), one), one)
                    dp = dp.mul(q)
                state = self.state[p]
                if "mu" not in state:
                    state["mu"] = torch.zeros_like(p)
                mu = state["mu"]
                mu.mul_(g["momentum"]).add_(dp)
                p.add_(mu, alpha=-g["lr"])


@torch.no_grad()
def features(backbone, images):
    backbone.eval()
    x = torch.from_numpy(np.array(images)).float().div(255).sub(0.2860).div(0.3530).unsqueeze(1)
    return torch.cat([backbone(x[i:i + 512]) for i in range(0, len(x), 512)])


def linear_probe(ftr, ltr, fte, lte, epochs, seed):
    mean, std = ftr.mean(0), ftr.std(0, unbiased=False) + 1e-4
    xtr, xte = (ftr - mean) / std, (fte - mean) / std
    g = torch.Generator().manual_seed(seed)
    head = nn.Linear(xtr.shape[1], 10)
    opt = torch.optim.SGD(head.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-5)
    steps = math.ceil(len(xtr) / 256)
    total, step = steps * epochs, 0
    for _ in range(epochs):
        perm = torch.randperm(len(xtr), generator=g)
        for s in range(steps):
            idx = perm[s * 256:(s + 1) * 256]
            for pg in opt.param_groups:
                pg["lr"] = 0.1 * 0.5 * (1 + math.cos(math.pi * step / total))
            loss = F.cross_entropy(head(xtr[idx]), ltr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
    with torch.no_grad():
        return (head(xte).argmax(1) == lte).float().mean().item()


@torch.no_grad()
def knn(ftr, ltr, fte, lte, k=20, t=0.07):
    ftr, fte = F.normalize(ftr, dim=1), F.normalize(fte, dim=1)
    correct = 0
    for i in range(0, len(fte), 256):
        sims, idx = (fte[i:i + 256] @ ftr.T).topk(k, dim=1)
        votes = torch.zeros(len(sims), 10).scatter_add_(1, ltr[idx], (sims / t).exp())
        correct += (votes.argmax(1) == lte[i:i + 256]).sum().item()
    return correct / len(fte)


def probes(backbone, xtr, ltr, xte, lte, probe_epochs, seed):
    ftr, fte = features(backbone, xtr), features(backbone, xte)
    return linear_probe(ftr, ltr, fte, lte, probe_epochs, seed), knn(ftr, ltr, fte, lte)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--probe-epochs", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-random", action="store_true")
    ap.add_argument("--loss", choices=["vicreg", "barlow", "simclr", "byol"], default="vicreg")
    ap.add_argument("--predictor-hidden", type=int, default=512)
    ap.add_argument("--byol-momentum", type=float, default=0.996)
    ap.add_argument("--blur-p", default="1.0/0.1", help="blur probability, P or V1/V2 (default the official recipe's 1.0/0.1)")
    ap.add_argument("--blur-sigma", default="0.1,2.0", help="MIN,MAX of sigma in pixels")
    ap.add_argument("--blur-kernel", default="full", help="full (PIL's blur) or an odd size (torchvision's kernel)")
    ap.add_argument("--base-lr", type=float, default=None,
                    help="LARS base learning rate, scaled by batch/256 (default 4.8 for vicreg, 0.3 for the other losses)")
    ap.add_argument("--mlp", default="512-512-512", help="expander sizes")
    ap.add_argument("--crop-scale", default="0.2,1.0", help="MIN,MAX of RandomResizedCrop's area fraction")
    a = ap.parse_args()
    tuned.keep_heap()  # as workloads.py does (tuned.py)
    if a.base_lr is None:
        a.base_lr = 4.8 if a.loss == "vicreg" else 0.3
    crop_scale = tuple(float(v) for v in a.crop_scale.split(","))
    blur_p = [float(v) for v in a.blur_p.split("/")]
    blur_p = blur_p * 2 if len(blur_p) == 1 else blur_p
    blur = Blur(a.blur_kernel, *[float(v) for v in a.blur_sigma.split(",")])
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    xtr = idx(os.path.join(DATA, "train-images-idx3-ubyte.gz"))
    ytr = torch.from_numpy(idx(os.path.join(DATA, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    xte = idx(os.path.join(DATA, "t10k-images-idx3-ubyte.gz"))
    yte = torch.from_numpy(idx(os.path.join(DATA, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    if a.limit:
        xtr, ytr = xtr[:a.limit], ytr[:a.limit]
    result = {"threads": torch.get_num_threads(), "torch": torch.__version__, "loss": a.loss, "seed": a.seed,
              "blur": {"p": blur_p, "sigma": a.blur_sigma, "kernel": a.blur_kernel},
              "base_lr": a.base_lr, "mlp": a.mlp, "crop_scale": list(crop_scale)}
    backbone = ResNet18Small(16)
    if not a.skip_random:
        result["linear_top1_random"], result["knn_top1_random"] = probes(backbone, xtr, ytr, xte, yte, a.probe_epochs, a.seed)
        print("random init:", result, flush=True)
        backbone = ResNet18Small(16)
    proj = projector(a.mlp, 128)
    params = list(backbone.parameters()) + list(proj.parameters())
    online = [backbone, proj]
    if a.loss == "byol":
        pred = predictor(int(a.mlp.split("-")[-1]), a.predictor_hidden)
        params += list(pred.parameters())
        target_backbone, target_proj = frozen_copy(backbone), frozen_copy(proj)
        online += [pred, target_backbone, target_proj]  # the target trains in training mode too
    loader = torch.utils.data.DataLoader(TwoViews(xtr, blur_p, blur, crop_scale), batch_size=256, shuffle=True, drop_last=True,
                                         num_workers=a.workers, persistent_workers=a.workers > 0)
    base = a.base_lr * 256 / 256
    total = a.epochs * len(loader)
    warm = round(0.1 * total)
    opt = LARS(params, lr=0)
    step, epoch_seconds = 0, []
    for epoch in range(a.epochs):
        for m in online:
            m.train()
        t0 = time.time()
        for v1, v2 in loader:
            if step < warm:
                lr = base * step / warm
            else:
                q = 0.5 * (1 + math.cos(math.pi * (step - warm) / (total - warm)))
                lr = base * q + base * 0.001 * (1 - q)
            for g in opt.param_groups:
                g["lr"] = lr
            z1, z2 = proj(backbone(v1)), proj(backbone(v2))
            if a.loss == "vicreg":
                loss, inv, var, cov = official_terms(z1, z2)
            elif a.loss == "byol":
                with torch.no_grad():
                    t1, t2 = target_proj(target_backbone(v1)), target_proj(target_backbone(v2))
                loss = byol(pred(z1), pred(z2), t1, t2)
            else:
                loss = barlow_twins(z1, z2) if a.loss == "barlow" else nt_xent(z1, z2)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if a.loss == "byol":
                tau = target_decay(a.byol_momentum, step, total)
                update_target(target_backbone, backbone, tau)
                update_target(target_proj, proj, tau)
            step += 1
        epoch_seconds.append(time.time() - t0)
        terms = f" (inv {inv.item():.4f} var {var.item():.4f} cov {cov.item():.4f})" if a.loss == "vicreg" else ""
        if a.loss == "byol":
            terms = f" (tau {tau:.6f})"
        print(f"epoch {epoch + 1}: {epoch_seconds[-1]:.1f} s, loss {loss.item():.4f}{terms}", flush=True)
    result["seconds_per_epoch"] = sum(epoch_seconds) / len(epoch_seconds)
    result["epoch_seconds"] = epoch_seconds
    result["final_loss"] = loss.item()
    result["linear_top1"], result["knn_top1"] = probes(backbone, xtr, ytr, xte, yte, a.probe_epochs, a.seed)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
