#!/usr/bin/env python3
"""The official VICReg loss (facebookresearch/vicreg, main_vicreg.py, VICReg.forward), forward and
backward to both inputs, timed in PyTorch on the shapes VicregLossBench uses: the reference the JMH
figure is compared with on the same machine (bench/RESULTS.md).

    /usr/bin/python3 bench/pytorch/vicreg_loss.py [--n 256] [--d 8192] [--threads 2] [--reps 10]

Prints one JSON line: the shape, torch's thread count, the median / min / max milliseconds of one
forward + backward, and the reps. Debian's PyTorch reports 1 thread by default, so --threads sets
torch.set_num_threads (default 2, the cores of the benchmark machine). Inputs are float32 like
jvicreg's: x ~ N(0, 1), y ~ 0.5 N(0, 1), as VicregLossBench draws them.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F


def off_diagonal(x):
    n, m = x.shape
    assert n == m
    return x.flatten()[:-1].view(n - 1, n + 1)[:, 1:].flatten()


def official_off_diagonal_sq_sum(xc):
    """sum_{i != j} C_ij^2 of C = xc^T xc / (N - 1), formed as the official code does (the D x D matrix)."""
    cov = (xc.T @ xc) / (xc.shape[0] - 1)
    return off_diagonal(cov).pow_(2).sum()


def official_terms(x, y, sim_coeff=25.0, std_coeff=25.0, cov_coeff=1.0, off_diagonal_sq_sum=official_off_diagonal_sq_sum):
    """VICReg.forward of the official code, minus the distributed all_gather (one process): (loss,
    invariance, variance, covariance). off_diagonal_sq_sum(centred) computes the covariance penalty's sum;
    workloads.py passes other ways of computing it (the N x N Gram form)."""
    batch_size, num_features = x.shape
    repr_loss = F.mse_loss(x, y)
    x = x - x.mean(dim=0)
    y = y - y.mean(dim=0)
    std_x = torch.sqrt(x.var(dim=0) + 0.0001)
    std_y = torch.sqrt(y.var(dim=0) + 0.0001)
    std_loss = torch.mean(F.relu(1 - std_x)) / 2 + torch.mean(F.relu(1 - std_y)) / 2
    cov_loss = off_diagonal_sq_sum(x).div(num_features) + off_diagonal_sq_sum(y).div(num_features)
    return sim_coeff * repr_loss + std_coeff * std_loss + cov_coeff * cov_loss, repr_loss, std_loss, cov_loss


def official(x, y, sim_coeff=25.0, std_coeff=25.0, cov_coeff=1.0):
    """The official VICReg loss (the total only)."""
    return official_terms(x, y, sim_coeff, std_coeff, cov_coeff)[0]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=256)
    p.add_argument("--d", type=int, default=8192)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(5)
    x = torch.randn(a.n, a.d, generator=g).requires_grad_(True)
    y = (0.5 * torch.randn(a.n, a.d, generator=g)).requires_grad_(True)
    times = []
    for i in range(a.warmup + a.reps):
        x.grad = y.grad = None
        t0 = time.perf_counter()
        official(x, y).backward()
        dt = time.perf_counter() - t0
        if i >= a.warmup:
            times.append(dt * 1e3)
    print(json.dumps({"n": a.n, "d": a.d, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "median_ms": round(statistics.median(times), 2), "min_ms": round(min(times), 2),
                      "max_ms": round(max(times), 2), "reps": a.reps}))


if __name__ == "__main__":
    main()
