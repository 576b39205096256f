"""How the serving process keeps its memory and pauses small: settled once, at start.

Two things bench/hostile.py found, both about a long-lived process that reads large frames:
- the cyclic collector's full passes walked every object imported at start (~100,000: 40-80
  ms each on one core, while no meeting's edit moved). `gc.freeze` leaves them out.
- glibc raises its mmap threshold after the first large block is freed (up to 32 MiB), so
  later 1 MiB frames come from the heap, whose free pages are rarely handed back: RSS stayed
  10 MiB up after the first attack of large frames. A fixed threshold keeps large blocks in
  mmap, returned to the system when freed. (Elsewhere than glibc this does nothing.)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys

_M_MMAP_THRESHOLD = -3  # glibc's malloc.h
_MMAP_THRESHOLD = 128 * 1024  # glibc's own starting value, kept fixed


def settle() -> None:
    """Call once the application is built, just before serving."""
    gc.freeze()
    if sys.platform.startswith("linux"):
        _fix_mmap_threshold()


def _fix_mmap_threshold() -> None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = libc.mallopt if libc is not None else None
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return
    if mallopt is not None:
        mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
