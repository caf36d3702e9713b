"""glibc's heap kept for the whole process, on huge pages, so PyTorch's timings measure its kernels, not the
kernel's page faults.

By default glibc maps every allocation above its mmap threshold (at most 32 MB) afresh and unmaps it on
free, so each large activation of each run is new memory, touched page by page; where page faults are
dear (virtual machines) that can double a training step. keep() turns mmap off for malloc (M_MMAP_MAX = 0),
never returns the heap's top to the kernel (M_TRIM_THRESHOLD) and grows it in 256 MB steps (M_TOP_PAD),
as the environment MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=... MALLOC_TOP_PAD_=... would. The freed
activations are then reused from the heap, as jvicreg's JVM reuses its own heap.

on_huge_pages() restarts the script with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 where the kernel gives
transparent huge pages on request (madvise mode), so the heap is backed by 2 MB pages, as bin/vicreg runs
the JVM with -XX:+UseTransparentHugePages.
"""
import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_MAX = -1, -2, -4
THP = "/sys/kernel/mm/transparent_hugepage/enabled"


def keep():
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


def on_huge_pages():
    """Re-executes this script with glibc's malloc asking for huge pages, once; returns where it cannot."""
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    if "glibc.malloc.hugetlb" in tunables or not huge_pages_on_request():
        return
    env = dict(os.environ, GLIBC_TUNABLES=(tunables + ":" if tunables else "") + "glibc.malloc.hugetlb=1")
    os.execve(sys.executable, [sys.executable] + sys.argv, env)
