"""`run(config, seed)` and its Result: summary, daily frame, optional post log, saved atomically."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config import config_to_yaml
from sim.config.schema import Config
from sim.engine.metrics import post_log
from sim.engine.model import HubspokeModel
from sim.engine.summary import summarise_run
from sim.report.io import atomic_write, json_ready

_PACKAGES = ("hubspoke", "mesa", "numpy", "scipy", "pandas", "pyarrow", "hydra-core", "matplotlib")


def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def provenance(config: Config, seed: int) -> dict[str, Any]:
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "seed": seed,
        "scenario": config.scenario,
        "strategy": config.strategy.name,
        "python": platform.python_version(),
        "packages": versions,
        "git_commit": _git_commit(),
    }


@dataclass
class Result:
    """What one run produced."""

    config: Config
    seed: int
    summary: dict[str, float]
    daily: pd.DataFrame
    posts: pd.DataFrame | None = None
    provenance: dict[str, Any] = field(default_factory=dict)

    def save(self, directory: str | os.PathLike, plots: bool | None = None) -> Path:
        """Write config.yaml, daily.parquet, summary.json, provenance.json (+ posts, plots)."""
        from sim.report.plots import PLOT_FILES

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        # the summary marks a complete folder: remove it first, and any file of an
        # earlier run in this folder that this save will not replace
        (out / "summary.json").unlink(missing_ok=True)
        for name in ("posts.parquet", *PLOT_FILES):
            (out / name).unlink(missing_ok=True)
        atomic_write(out / "config.yaml", lambda p: p.write_text(config_to_yaml(self.config)))
        atomic_write(out / "daily.parquet", lambda p: self.daily.to_parquet(p, index=False))
        if self.posts is not None:
            atomic_write(out / "posts.parquet", lambda p: self.posts.to_parquet(p, index=False))
        atomic_write(
            out / "provenance.json",
            lambda p: p.write_text(json.dumps(self.provenance, indent=2, sort_keys=True) + "\n"),
        )
        if self.config.output.plots if plots is None else plots:
            from sim.report.plots import plot_run, scenario_events

            plot_run(
                self.daily,
                out,
                title=f"{self.config.scenario} / {self.config.strategy.name}",
                events=scenario_events(self.config),
            )
        # the summary goes last: its presence marks a complete run folder
        atomic_write(
            out / "summary.json",
            lambda p: p.write_text(json.dumps(json_ready(self.summary), indent=2) + "\n"),
        )
        return out


def run(config: Config, seed: int | None = None) -> Result:
    """Run one scenario under one strategy.

    Args:
        config: from `load_config` (checked again here, so edits made in Python are too).
        seed: the run's seed; defaults to `config.seed`.

    Returns:
        The `Result`: summary metrics, the daily frame, the post log if asked, provenance.
    """
    seed = config.seed if seed is None else int(seed)
    model = HubspokeModel(config, seed)
    model.run()
    return collect(model)


def collect(model: HubspokeModel) -> Result:
    """The Result of a model that has run: summary, daily frame, optional post log."""
    cfg = model.config
    daily, summary = summarise_run(model)
    posts = None
    if cfg.output.posts:
        posts = post_log(
            model.posts, model.topics, model.team.departments, model.population.platform_names
        )
    return Result(cfg, model.seed, summary, daily, posts, provenance(cfg, model.seed))
