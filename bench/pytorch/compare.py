#!/usr/bin/env python3
"""Runs each benchmark workload in jvicreg (`vicreg bench`) and in PyTorch (workloads.py) one after the
other on this machine and prints a side-by-side table: median milliseconds, GFLOP/s, the speed ratio
(PyTorch time / jvicreg time: above 1 means jvicreg is faster), % of the machine's FMA peak and, for the
training step, images/s and peak resident memory of each process. PyTorch's convolutions, memory-bound layers
(layer-op) and training step run in both memory formats (NCHW and channels_last) and the faster is reported.

Usage (from the repository root):
    /usr/bin/python3 bench/pytorch/compare.py [--set all|gemm|conv|ops|step|recipe|loss] [--only SUBSTRING]
        [--seconds 5] [--peak-gflops 227] [--max-busy 0.10] [--markdown]

Before each run it samples /proc/stat for a second and waits (up to --wait seconds) until the CPUs are
less than --max-busy busy; during the run it counts the CPU time other processes took (all CPU time minus
the benchmark's own) and, when that exceeds --max-busy, runs that side again (--attempts in all, keeping the
quietest). The "busy" column is the larger share of the CPUs others took during the two kept runs.

jvicreg runs as bin/vicreg runs it (the CLI jar, built first if missing) but with the G1 collector, whose
humongous regions hold the large activation arrays without copying them (the parallel collector copies
them between generations: seconds per step), and a fixed, pre-touched heap (-Xms = -Xmx,
-XX:+AlwaysPreTouch): otherwise G1 sometimes grows the heap instead of collecting, and every run then
page-faults fresh memory, much slower. Where the kernel gives transparent huge pages on request, the JVM
asks for them (-XX:+UseTransparentHugePages), as workloads.py's glibc heap does (tuned.py). The JDK 25 is
the one bin/find-jdk finds.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tuned  # noqa: E402
from workloads import RESNET50_CONVS  # noqa: E402


def workloads(which):
    out = []
    if which in ("all", "gemm"):
        out += [("gemm", ["--n", str(n)]) for n in (256, 512, 1024, 2048, 4096)]
        out += [("ztz", ["--n", str(n), "--d", "8192"]) for n in (256, 512)]
    if which in ("all", "conv"):
        out += [("conv", ["--layer", l[0], "--batch", "16", "--pass", "fwdbwd"]) for l in RESNET50_CONVS]
    if which in ("all", "ops"):
        out += [("layer-op", ["--op", op, "--batch", "16"]) for op in ("batchnorm", "batchnorm-relu", "batchnorm-add-relu", "maxpool")]
        # the expanders' batch norm: the official recipe's (16 x 8192) and recipe R's (256 x 512)
        out += [("layer-op", ["--op", "batchnorm1d", "--batch", "16"]),
                ("layer-op", ["--op", "batchnorm1d", "--batch", "256", "--channels", "512"])]
    if which in ("all", "step"):
        out += [("resnet50-step", ["--batch", "16", "--size", "224"]), ("vicreg-step", ["--batch", "16", "--size", "224"])]
    if which in ("all", "recipe"):
        out += [("recipe-step", ["--batch", "256", "--size", "28"])]
    if which in ("all", "loss"):
        out += [("vicreg-loss", ["--n", str(n), "--d", "8192"]) for n in (256, 2048)]
    return out


def java_home():
    """A JDK 25: the one bin/find-jdk finds (JAVA_HOME if it is one, else the usual install locations)."""
    found = subprocess.run([os.path.join(ROOT, "bin", "find-jdk")], capture_output=True, text=True)
    if found.returncode != 0:
        sys.exit("compare: " + found.stderr.strip())
    return found.stdout.strip()


def cli_jar():
    jar = os.path.join(ROOT, "vicreg", "target", "jvicreg-cli.jar")
    # bin/vicreg rebuilds the jar when sources are newer; --help is the cheapest command that triggers it
    subprocess.run([os.path.join(ROOT, "bin", "vicreg"), "--help"], stdout=subprocess.DEVNULL, check=False)
    if not os.path.exists(jar):
        sys.exit("compare: " + jar + " is missing and bin/vicreg could not build it")
    return jar


def cpu_jiffies():
    """(busy, total) jiffies of all CPUs so far, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v)


def cpu_busy(seconds=1.0):
    """Fraction of all CPUs busy over the next `seconds`."""
    b0, t0 = cpu_jiffies()
    time.sleep(seconds)
    b1, t1 = cpu_jiffies()
    return (b1 - b0) / max(1, t1 - t0)


def wait_quiet(max_busy, wait):
    deadline = time.time() + wait
    busy = cpu_busy()
    while busy > max_busy and time.time() < deadline:
        time.sleep(5)
        busy = cpu_busy()
    return busy


def run_once(cmd):
    """Runs one benchmark process; returns (its JSON line or None, share of the CPUs others used meanwhile)."""
    b0, t0 = cpu_jiffies()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, capture_output=True, text=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    b1, t1 = cpu_jiffies()
    hz = os.sysconf("SC_CLK_TCK")
    ours = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    others = max(0.0, ((b1 - b0) / hz - ours) / max(1e-9, (t1 - t0) / hz))
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    if p.returncode != 0 or not lines:
        sys.stderr.write(p.stderr[-2000:])
        return None, others
    return json.loads(lines[-1]), others


