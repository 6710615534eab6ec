"""A brand's own data in: its post log becomes a scenario (`hubspoke import-log`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sim.config import ConfigError
from sim.imports.post_log import LogFit, estimate, read_log

__all__ = ["LogFit", "import_log"]


def import_log(
    path: str | Path,
    out: str | Path,
    timezone: str | None = None,
    kind_map: Mapping[str, str] | None = None,
    kind: str | None = None,
    topic_map: Mapping[str, str] | None = None,
) -> LogFit:
    """Read the post log at `path`, estimate demand and service, write the scenario `out`.

    `out` is a YAML path (SCENARIO.yaml); the fit report, heatmap, hour-of-week
    table and service targets are written next to it (sim.imports.write). Bad
    input raises ConfigError before anything is written.
    """
    from sim.imports.write import write_all

    target = Path(out)
    if target.suffix.lower() not in (".yaml", ".yml"):
        raise ConfigError(f"out={out}: the scenario is a YAML file; end it in .yaml")
    if target.exists() and target.is_dir():
        raise ConfigError(f"out={out}: is a folder; give the scenario's file name")
    fit = estimate(
        read_log(path), timezone, kind_map, kind, source=Path(path).name, topic_map=topic_map
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"out={out}: cannot create its folder ({exc.strerror})") from None
    write_all(fit, target)
    return fit
