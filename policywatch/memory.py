"""Process memory settings for a long ingest.

The flow runs groups of sources in threads, and glibc gives each thread that allocates under
contention its own malloc arena (up to 8 per core), each keeping freed memory of its own:
at 1,000 sources the main process held 370 MB, 274 MB with two arenas, at the same speed
(bench/ingest.py, BENCHMARKS.md).
"""

from __future__ import annotations

import ctypes
import os

M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process; False where there is no glibc mallopt,
    or when MALLOC_ARENA_MAX is set (the user's choice stands)."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (macOS, musl without it)
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, arenas))
