"""A run's memory: its large arrays built without transparent huge pages, and the
memory a run frees kept for the next.

numpy asks Linux for huge pages (2 MB) for every array of 4 MB or more
(`madvise(MADV_HUGEPAGE)`). Where the kernel compacts memory to find them at
the first touch (`defrag` set to `madvise`, the usual default), a fresh
process pays for each one: a million people's follower graph, whose
temporaries are written once and freed, took 3.5-3.8 s to build in a new
process and 1.8 s without huge pages (1.4-2.0 s once the process had memory
to reuse); the whole build (graph and people) 3.9-4.2 s against 2.0-2.2 s.
The run took as long either way (2.0-2.2 s of a 90-day run, 7.7-8.6 s of a
year), so only the build goes without them.

The engine also asks glibc's malloc, once a process, to keep the memory a run
frees for the next one's arrays (`keep_freed_memory`). By default glibc gives
each array above a threshold its own mapping and hands freed memory at the
heap's top back to the system; the next run's arrays then fault their pages
in again, one by one. Repeated short runs at 50,000 people (a sweep's worker,
the Mesa benchmark) paid ~2,800 page faults a run of ten days, and took
about a tenth less time without them; larger runs took as long either way, with the
same peak memory (docs/performance.md). The cost: a process keeps up to
TRIM_THRESHOLD bytes it no longer uses, where glibc would return them.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import numpy as np

# glibc's malloc: an allocation below MMAP_THRESHOLD bytes comes from the heap rather
# than a mapping of its own, and up to TRIM_THRESHOLD bytes free at the heap's top stay
# with the process (glibc's own thresholds start at 128 KiB and twice the largest freed
# mapping, and move with what is freed). Chosen, not fitted: above 50,000 people's graph
# arrays (1.6-3.2 MB) and below a million's (32-64 MB, left to their own mappings)
MMAP_THRESHOLD = 16 << 20
TRIM_THRESHOLD = 64 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
# the environment variables by which a user sets glibc's thresholds themselves
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
_kept: bool | None = None  # keep_freed_memory's decision, once a process


@contextmanager
def without_huge_pages() -> Iterator[None]:
    """numpy's huge-page advice off within the block, as it was after it.

    numpy's switch is private (`_set_madvise_hugepage`, what it calls at
    import to honour `NUMPY_MADVISE_HUGEPAGE`); where it is missing, nothing
    changes.
    """
    switch = getattr(np._core.multiarray, "_set_madvise_hugepage", None)
    if switch is None:
        yield
        return
    previous = switch(False)
    try:
        yield
    finally:
        switch(previous)


def set_thresholds(environ: Mapping[str, str], mallopt: Callable[[int, int], int] | None) -> bool:
    """Raise glibc's mmap and trim thresholds with `mallopt` (see MMAP_THRESHOLD); False,
    changing nothing, without a `mallopt` or where `environ` sets either threshold."""
    if mallopt is None or any(name in environ for name in _USER_SETTINGS):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )


def keep_freed_memory() -> bool:
    """The process's malloc keeps freed memory for the next arrays (`set_thresholds`,
    decided on the first call): whether it does. A no-op off glibc."""
    global _kept
    if _kept is None:
        try:
            mallopt = ctypes.CDLL(None).mallopt
            mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
        except (OSError, AttributeError, TypeError):  # no C library to ask, or no mallopt
            mallopt = None
        _kept = set_thresholds(os.environ, mallopt)
    return _kept
