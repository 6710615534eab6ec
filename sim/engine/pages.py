"""Building a run's large arrays without transparent huge pages.

numpy asks Linux for huge pages (2 MB) for every array of 4 MB or more
(`madvise(MADV_HUGEPAGE)`). Where the kernel compacts memory to find them at
the first touch (`defrag` set to `madvise`, the usual default), a fresh
process pays for each one: a million people's follower graph, whose
temporaries are written once and freed, took 3.5-3.8 s to build in a new
process and 1.8 s without huge pages (1.4-2.0 s once the process had memory
to reuse); the whole build (graph and people) 3.9-4.2 s against 2.0-2.2 s.
The run took as long either way (2.0-2.2 s of a 90-day run, 7.7-8.6 s of a
year), so only the build goes without them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np


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
