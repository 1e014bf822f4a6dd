"""How this process's C allocator (glibc malloc) gives freed memory back to the system.

By default glibc returns freed memory at once: blocks above a threshold are unmapped when freed, and the
top of the heap is trimmed. An estimate on a large wave allocates and frees hundreds of MB of numpy
temporaries, so every request then faults the same memory in again, page by page. On this project's
virtual machines a fault costs several times what it costs on bare metal: the estimates by field × age
band on 1,000,000 responses took 0.8-1.7 s per call with the defaults and a steady 0.71-0.75 s with the
memory kept (tests/benchmarks/test_domain_estimates_speed.py). So long-running processes (the served
workers, the CLI, the scorecard renderers) keep up to 2 GiB of freed heap for reuse, and map only
blocks above 32 MiB (glibc's ceiling for the threshold) separately. The price is a resident size that
stays at its peak, bounded by those figures; on another C library this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util

__all__ = ["keep_freed_memory"]

_M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's <malloc.h>
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
KEEP_BYTES = (1 << 31) - 1  # mallopt takes a C int
MAP_APART_BYTES = 32 << 20


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed memory for reuse (see the module's note); False where there is no glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return (
        bool(mallopt(_M_ARENA_MAX, 1))
        and bool(mallopt(_M_MMAP_THRESHOLD, MAP_APART_BYTES))
        and bool(mallopt(_M_TRIM_THRESHOLD, KEEP_BYTES))
    )
