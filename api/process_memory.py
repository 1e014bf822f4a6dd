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

A worker still faults its heap in once, on its first large estimate: after a restart, the estimates by
field × age band on 1,000,000 responses took 1.3-1.9 s on a new worker against 0.4-0.8 s once its heap had
grown. ``SIPAS_PRETOUCH_MB`` (default 0, off) has each served worker touch that much heap at start, as
the JVM's AlwaysPreTouch does (:func:`pretouch_heap`): the start takes a fraction of a second longer and
the worker is resident at that size from the start, which a deployment with million-response waves
reaches after its first large request anyway.
"""

from __future__ import annotations

import ctypes
import ctypes.util

__all__ = ["keep_freed_memory", "pretouch_heap"]

_M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's <malloc.h>
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
KEEP_BYTES = (1 << 31) - 1  # mallopt takes a C int
MAP_APART_BYTES = 32 << 20


_BLOCK_BYTES = 16 << 20  # below MAP_APART_BYTES: from the heap, which keeps it once freed


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def pretouch_heap(megabytes: int) -> int:
    """Grow the heap by about ``megabytes`` MiB, writing every page, and free it again for reuse (with
    :func:`keep_freed_memory` on, glibc keeps it); the MiB touched (0 without glibc or when off)."""
    libc = _libc()
    if libc is None or megabytes <= 0:
        return 0
    libc.malloc.argtypes, libc.malloc.restype = (ctypes.c_size_t,), ctypes.c_void_p
    libc.free.argtypes, libc.free.restype = (ctypes.c_void_p,), None
    blocks: list[int] = []
    try:
        for _ in range(max(1, megabytes * (1 << 20) // _BLOCK_BYTES)):
            block = libc.malloc(_BLOCK_BYTES)
            if not block:
                break
            ctypes.memset(block, 1, _BLOCK_BYTES)
            blocks.append(block)
    finally:
        for block in blocks:
            libc.free(block)
    return len(blocks) * _BLOCK_BYTES >> 20


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed memory for reuse (see the module's note); False where there is no glibc."""
    libc = _libc()
    if libc is None:
        return False
    try:
        mallopt = libc.mallopt
    except AttributeError:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return (
        bool(mallopt(_M_ARENA_MAX, 1))
        and bool(mallopt(_M_MMAP_THRESHOLD, MAP_APART_BYTES))
        and bool(mallopt(_M_TRIM_THRESHOLD, KEEP_BYTES))
    )
