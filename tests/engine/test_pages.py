"""sim.engine.pages: numpy's huge-page advice is off within the build, and as it was after;
glibc's malloc keeps freed memory for the next arrays."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import numpy as np
import pytest

from sim.engine import pages
from sim.engine.pages import without_huge_pages

switch = getattr(np._core.multiarray, "_set_madvise_hugepage", None)
no_switch = pytest.mark.skipif(switch is None, reason="this numpy has no huge-page switch")


def _current() -> bool:
    value = switch(False)
    switch(value)
    return value


@no_switch
@pytest.mark.parametrize("before", [True, False])
def test_off_inside_and_restored_after_even_on_error(before):
    original = switch(before)
    try:
        with without_huge_pages():
            assert _current() is False
        assert _current() is before
        with pytest.raises(RuntimeError), without_huge_pages():
            raise RuntimeError("a build that fails")
        assert _current() is before
    finally:
        switch(original)


def test_the_thresholds_are_raised_unless_the_user_set_them():
    calls = []

    def mallopt(option: int, value: int) -> int:
        calls.append((option, value))
        return 1

    assert pages.set_thresholds({}, mallopt) is True
    assert calls == [(-3, pages.MMAP_THRESHOLD), (-1, pages.TRIM_THRESHOLD)]
    calls.clear()
    for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"):
        assert pages.set_thresholds({name: "131072"}, mallopt) is False
    assert calls == []
    assert pages.set_thresholds({}, None) is False
    assert pages.set_thresholds({}, lambda option, value: 0) is False  # refused (musl's)


FAULTS = """
import resource, numpy as np
from sim.engine.pages import keep_freed_memory
kept = keep_freed_memory()

def run():  # a run's arrays: ten of 2 MB (below numpy's huge-page advice) at once, freed
    arrays = [np.ones(1 << 18) for _ in range(10)]
    del arrays

run()
run()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
run()
print(kept, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_a_freed_array_s_pages_are_reused_by_the_next_array():
    """In a fresh process: with the thresholds raised, a run's arrays take the last run's
    pages (no faults); with glibc's own thresholds it hands them back and faults them in
    again (~5,100), as with the user's own setting, which the engine leaves alone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}

    def faults(extra: dict[str, str]) -> tuple[str, int]:
        done = subprocess.run(
            [sys.executable, "-c", FAULTS], env={**env, **extra}, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        kept, count = done.stdout.split()
        return kept, int(count)

    kept, count = faults({})
    assert kept == "True" and count < 256
    kept, count = faults({"MALLOC_TRIM_THRESHOLD_": "131072"})
    assert kept == "False" and count > 2_560  # ten arrays of 512 pages of 4 KiB
