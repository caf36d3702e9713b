"""glibc's heap kept for the whole process, so PyTorch's timings measure its kernels, not the kernel's page faults.

By default glibc maps every allocation above its mmap threshold (at most 32 MB) afresh and unmaps it on
free, so each large activation of each run is new memory, touched page by page; where page faults are
dear (virtual machines) that can double a training step. keep() turns mmap off for malloc (M_MMAP_MAX = 0),
never returns the heap's top to the kernel (M_TRIM_THRESHOLD) and grows it in 256 MB steps (M_TOP_PAD),
as the environment MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=... MALLOC_TOP_PAD_=... would. The freed
activations are then reused from the heap, as jvicreg's JVM reuses its own heap.
"""
import ctypes
import ctypes.util

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_MAX = -1, -2, -4


def keep():
    """Sets the three options; returns False (and changes nothing) where the C library is not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_MAX, 0) and mallopt(M_TRIM_THRESHOLD, 2**31 - 1) and mallopt(M_TOP_PAD, 256 << 20))
