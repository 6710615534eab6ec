"""Scenario discovery: which ranges of the swept parameters lead to an outcome of interest.

A sweep's runs are split by a threshold on one summary metric (`above=` or
`below=`: a number, `median` or `pNN`); the rule induction of the EMA Workbench
then describes the runs of interest as boxes over the swept numeric keys:
PRIM (Friedman & Fisher 1999; `method="prim"`, the default) peels the box one
small slice at a time, CART (`method="cart"`) splits the space as a decision
tree does. Each box is judged by

* coverage: the share of all runs of interest that fall in the box;
* density: the share of the runs in the box that are of interest;
* mass: the share of all runs that fall in the box.

PRIM's peeling trades coverage for density; the point chosen on its
trajectory is the densest whose coverage is at least `min_coverage`. Further
boxes describe the runs of interest the earlier ones left out (PRIM's
covering). The EMA Workbench is the optional extra `discovery`
(`pip install -e ".[discovery]"`); nothing here reimplements PRIM or CART.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import ConfigError, arguments
from sim.experiments.daily_outcomes import is_daily
from sim.report.io import atomic_write, check_report_folder, write_json

METHODS = ("prim", "cart")


def workbench():
    """The EMA Workbench module, or one line saying how to install it."""
    try:
        with warnings.catch_warnings():  # its optional cluster back-ends, not used here
            warnings.simplefilter("ignore", UserWarning)
            import ema_workbench
            import ema_workbench.analysis
    except ImportError:
        raise ConfigError('the EMA Workbench is needed: pip install -e ".[discovery]"') from None
    return ema_workbench


def _ema():
    """The Workbench's rule induction: PRIM and CART."""
    analysis = workbench().analysis
    return analysis.prim, analysis.cart


@dataclass
class Box:
    """Ranges of the swept keys that describe runs of interest."""

    limits: dict[str, tuple[float, float]]  # every swept key: its range in the box
    restricted: list[str]  # the keys the box narrows
    coverage: float
    density: float
    mass: float
    trajectory: list[dict[str, float]] = field(default_factory=list)  # PRIM's peeling

    def to_json(self) -> dict[str, Any]:
        return {
            "limits": {k: [float(lo), float(hi)] for k, (lo, hi) in self.limits.items()},
            "restricted": self.restricted,
            "coverage": self.coverage,
            "density": self.density,
            "mass": self.mass,
            "trajectory": self.trajectory,
        }


@dataclass
class Discovery:
    """The boxes found for one outcome threshold on one sweep."""

    outcome: str
    direction: str  # "above" or "below"
    threshold: float
    threshold_text: str  # as asked: "median", "p75" or the number
    method: str
    keys: list[str]
    runs: int
    of_interest: int
    ranges: dict[str, tuple[float, float]]  # each key over the whole sweep
    boxes: list[Box]
    left_out: list[str] = field(default_factory=list)  # swept keys PRIM cannot use

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "rule": f"{self.outcome} {self.direction} {self.threshold:g} ({self.threshold_text})",
            "method": self.method,
            "keys": self.keys,
            "left_out": self.left_out,
            "runs": self.runs,
            "of_interest": self.of_interest,
            "ranges": {k: [float(lo), float(hi)] for k, (lo, hi) in self.ranges.items()},
            "boxes": [b.to_json() for b in self.boxes],
        }

    def sentences(self) -> list[str]:
        """Each box in plain words."""
        share = self.of_interest / self.runs
        out = [
            f"{self.of_interest} of the {self.runs} runs ({100 * share:.0f} %) have "
            f"{self.outcome} {self.direction} {self.threshold:,.4g} ({self.threshold_text})."
        ]
        if not self.boxes:
            out.append(
                f"{self.method.upper()} found no range of {', '.join(self.keys)} where they "
                "are more common than over the whole sweep."
            )
        for i, box in enumerate(self.boxes, start=1):
            where = "; ".join(
                f"{key} {_fmt(box.limits[key][0])} to {_fmt(box.limits[key][1])} "
                f"(of {_fmt(self.ranges[key][0])} to {_fmt(self.ranges[key][1])})"
                for key in box.restricted
            )
            out.append(
                f"Box {i}: {self.outcome} is {self.direction} the threshold in "
                f"{100 * box.density:.0f} % of the runs with {where or 'any values'}; "
                f"these runs hold {100 * box.coverage:.0f} % of all the runs of interest "
                f"and are {100 * box.mass:.0f} % of all runs (density "
                f"{box.density:.2f}, coverage {box.coverage:.2f}; against "
                f"{100 * share:.0f} % of interest over the whole sweep)."
            )
        return out

    def markdown(self) -> str:
        lines = [f"# Scenario discovery: {self.outcome} {self.direction} the threshold", ""]
        lines += [s + "\n" for s in self.sentences()]
        if self.left_out:
            lines.append(
                "Not used (not numeric, or not varied): " + ", ".join(self.left_out) + ".\n"
            )
        lines.append(
            f"Method: {self.method.upper()} from the EMA Workbench over "
            f"{', '.join(self.keys)}. Coverage: the share of the runs of interest in the "
            "box; density: the share of the box's runs that are of interest; mass: the "
            "box's share of all runs."
        )
        return "\n".join(lines) + "\n"

    def save(self, out: str | Path) -> Path:
        """discovery.json, discovery.md, the trade-off and box plots, provenance.json."""
        from sim.report.plots import plot_discovery
        from sim.results import write_provenance

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        record = self.to_json()
        write_json(out / "discovery.json", record)
        atomic_write(out / "discovery.md", lambda p: p.write_text(self.markdown()))
        plot_discovery(self, out)
        shown = ("outcome", "rule", "method", "keys", "runs", "of_interest")
        write_provenance(out, "discovery", **{key: record[key] for key in shown})
        from sim.report.html import save_markdown_page

        save_markdown_page(out, f"Discovery: {self.outcome}", "discovery.md")
        return out


