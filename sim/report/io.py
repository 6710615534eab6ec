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


def check_report_folder(out: Path, key: str, marker: str) -> None:
    """`out` may hold this kind of report (it has `marker`) or be new or empty; else refuse.

    Checked before any run, so a mistyped folder never receives half a report or
    another tool's files.
    """
    from sim.config.errors import ConfigError

    if out.exists() and not out.is_dir():
        raise ConfigError(f"{key}={out}: is a file; must be a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / marker).exists():
        what = "a sweep" if (out / "sweep.json").exists() else "other files"
        raise ConfigError(f"{key}={out}: holds {what}; choose a new or empty folder")
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"{key}={out}: cannot write there ({probe} is not writable)")


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


def write_json(path: Path, record: object) -> None:
    """`record` as indented JSON at `path`, written atomically."""
    import json

    atomic_write(path, lambda p: p.write_text(json.dumps(record, indent=2) + "\n"))
