"""`run(config, seed)` and its Result: summary, daily frame, optional post log, saved atomically."""

from __future__ import annotations

import functools
import json
import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config import arguments, config_to_yaml, recheck
from sim.config.schema import Config
from sim.engine import native
from sim.engine.metrics import post_log
from sim.engine.model import HubspokeModel
from sim.engine.summary import summarise_run
from sim.report.io import atomic_write, json_ready, write_json

_PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "hydra-core", "matplotlib")


def _git(*args: str) -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", *args], cwd=here, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


@functools.lru_cache(maxsize=1)
def environment() -> dict[str, Any]:
    """Where results come from: code version (and whether it had local changes), packages, host,
    and whether the compiled kernels ran (the same results; another speed).

    Computed once per process: a sweep's workers ask for it on every run.
    """
    import sim

    # hubspoke's own from the code (an editable install's metadata keeps the version it
    # was installed with); the others from their metadata
    versions = {"hubspoke": sim.__version__}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {
        "python": platform.python_version(),
        "packages": versions,
        "git_commit": commit.strip() if commit else None,
        "git_dirty": bool(status.strip()) if status is not None else None,
        "host": platform.node(),
        "kernels": native.STATUS,
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def provenance(config: Config, seed: int) -> dict[str, Any]:
    """A run's provenance: seed, scenario, strategy, environment and when it ran."""
    return {
        "seed": seed,
        "scenario": config.scenario,
        "strategy": config.strategy.name,
        **environment(),
        "created": _now(),
    }


def experiment_provenance(kind: str, **settings: Any) -> dict[str, Any]:
    """The provenance of a batch of runs (compare, staffing, sensitivity, calibration)."""
    return {"kind": kind, **settings, **environment(), "created": _now()}


def write_provenance(out: Path, kind: str, **settings: Any) -> None:
    """provenance.json of a batch of runs in `out`."""
    record = experiment_provenance(kind, **settings)
    atomic_write(out / "provenance.json", lambda p: p.write_text(json.dumps(record, indent=2)))


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
        """Write config.yaml, daily.parquet, summary.json, provenance.json, report.html
        (+ posts, plots)."""
        from sim.report.plots import PLOT_FILES

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        # the summary marks a complete folder: remove it first, and any file of an
        # earlier run in this folder that this save will not replace
        (out / "summary.json").unlink(missing_ok=True)
        for name in ("posts.parquet", "report.html", *PLOT_FILES):
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
            from sim.report.currency import currency_of
            from sim.report.headline import readings
            from sim.report.plots import crisis_events, plot_dashboard, plot_run, scenario_events

            cfg = self.config
            currency = currency_of(cfg)
            title = f"{cfg.scenario} / {cfg.strategy.name}"
            events = scenario_events(cfg) + crisis_events(cfg, self.summary)
            plot_run(self.daily, out, title=title, events=events, currency=currency)
            lines = readings(
                self.summary, cfg.days, cfg.value.horizon_days, cfg.strategy.sla_hours, currency
            )
            plot_dashboard(
                self.daily, out / "dashboard.png",
                f"{title}, seed {self.seed}, {cfg.days} days: the run on one page", events, lines,
                currency,
            )  # fmt: skip
        from sim.report.run_page import run_report

        page = run_report(
            self.config, self.seed, self.summary, self.daily, self.provenance, out,
            config_to_yaml(self.config),
        )  # fmt: skip
        atomic_write(out / "report.html", lambda p: p.write_text(page))
        # the summary goes last: its presence marks a complete run folder
        write_json(out / "summary.json", json_ready(self.summary))
        return out


def run(config: Config, seed: int | None = None) -> Result:
    """Run one scenario under one strategy.

    Args:
        config: from `load_config` (checked again here, so edits made in Python are too).
        seed: the run's seed; defaults to `config.seed`.

    Returns:
        The `Result`: summary metrics, the daily frame, the post log if asked, provenance.
    """
    recheck(config)
    return simulate(config, config.seed if seed is None else arguments.seed(seed))


def simulate(config: Config, seed: int) -> Result:
    """`run` without the re-check, for a config straight from `load_config` (the batch
    runners and the CLI). The re-check of a config unchanged since it passed costs
    ~0.1 ms; of an edited one, ~40 ms."""
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