def _fmt(x: float) -> str:
    return f"{x:,.3g}" if abs(x) < 1e4 else f"{x:,.0f}"


def threshold_of(values: np.ndarray, text: Any, name: str) -> tuple[float, str]:
    """A threshold given as a number, `median` or `pNN` (a percentile of `values`)."""
    shown = str(text).strip()
    if shown == "median":
        return float(np.median(values)), "the median"
    match = re.fullmatch(r"p(\d{1,2}(?:\.\d+)?)", shown)
    if match:
        q = float(match.group(1))
        if not 0 < q < 100:
            raise ConfigError(f"{name}={shown}: a percentile between p1 and p99")
        return float(np.percentile(values, q)), f"the {q:g}th percentile"
    try:
        value = float(shown)
    except ValueError:
        raise ConfigError(
            f"{name}={shown}: not allowed; allowed: a number, median, or pNN (a percentile)"
        ) from None
    if not math.isfinite(value):
        raise ConfigError(f"{name}={shown}: must be a finite number")
    return value, "as given"


def discover(
    data: str | Path | pd.DataFrame,
    outcome: str,
    above: Any = None,
    below: Any = None,
    method: str = "prim",
    peel_alpha: float = 0.05,
    min_coverage: float = 0.5,
    boxes: int = 1,
    keys: Sequence[str] | None = None,
    out: str | Path | None = None,
) -> Discovery:
    """Boxes over the swept keys that describe the runs whose `outcome` is above (or
    below) a threshold.

    Args:
        data: a sweep folder (its finished runs) or a frame of runs.
        outcome: a summary metric (a column of the sweep's dataset), or a daily
            outcome COLUMN@WHEN (sim.experiments.daily_outcomes) of a sweep whose runs
            were kept (save_runs=True).
        above, below: exactly one: a number, "median" or "pNN".
        method: "prim" (default) or "cart".
        peel_alpha: PRIM's share of the runs peeled at each step (0.01-0.5).
        min_coverage: the chosen point on PRIM's trajectory is the densest whose
            coverage is at least this.
        boxes: how many boxes at most (PRIM's covering; CART: the densest leaves).
        keys: the keys to describe (default: the sweep's varied numeric parameters).
        out: if given, the folder for discovery.json, discovery.md, plots and report.

    Returns:
        The `Discovery`; `save(DIR)` writes its files.
    """
    if method not in METHODS:
        raise ConfigError(f"method={method}: not allowed; allowed: {', '.join(METHODS)}")
    peel_alpha = arguments.number("peel_alpha", peel_alpha, 0.01, 0.5)
    min_coverage = arguments.number("min_coverage", min_coverage, 0.0, 1.0)
    boxes = arguments.integer("boxes", boxes, 1, 20)
    if (above is None) == (below is None):
        raise ConfigError("give above=VALUE or below=VALUE (a number, median or pNN), one")
    if out is not None:
        check_report_folder(Path(out), "out", "discovery")
    frame, parameters = _runs(data)
    if is_daily(outcome):
        frame = _with_daily_outcome(frame, data, outcome)
    if outcome not in frame.columns or outcome in parameters:
        raise ConfigError(f"outcome={outcome}: not a summary metric of this sweep")
    frame = frame[np.isfinite(pd.to_numeric(frame[outcome], errors="coerce"))]
    if frame.empty:
        raise ConfigError(f"outcome={outcome}: undefined in every run of this sweep")
    chosen, left_out = _keys(frame, parameters if keys is None else list(keys))
    values = frame[outcome].to_numpy(dtype=float)
    direction = "above" if above is not None else "below"
    threshold, text = threshold_of(values, above if above is not None else below, direction)
    y = values > threshold if direction == "above" else values < threshold
    if not y.any() or y.all():
        which = "no run" if not y.any() else "every run"
        raise ConfigError(
            f"{direction}={text if text != 'as given' else threshold}: selects {which} "
            f"({outcome} runs from {values.min():,.4g} to {values.max():,.4g}); "
            "choose a threshold inside that range"
        )
    x = frame[chosen].astype(float).reset_index(drop=True)
    found = _prim(x, y, peel_alpha, min_coverage, boxes) if method == "prim" else _cart(x, y, boxes)
    result = Discovery(
        outcome, direction, threshold, text, method, chosen, len(y), int(y.sum()),
        {k: (float(x[k].min()), float(x[k].max())) for k in chosen}, found, left_out,
    )  # fmt: skip
    if out is not None:
        result.save(out)
    return result


