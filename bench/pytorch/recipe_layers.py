#!/usr/bin/env python3
"""Times each convolution of recipe R's network by itself in PyTorch (NCHW, oneDNN), as
org.jvicreg.bench.RecipeLayers (bench/src/main/java) does for jvicreg: forward, then forward + backward (both gradients; the
stem's filter gradient only), batch 256, ms, and the step's share (each layer's count, two views).

Usage: /usr/bin/python3 bench/pytorch/recipe_layers.py [--threads 2]
"""
import argparse
import time

import tuned  # beside this script

if __name__ == "__main__":
    tuned.restart()  # before torch loads OpenBLAS, so the re-executed script imports it once

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

# name, in channels, out channels, input size, filter, stride, occurrences per view (RecipeConvs.java)
LAYERS = [("stem 1->16 28px", 1, 16, 28, 3, 1, 1), ("layer1 16->16 28px", 16, 16, 28, 3, 1, 4),
          ("layer2.0.conv1 16->32 s2", 16, 32, 28, 3, 2, 1), ("layer2 32->32 14px", 32, 32, 14, 3, 1, 3),
          ("layer2 downsample 1x1 s2", 16, 32, 28, 1, 2, 1), ("layer3.0.conv1 32->64 s2", 32, 64, 14, 3, 2, 1),
          ("layer3 64->64 7px", 64, 64, 7, 3, 1, 3), ("layer3 downsample 1x1 s2", 32, 64, 14, 1, 2, 1),
          ("layer4.0.conv1 64->128 s2", 64, 128, 7, 3, 2, 1), ("layer4 128->128 4px", 128, 128, 4, 3, 1, 3),
          ("layer4 downsample 1x1 s2", 64, 128, 7, 1, 2, 1)]


def timed(f):
    for _ in range(3):
        f()
    n, start = 0, time.perf_counter()
    while n < 5 or time.perf_counter() - start < 1.5:
        f()
        n += 1
    return (time.perf_counter() - start) * 1e3 / n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    tuned.keep_heap()  # as workloads.py does (tuned.py)
    torch.set_num_threads(a.threads)
    batch, total = 256, 0.0
    print(f"{'layer':28s} {'fwd':>8s} {'bwd':>8s} {'per step':>10s}")
    for name, c, k, h, f, stride, count in LAYERS:
        x = torch.randn(batch, c, h, h, requires_grad=c > 1)
        w = torch.randn(k, c, f, f, requires_grad=True)
        dy = torch.randn_like(F.conv2d(x, w, stride=stride, padding=f // 2))

        def fwd():
            with torch.no_grad():
                F.conv2d(x, w, stride=stride, padding=f // 2)

        def fwdbwd():
            F.conv2d(x, w, stride=stride, padding=f // 2).backward(dy)
            x.grad, w.grad = None, None

        t_fwd, t_all = timed(fwd), timed(fwdbwd)
        step = t_all * count * 2
        total += step
        print(f"{name:28s} {t_fwd:8.2f} {t_all - t_fwd:8.2f} {step:10.1f}")
    print(f"convolutions per step (two views): {total:.0f} ms")


if __name__ == "__main__":
    main()
