"""Files that are whole or absent: atomic writes, and JSON every reader accepts."""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def json_ready(summary: dict[str, float]) -> dict[str, float | None]:
    """NaN and infinities become null: strict JSON that every reader accepts."""
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v)
        for k, v in summary.items()
    }


def _file_mode() -> int:
    """What a plain `open(path, "w")` would give: 0o666 less the umask (mkstemp gives 0o600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Write via a temporary file in the same folder, then rename: never half a file.

    The file gets the mode the user's umask asks for, so colleagues can read
    shared results.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