def _runs(data: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The finished runs and the swept parameters, from a sweep folder or a frame."""
    if isinstance(data, pd.DataFrame):
        frame = data
        parameters = [c for c in frame.columns if "." in c]  # config keys are dotted
    else:
        from sim.experiments.sweeps import MANIFEST, load, read_manifest

        if not (Path(data) / MANIFEST).is_file():
            raise ConfigError(f"sweep={data}: not a sweep folder (no {MANIFEST})")
        frame = load(data)
        if frame.empty:
            raise ConfigError(f"sweep={data}: no finished run in this sweep")
        parameters = read_manifest(Path(data) / MANIFEST)["parameters"]
    if "status" in frame.columns:
        frame = frame[frame["status"] == "ok"]
    if frame.empty:
        raise ConfigError("sweep: no finished run to describe")
    return frame.reset_index(drop=True), list(parameters)


def _with_daily_outcome(frame: pd.DataFrame, data, outcome: str) -> pd.DataFrame:
    """The runs with a daily outcome (COLUMN@WHEN) from their kept daily tables."""
    from sim.experiments.daily_outcomes import parse, per_run
    from sim.experiments.sweeps import load_daily

    if isinstance(data, pd.DataFrame):
        raise ConfigError(
            f"outcome={outcome}: a daily outcome needs the sweep folder, its runs kept "
            "(save_runs=true)"
        )
    days = load_daily(data)
    daily = parse(outcome, list(days.columns), int(days["day"].max()))
    return frame.assign(**{outcome: frame["run_id"].map(per_run(days, daily))})


def _keys(frame: pd.DataFrame, candidates: list[str]) -> tuple[list[str], list[str]]:
    chosen, left_out = [], []
    for key in candidates:
        if key not in frame.columns:
            raise ConfigError(f"keys={key}: not a column of this sweep")
        column = frame[key]
        numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        (chosen if numeric and column.nunique() > 1 else left_out).append(key)
    if not chosen:
        raise ConfigError(
            "sweep: no swept key is numeric and varied; discovery describes the runs by "
            "ranges of such keys (sweep some with grid.KEY=[...] or a sample design)"
        )
    return chosen, left_out


def _box(limits: pd.DataFrame, initial: pd.DataFrame, stats: dict) -> Box:
    keys = list(initial.columns)
    restricted = [
        k
        for k in keys
        if limits[k].iloc[0] > initial[k].iloc[0] or limits[k].iloc[1] < initial[k].iloc[1]
    ]
    return Box(
        {k: (float(limits[k].iloc[0]), float(limits[k].iloc[1])) for k in keys},
        restricted,
        float(stats["coverage"]),
        float(stats["density"]),
        float(stats["mass"]),
    )


def _prim(x: pd.DataFrame, y: np.ndarray, alpha: float, min_coverage: float, count: int):
    prim, _ = _ema()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        algorithm = prim.Prim(x, y, peel_alpha=alpha)
        found = []
        for _ in range(count):
            if not y[algorithm.yi_remaining].any():
                break
            box = algorithm.find_box()
            if box is None:
                break
            trajectory = box.peeling_trajectory
            eligible = trajectory[trajectory["coverage"] >= min_coverage]
            if eligible.empty:
                eligible = trajectory
            best = eligible.sort_values(["density", "coverage"], ascending=False).index[0]
            box.select(int(best))
            point = trajectory.loc[best]
            result = _box(box.box_lims[int(best)], algorithm.box_init, point)
            columns = ["coverage", "density", "mass", "res_dim"]
            result.trajectory = trajectory[columns].astype(float).to_dict("records")
            if not result.restricted:  # the whole sweep: nothing narrower describes them
                break
            found.append(result)
    return found


def _cart(x: pd.DataFrame, y: np.ndarray, count: int):
    _, cart = _ema()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = cart.CART(x, y, mass_min=0.05)
        tree.build_tree()
    initial = pd.DataFrame({k: [x[k].min(), x[k].max()] for k in x.columns})
    leaves = [
        _box(limits, initial, stats)
        for limits, stats in zip(tree.boxes, tree.stats, strict=True)
        if stats["density"] > y.mean()  # leaves richer in runs of interest than the sweep
    ]
    leaves = [leaf for leaf in leaves if leaf.restricted]
    return sorted(leaves, key=lambda b: (b.density, b.coverage), reverse=True)[:count]
