"""The compiled kernels (sim/engine/kernels.c), or why the engine runs without them.

The kernels are built at install (hatch_build.py) into a plain shared library and
called through ctypes on numpy arrays. Each one has a numpy twin in the engine
that stays the reference: the two give the same results to the last bit
(tests/engine/test_native.py), so whether a run used them changes its speed,
never its results. The engine uses the library when it is present and was built
from the kernels.c beside it; `HUBSPOKE_NATIVE=0` makes it run numpy alone.

`KERNELS` is the loaded library's functions, or None; `STATUS` says which, and why.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_SOURCE = _HERE / "kernels.c"
# not "_kernels.so": a file ending in an extension module's suffix is taken for a module
# by pkgutil and importlib (and fails to import); dlopen takes any name
_LIBRARY = _HERE / ("_kernels.dll" if sys.platform == "win32" else "_kernels.so.0")

_P = ctypes.c_void_p
_I64, _U64, _I32, _I8 = ctypes.c_int64, ctypes.c_uint64, ctypes.c_int32, ctypes.c_int8
_F64 = ctypes.c_double
_SIGNATURES = {
    "thin": (
        _I64,
        [
            *(_I64, _P, _P, _U64, _F64, _F64, _I32, _P, _P, _P, _P, _I64, _P, _I64, _P, _P, _P),
            *(_I8, _I8, _U64, _U64, _U64, _P, _I64, _P, _P),
            *(_P, _I64, _P, _I64, _U64, _I64, _F64),  # the loud people's points
            *(_I64, _P, _P, _P, _P, _P, _P, _P),  # capacity, then the outputs
        ],
    ),
    "resolve_copies": (None, [_I64, _P, _P, _P]),
    "copying_model_rows": (_I64, [_I64, _I64, _P, _F64, _P, _P, _P, _P, _P, _P, _P]),
    "sorted_sample": (_I32, [_P, _I64, _I64, _P]),
    "draw_candidates": (_I64, [_P, _I64, _P, _P, _I64, _I64, _P, _P, _P, _P]),
    "draw_candidates_from_counts": (_U64, [_P, _I64, _P, _P, _I64, _P, _P]),
    "graph_rows": (_I64, [_I64, _I64, _I64, _P, _P, _P, _P, _P, _P]),
    # the day's passes over everyone (population.py, network.py)
    "census": (None, [_I64, _P, _P, _P, _I8, _P, _P, _P]),
    "loyalty_drift": (None, [_I64, _P, _P, _F64]),
    "flag_changes": (_I64, [_I64, _P, _P, _P, _P, _P, _I64, _P]),
    "followers_among": (_I32, [_P, _P, _I64, _P, _I64, _P, _P]),
    "loyalty_summary": (_I64, [_I64, _P, _F64, _F64, _I64, _P, _P, _P]),
    # a day's reshare cascades (sim/engine/diffusion.py); their output freed by kernels_free
    "cascades": (_I64, [_P, _I64, _P, _P, _I64, _P, _P, _I64, _P, _P]),
    # the same with the share probabilities and the ledger's weights (HubspokeModel._spread)
    "spread_day": (
        _I64,
        [_P, _I64, _P, _P, _I64, _P, _P, _P, _P, _F64, _F64, _I64, _P, _P, _P],
    ),
    "kernels_free": (None, [_P]),
    # a day's posts in one pass (sim/engine/day_posts.py); a day is an opaque pointer
    "day_new": (_P, []),
    "day_free": (None, [_P]),
    "day_posts": (_I64, [_P, _P, _P, _P, _F64, _P, _P, _P, _P, _P, _F64, _I32]),
    "day_book": (_I32, [_P, _F64, _I8, _I8, _I8, _I8, _P, _I64, _P, _P, _I64, _I64, _P]),
    "day_candidates": (_I64, [_P]),
    # what the ledger and the cascades read of a day's posts (sim/engine/posts.py, read_day)
    "day_reading": (
        _I32,
        [_I64, _I64, _P, _P, _P, _P, _I64, _I8, _I8, _I8, _F64, *(_P,) * 8],
    ),
    # a day's posts into the book (sim/engine/posts.py)
    "book_batch": (
        _I32,
        [
            *(_I64, _P, _P, _P, _P, _P, _P, _P),  # count, the merged parts, the uniforms
            *(_F64, _I8, _I8, _I8, _I8, _P, _I64),  # the marks' and kinds' constants
            *(_P, _P, _I64, _I64, _P),  # followers, platforms, people, row, columns
        ],
    ),
    # the queue (sim/engine/queueing.py CompiledPool); a pool is an opaque pointer
    "pool_new": (_P, []),
    "pool_free": (None, [_P]),
    "pool_add_server": (_I32, [_P, _F64, _F64, _P, _I32, _I32, _F64, _F64, _F64]),
    "pool_arrive": (_I32, [_P, _I64, _P, _P, _P, _P, _P, _P]),
    "pool_take_up": (
        _I64,
        [
            *(_P, _I64, _I64, _P, _P, _P, _F64, _P, _P),  # pool, rows, who is taken up
            *(_P, _P, _P, _P, _P, _I32, _P, _F64, _P),  # the arrivals and their order
            *(_P, _P, _I8, _I8),  # queued, outcome and its codes
        ],
    ),
    "pool_advance": (_I64, [_P, _F64]),
    "pool_drain_abandoned": (_I64, [_P, _F64]),
    "pool_read_log": (None, [_P, _P, _P, _P, _P]),
    "pool_busy_through": (_F64, [_P, _F64]),
    "pool_under_way": (_I64, [_P, _P, _P]),
    "pool_services": (_I64, [_P]),
    "pool_waiting": (_I64, [_P]),
    "pool_clock": (_F64, [_P]),
    "pool_busy_hours": (_F64, [_P]),
    "pool_completed_hours": (_F64, [_P]),
    # the team's callbacks (sim/engine/team_kernel.py); a log is an opaque pointer
    "team_log_new": (_P, []),
    "team_log_free": (None, [_P]),
    "team_log_clear": (None, [_P]),
    "team_log_count": (_I64, [_P, _I32]),
    "team_log_read": (None, [_P, _P, _P, _P]),
    "team_advance": (_I32, [_P, _P, _P, _F64]),
    "team_drain": (_I32, [_P, _P, _P, _F64]),
}


def load(library_path: Path = _LIBRARY, source: Path = _SOURCE) -> tuple[ctypes.CDLL | None, str]:
    """The library at `library_path` if it may be used (built from `source`), and a status."""
    if os.environ.get("HUBSPOKE_NATIVE", "1") == "0":
        return None, "off (HUBSPOKE_NATIVE=0): the numpy path"
    if not library_path.exists():
        return None, "not built (no C compiler at install?): the numpy path"
    try:
        library = ctypes.CDLL(str(library_path))
    except OSError as error:
        return None, f"not loadable ({error}): the numpy path"
    library.kernels_source.restype = ctypes.c_char_p
    built_from = library.kernels_source().decode()
    if source.exists():
        expected = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
        if built_from != expected:
            return None, "stale (kernels.c changed since the build; reinstall): the numpy path"
    for name, (result, arguments) in _SIGNATURES.items():
        function = getattr(library, name)
        function.restype, function.argtypes = result, arguments
    return library, f"compiled kernels in use (built from kernels.c {built_from})"


KERNELS, STATUS = load()


class Addresses:
    """Addresses of arrays used again and again (a week's plans, a population's arrays),
    each found once: ~0.2 us a look-up where `address` takes ~0.4-1 us (~3 us for a
    read-only array). Holds the arrays it answered for, so an id is never another's;
    starts afresh once it holds `limit` of them."""

    def __init__(self, limit: int = 256) -> None:
        self._known: dict[int, tuple[object, int]] = {}
        self._limit = limit

    def of(self, values: object) -> int:
        known = self._known.get(id(values))
        if known is not None and known[0] is values:
            return known[1]
        if len(self._known) >= self._limit:
            self._known.clear()
        at = address(values)
        self._known[id(values)] = (values, at)
        return at


def address(values: object) -> int:
    """The address of a contiguous array's first byte: `values.ctypes.data` in about a
    third of its time (~0.4 against ~1.0 us; a day passes ~40 arrays to the kernels).

    A writable buffer is read through ctypes directly; a read-only or empty array takes
    numpy's way. The caller keeps `values` alive while the address is used."""
    try:
        return ctypes.addressof(ctypes.c_char.from_buffer(values))
    except (TypeError, ValueError, BufferError):
        return values.ctypes.data