def run(cmd, a):
    """run_once on a quiet machine, again (up to --attempts times) when other processes took CPU meanwhile."""
    best = None
    for _ in range(a.attempts):
        wait_quiet(a.max_busy, a.wait)
        result, others = run_once(cmd)
        if result is None:
            return None, others
        if best is None or others < best[1]:
            best = (result, others)
        if others <= a.max_busy:
            break
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default="all", choices=["all", "gemm", "conv", "ops", "step", "recipe", "loss"])
    ap.add_argument("--only", help="run only workloads whose name or parameters contain this")
    ap.add_argument("--seconds", type=float, default=5.0, help="minimum measuring time per side")
    ap.add_argument("--peak-gflops", type=float, default=227.0,
                    help="FMA peak of the machine: cores x 32 fp32 flop/cycle x clock (227 = 2 x 32 x 3.55 GHz here)")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--max-busy", type=float, default=0.10, help="wait while others use more of the CPUs than this")
    ap.add_argument("--wait", type=float, default=600, help="longest wait for a quiet machine, seconds")
    ap.add_argument("--attempts", type=int, default=3,
                    help="runs of a side while other processes took more than --max-busy of the CPUs (the quietest is kept)")
    ap.add_argument("--java-heap", default="4g", help="-Xmx for jvicreg's kernel workloads")
    ap.add_argument("--step-heap", default="2g",
                    help="-Xmx (= -Xms, pre-touched) for jvicreg's resnet50-step: its live peak is about 1.95 GiB "
                         "(1920m runs, more slowly); the heap is the RSS")
    ap.add_argument("--vicreg-step-heap", default="6g",
                    help="-Xmx (= -Xms, pre-touched) for jvicreg's vicreg-step: two views through ResNet-50 and the "
                         "8192-wide expander (under G1, whose 256 MB weight arrays take whole regions, 5g runs out; "
                         "the parallel collector runs it in 5g)")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--no-channels-last", dest="channels_last", action="store_false",
                    help="do not also time PyTorch's convolutions in channels_last (by default the faster is kept)")
    a = ap.parse_args()

    java = os.path.join(java_home(), "bin", "java")
    # both sides on transparent huge pages where the kernel has them, as bin/vicreg and tuned.py arrange
    huge_pages = ["-XX:+UseTransparentHugePages"] if tuned.huge_pages_on_request() else []
    jar = cli_jar()
    py = shutil.which("python3") if not os.path.exists("/usr/bin/python3") else "/usr/bin/python3"
    common = ["--seconds", str(a.seconds), "--threads", str(a.threads)]
    rows = []
    for name, args in workloads(a.set):
        label = name + " " + " ".join(args)
        if a.only and a.only not in label:
            continue
        heap = {"resnet50-step": a.step_heap, "vicreg-step": a.vicreg_step_heap}.get(name, a.java_heap)
        ours, busy_j = run([java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                            "-XX:+UseG1GC", "-Xms" + heap, "-Xmx" + heap, "-XX:+AlwaysPreTouch"] + huge_pages
                           + ["-jar", jar, "bench", name] + args + common, a)
        torch_cmd = [py, os.path.join(ROOT, "bench", "pytorch", "workloads.py"), name] + args + common
        theirs, busy_t = run(torch_cmd, a)
        if name in ("conv", "layer-op", "resnet50-step") and "batchnorm1d" not in args and a.channels_last and theirs is not None:
            # PyTorch at its best: keep NHWC when oneDNN runs it faster
            nhwc, busy_n = run(torch_cmd + ["--channels-last"], a)
            if nhwc is not None and nhwc["median_ms"] < theirs["median_ms"]:
                theirs, busy_t = nhwc, busy_n
        if ours is None or theirs is None:
            print(f"{label}: failed (jvicreg {'ok' if ours else 'failed'}, torch {'ok' if theirs else 'failed'})", flush=True)
            continue
        rows.append((name, ours, theirs, max(busy_j, busy_t)))
        print_row(rows[-1], a, header=len(rows) == 1)


def print_row(row, a, header):
    name, o, t, busy = row
    ratio = t["median_ms"] / o["median_ms"]
    cols = [name, o["params"], f"{o['median_ms']:.1f}", f"{t['median_ms']:.1f}", f"{o['gflops']:.1f}",
            f"{t['gflops']:.1f}", f"{ratio:.2f}", f"{100 * o['gflops'] / a.peak_gflops:.0f}%",
            f"{100 * t['gflops'] / a.peak_gflops:.0f}%"]
    extra = ""
    if o.get("items_per_s") and name in ("resnet50-step", "vicreg-step"):
        extra = f"  img/s {o['items_per_s']:.2f} vs {t['items_per_s']:.2f}, peak RSS {o['peak_rss_mib']:.0f} vs {t['peak_rss_mib']:.0f} MiB" \
                f" ({o['peak_rss_mib'] / t['peak_rss_mib']:.2f}x)"
    names = ["workload", "params", "jvicreg ms", "torch ms", "jvicreg GF/s", "torch GF/s", "speed ratio",
             "jvicreg %peak", "torch %peak"]
    if a.markdown:
        if header:
            print("| " + " | ".join(names + ["busy"]) + " |")
            print("|" + "---|" * (len(names) + 1))
        print("| " + " | ".join(cols + [f"{100 * busy:.0f}%"]) + " |" + extra, flush=True)
    else:
        if header:
            print(f"{'workload':14} {'params':42} {'ours ms':>9} {'torch ms':>9} {'ours GF/s':>9} {'torch GF/s':>10}"
                  f" {'ratio':>6} {'ours%pk':>7} {'torch%pk':>8} {'busy':>5}")
        print(f"{cols[0]:14} {cols[1]:42} {cols[2]:>9} {cols[3]:>9} {cols[4]:>9} {cols[5]:>10} {cols[6]:>6}"
              f" {cols[7]:>7} {cols[8]:>8} {100 * busy:>4.0f}%{extra}", flush=True)


if __name__ == "__main__":
    main()
