"""PyTorch at its best on this machine, so its timings measure its kernels rather than its setup: glibc's heap
kept, on huge pages, and OpenBLAS on its AVX-512 kernels.

keep_heap(): by default glibc maps every allocation above its mmap threshold (at most 32 MB) afresh and
unmaps it on free, so each large activation of each run is new memory, touched page by page; where page
faults are dear (virtual machines) that can double a training step. keep_heap() turns mmap off for malloc
(M_MMAP_MAX = 0), never returns the heap's top to the kernel (M_TRIM_THRESHOLD) and grows it in 256 MB steps
(M_TOP_PAD), as the environment MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=... MALLOC_TOP_PAD_=... would. The
freed activations are then reused from the heap, as jvicreg's JVM reuses its own heap.

restart(): re-executes the script once with
- GLIBC_TUNABLES=glibc.malloc.hugetlb=1 where the kernel gives transparent huge pages on request (always or
  madvise mode), so the heap is backed by 2 MB pages, as bin/vicreg runs the JVM with
  -XX:+UseTransparentHugePages;
- OPENBLAS_CORETYPE=SkylakeX where the CPU has AVX-512, whatever the environment says: an environment that
  pins OpenBLAS to Haswell (AVX2 only), as CPU-D's does, halves torch.mm's speed (2048^3 in 87 against 47 ms
  on CPU-D, bench/RESULTS.md).
GLIBC_TUNABLES is left as it is when it already names glibc.malloc.hugetlb.
"""
import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_MAX = -1, -2, -4
THP = "/sys/kernel/mm/transparent_hugepage/enabled"


def keep_heap():
    """Sets the three options; returns False (and changes nothing) where the C library is not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_MAX, 0) and mallopt(M_TRIM_THRESHOLD, 2**31 - 1) and mallopt(M_TOP_PAD, 256 << 20))


def huge_pages_on_request():
    """Whether the kernel backs memory with transparent huge pages when a process asks (always or madvise)."""
    try:
        with open(THP) as f:
            mode = f.read()
    except OSError:
        return False
    return "[always]" in mode or "[madvise]" in mode


def has_avx512():
    try:
        with open("/proc/cpuinfo") as f:
            return any(line.startswith("flags") and " avx512f" in line for line in f)
    except OSError:
        return False


def restart():
    """Re-executes this script with the variables above, once; returns where none is to be set."""
    env = dict(os.environ)
    tunables = env.get("GLIBC_TUNABLES", "")
    if "glibc.malloc.hugetlb" not in tunables and huge_pages_on_request():
        env["GLIBC_TUNABLES"] = (tunables + ":" if tunables else "") + "glibc.malloc.hugetlb=1"
    if has_avx512():
        env["OPENBLAS_CORETYPE"] = "SkylakeX"
    if env != os.environ:
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
