"""sim.engine.pages: numpy's huge-page advice is off within the build, and as it was after."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.pages import without_huge_pages

switch = getattr(np._core.multiarray, "_set_madvise_hugepage", None)
pytestmark = pytest.mark.skipif(switch is None, reason="this numpy has no huge-page switch")


def _current() -> bool:
    value = switch(False)
    switch(value)
    return value


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
