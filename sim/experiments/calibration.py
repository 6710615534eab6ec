"""Calibration: history matching of the model to published figures or a user's own targets.

A *target* is a figure a study reports, set against a run measurement: a
summary metric of runs of one scenario with given overrides, an observed
value, its uncertainty (sd) and its source. A *target set* is a YAML file in
`calibration/` resolved by name, like scenarios, or a list of dicts.

The method is history matching in waves (Craig et al. 1997; Vernon, Goldstein
& Bower 2010; Andrianakis et al. 2015), the standard way to calibrate
stochastic simulators to several patterns at once (pattern-oriented modelling,
Grimm et al. 2005). For a parameter point x and target j with observed value
z_j, observation sd s_j, model mean m_j(x) over R replications with common
random numbers and sample variance v_j(x):

    I_j(x) = |m_j(x) - z_j| / sqrt(s_j^2 + v_j(x) / R)        (implausibility)

(one-sided targets count only a miss in the stated direction). A point is
plausible when max_j I_j(x) <= 3, Pukelsheim's three-sigma rule, which holds
for any unimodal distribution. Wave 1 is a Latin hypercube over the given
ranges; wave 2 refocuses: a second hypercube inside the box spanned by the
wave-1 plausible points (or the best tenth, if none is plausible), widened by
two wave-1 cells on each side. The best
point minimises sum_j I_j^2, the simulated-method-of-moments objective.
Runs are cheap here (about half a second), so every point is simulated
rather than emulated: no emulator error enters the plausible set.

Every run goes through the resumable sweep store (`sim.experiments.sweep`):
an interrupted calibration started again with the same arguments finishes
only the missing runs, on the local pool or a Dask cluster.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config import ConfigError, arguments, catalog, load_config
from sim.experiments.executors import check as check_executor

IMPLAUSIBLE = 3.0
BOUNDS = ("two_sided", "upper", "lower")
SCALES = ("linear", "log")  # log: value and model mean compared as logarithms, sd on that scale
MIN_POINTS_PER_PARAMETER = 10  # a space-filling design needs ~10 points per dimension


@dataclass
class Target:
    """One published figure and the run measurement it is compared with."""

    name: str
    metric: str
    value: float
    sd: float
    scenario: str | None = None  # None: the calibration's scenario (default baseline)
    overrides: list[str] = field(default_factory=list)
    bound: str = "two_sided"
    scale: str = "linear"
    source: str = ""
    note: str = ""

    @property
    def group(self) -> tuple[str, tuple[str, ...]]:
        """Targets measured on the same runs share a group."""
        return self.scenario, tuple(self.overrides)


@dataclass
class TargetSet:
    name: str
    description: str
    targets: list[Target]


def calibration_dir() -> Path:
    return catalog.data_dir("calibration")


STRUCTURAL_SET = "structural"  # the structural assumptions' ranges, not a target set


def target_set_names() -> list[str]:
    return sorted(p.stem for p in calibration_dir().glob("*.yaml") if p.stem != STRUCTURAL_SET)


def _target(raw: Mapping[str, Any], where: str) -> Target:
    known = {f for f in Target.__dataclass_fields__}
    for key in raw:
        if key not in known:
            raise ConfigError(f"{where}.{key}: unknown target key; allowed: {', '.join(known)}")
    for key in ("metric", "value", "sd"):
        if key not in raw:
            raise ConfigError(f"{where}.{key}: missing; a target needs metric, value and sd")
    try:
        value, sd = float(raw["value"]), float(raw["sd"])
    except (TypeError, ValueError):
        raise ConfigError(
            f"{where}: value={raw['value']} sd={raw['sd']}: not numbers; must be numbers"
        ) from None
    if not math.isfinite(value):
        raise ConfigError(f"{where}.value={raw['value']}: must be a finite number")
    if not math.isfinite(sd) or sd <= 0:
        raise ConfigError(f"{where}.sd={raw['sd']}: out of range; must be > 0")
    bound = str(raw.get("bound", "two_sided"))
    if bound not in BOUNDS:
        raise ConfigError(f"{where}.bound={bound}: not allowed; allowed: {', '.join(BOUNDS)}")
    scale = str(raw.get("scale", "linear"))
    if scale not in SCALES:
        raise ConfigError(f"{where}.scale={scale}: not allowed; allowed: {', '.join(SCALES)}")
    if scale == "log" and value <= 0:
        raise ConfigError(f"{where}.value={raw['value']}: must be > 0 for scale=log")
    overrides = raw.get("overrides", []) or []
    if not isinstance(overrides, (list, tuple)):
        raise ConfigError(f"{where}.overrides={overrides}: must be a list of key=value")
    return Target(
        name=str(raw.get("name", raw["metric"])),
        metric=str(raw["metric"]),
        value=value,
        sd=sd,
        scenario=str(raw["scenario"]) if raw.get("scenario") is not None else None,
        overrides=[str(o) for o in overrides],
        bound=bound,
        scale=scale,
        source=str(raw.get("source", "")),
        note=str(raw.get("note", "")),
    )


def in_scenario(target_set: TargetSet, scenario: str | None = None) -> TargetSet:
    """`target_set` with its targets that name no scenario set to `scenario` (default
    baseline), as a calibration runs them; in place, and returned."""
    for t in target_set.targets:
        if t.scenario is None:
            t.scenario = scenario or "baseline"
    return target_set


def load_targets(targets: str | Sequence[Mapping[str, Any]]) -> TargetSet:
    """A target set by name (calibration/NAME.yaml), by file path, or from a list of dicts."""
    if isinstance(targets, str):
        path = Path(targets)
        if path.suffix not in (".yaml", ".yml"):
            path = calibration_dir() / f"{targets}.yaml"
        if not path.is_file():
            allowed = ", ".join(target_set_names())
            raise ConfigError(f"targets={targets}: unknown target set; allowed: {allowed}")
        try:
            raw = OmegaConf.to_container(OmegaConf.load(path))
        except (OmegaConfBaseException, ValueError, UnicodeDecodeError, yaml.YAMLError) as exc:
            first = " ".join(str(exc).split())[:160]
            raise ConfigError(
                f"targets={targets}: {path.name} is not valid YAML ({first})"
            ) from None
        if not isinstance(raw, dict) or not isinstance(raw.get("targets"), list):
            raise ConfigError(f"targets={targets}: {path.name} needs a 'targets:' list")
        items, name, description = raw["targets"], path.stem, str(raw.get("description", ""))
    else:
        items, name, description = list(targets), "custom", ""
    if not items:
        raise ConfigError(f"targets={name}: empty; at least one target is required")
    parsed = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ConfigError(f"targets.{i}={item}: must be a mapping with metric, value, sd")
        parsed.append(_target(item, f"targets.{i}"))
    names = [t.name for t in parsed]
    if len(set(names)) != len(names):
        raise ConfigError(f"targets={name}: target names repeat; each name must be unique")
    return TargetSet(name, description, parsed)


def _check_parameters(
    targets: TargetSet, parameters: Mapping[str, Sequence[float]]
) -> dict[str, tuple[float, float]]:
    """Ranges are [low, high] with low < high, inside each key's allowed range."""
    from sim.experiments.sweeps import _key_type

    ranges = {}
    scenario, overrides = targets.targets[0].group
    for key, pair in parameters.items():
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ConfigError(f"parameters.{key}={pair}: must be [low, high]")
        try:
            low, high = float(pair[0]), float(pair[1])
        except (TypeError, ValueError):
            raise ConfigError(
                f"parameters.{key}={list(pair)}: not numbers; must be [low, high]"
            ) from None
        if not low < high:
            raise ConfigError(f"parameters.{key}=[{low:g}, {high:g}]: low must be below high")
        try:
            kind = _key_type(scenario, key, overrides)
        except ConfigError:
            raise ConfigError(f"parameters.{key}=[{low:g}, {high:g}]: unknown config key") from None
        if kind not in (int, float):
            raise ConfigError(
                f"parameters.{key}: not a number key; only numeric keys can be fitted"
            )
        for bound in (low, high):  # both ends must be valid values of the key
            load_config(scenario, [*overrides, f"{key}={bound!r}"])
        ranges[key] = (low, high)
    return ranges


def _check_metrics(targets: TargetSet, overrides: Sequence[str]) -> None:
    """Every target's metric is a summary key of its runs (probed on a tiny run)."""
    from sim.experiments.runs import check_metrics

    for scenario, group in _groups(targets):
        named = [
            (f"targets.{t.name}.metric", t.metric)
            for t in targets.targets
            if t.group == (scenario, group)
        ]
        check_metrics(scenario, [*group, *overrides], named)


SHIPPED_PLAUSIBLE = "published_plausible.csv"
NOT_PARAMETERS = ("wave", "max_I", "objective")


def plausible_set(source: str) -> pd.DataFrame:
    """Parameter sets to draw from: `calibrated` (the shipped calibration to the published
    targets) or a path to a plausible set (CSV or Parquet, as `Calibration.save` writes)."""
    path = calibration_dir() / SHIPPED_PLAUSIBLE if source == "calibrated" else Path(source)
    if source != "calibrated" and path.suffix not in (".csv", ".parquet"):
        raise ConfigError(
            f"uncertainty={source}: not allowed; allowed: none, calibrated, or a .csv/.parquet path"
        )
    if not path.is_file():
        raise ConfigError(f"uncertainty={source}: {path.name} not found")
    try:
        frame = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
    except Exception:
        raise ConfigError(f"uncertainty={source}: {path.name} is not a readable table") from None
    keys = [c for c in frame.columns if c not in NOT_PARAMETERS and not c.startswith("mean:")]
    frame = frame[keys].dropna()
    if frame.empty or not keys:
        raise ConfigError(f"uncertainty={source}: {path.name} holds no parameter sets")
    return frame.reset_index(drop=True)


# ---------------------------------------------------------------- evaluation
def _groups(targets: TargetSet) -> list[tuple[str, tuple[str, ...]]]:
    return list(dict.fromkeys(t.group for t in targets.targets))


def evaluate(
    targets: TargetSet,
    points: list[dict[str, Any]],
    replications: int,
    seed: int,
    out: Path,
    overrides: Sequence[str] = (),
    execution: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Run every point in every target group (resumable); a row per (point, target).

    Columns: point (index into `points`), target, mean, var (sample variance over
    the replications), n. Replication k of every point uses seed + k.
    """
    from sim.experiments.runs import plan
    from sim.experiments.sweeps import sweep_finished

    rows = []
    for g, (scenario, group_overrides) in enumerate(_groups(targets)):
        all_overrides = [*group_overrides, *overrides]
        data = sweep_finished(
            scenario,
            points,
            replications,
            seed,
            out / f"group{g}",
            all_overrides,
            **(execution or {}),
        )
        index = {
            run.run_id: i
            for i, point in enumerate(points)
            for run in plan(scenario, [point], replications, seed, all_overrides)
        }
        data["point"] = data["run_id"].map(index)
        for t in targets.targets:
            if t.group != (scenario, group_overrides):
                continue
            if t.metric not in data.columns:
                raise ConfigError(f"targets.{t.name}.metric={t.metric}: not a summary metric")
            for point, frame in data.groupby("point"):
                values = frame[t.metric].to_numpy(dtype=float)
                finite = values[np.isfinite(values)]
                rows.append(
                    {
                        "point": int(point),
                        "target": t.name,
                        "mean": float(finite.mean()) if len(finite) else math.nan,
                        "var": float(finite.var(ddof=1)) if len(finite) > 1 else 0.0,
                        "n": len(finite),
                    }
                )
    return pd.DataFrame(rows)


def implausibility(targets: TargetSet, evaluated: pd.DataFrame) -> pd.DataFrame:
    """Add `z` (signed standardised miss) and `I` (implausibility) to `evaluate`'s rows."""
    by_name = {t.name: t for t in targets.targets}
    frame = evaluated.copy()
    sd = frame["target"].map(lambda n: by_name[n].sd)
    value = frame["target"].map(lambda n: by_name[n].value)
    bound = frame["target"].map(lambda n: by_name[n].bound)
    log = frame["target"].map(lambda n: by_name[n].scale == "log").to_numpy(dtype=bool)
    mean = frame["mean"].to_numpy(dtype=np.float64)
    var_of_mean = (frame["var"] / frame["n"].clip(lower=1)).to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        # on the log scale the mean's variance follows by the delta method: var / mean^2
        log_mean = np.where(mean > 0, np.log(np.where(mean > 0, mean, 1.0)), -np.inf)
        centre = np.where(log, log_mean, mean)
        observed = np.where(log, np.log(np.where(log, value, 1.0)), value)
        spread = np.where(log, var_of_mean / mean**2, var_of_mean)
    z = pd.Series((centre - observed) / np.sqrt(sd.to_numpy() ** 2 + spread), index=frame.index)
    miss = z.abs()
    miss = miss.where(bound != "upper", z.clip(lower=0.0))
    miss = miss.where(bound != "lower", (-z).clip(lower=0.0))
    frame["z"] = z
    frame["I"] = miss.fillna(np.inf)  # an undefined measurement fits nothing
    return frame


def _hypercube(ranges: Mapping[str, tuple[float, float]], n: int, seed: int) -> np.ndarray:
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(ranges), seed=np.random.default_rng(seed)).random(n)
    lows = np.array([r[0] for r in ranges.values()])
    highs = np.array([r[1] for r in ranges.values()])
    return lows + unit * (highs - lows)


def _points(keys: Sequence[str], values: np.ndarray, types: Mapping[str, type]) -> list[dict]:
    return [
        {k: (round(v) if types[k] is int else float(v)) for k, v in zip(keys, row, strict=True)}
        for row in values
    ]


# ---------------------------------------------------------------- result
@dataclass
class Calibration:
    """The outcome: best point, plausible set, and the targets against the best point."""

    targets: TargetSet
    parameters: dict[str, tuple[float, float]]
    points: pd.DataFrame  # every evaluated point: parameters, wave, max_I, objective
    best: dict[str, float]
    plausible: pd.DataFrame  # the points with max implausibility <= 3
    table: pd.DataFrame  # a row per target at the best point
    replications: int
    seed: int

    @property
    def ok(self) -> bool:
        return bool(self.table["ok"].all())

    def text(self) -> str:
        lines = [
            f"targets {self.targets.name}: {int(self.table['ok'].sum())} of {len(self.table)} met "
            f"(|model - observed| within {IMPLAUSIBLE:g} combined sd)"
        ]
        shown = self.table.copy()
        for column in ("observed", "sd", "model_mean", "model_ci_low", "model_ci_high", "I"):
            shown[column] = shown[column].map(lambda v: f"{v:.4g}")
        lines.append(
            shown[
                [
                    "target",
                    "metric",
                    "observed",
                    "sd",
                    "model_mean",
                    "model_ci_low",
                    "model_ci_high",
                    "I",
                    "ok",
                ]
            ].to_string(index=False)
        )
        if self.parameters:
            lines.append("\nbest: " + ", ".join(f"{k}={v:.4g}" for k, v in self.best.items()))
            lines.append(
                f"plausible: {len(self.plausible)} of {len(self.points)} points "
                f"(max implausibility <= {IMPLAUSIBLE:g})"
            )
        return "\n".join(lines)

    def markdown(self) -> str:
        t = self.table
        lines = [
            f"# Calibration: targets `{self.targets.name}`",
            "",
            self.targets.description,
            "",
            f"{self.replications} replications per point (common random numbers, seed "
            f"{self.seed}). A target is met when the model's mean lies within "
            f"{IMPLAUSIBLE:g} combined standard deviations (observation sd and the mean's "
            "simulation error) of the observed value, in the stated direction; an sd "
            "marked (log) is on the natural-log scale (0.5: a factor of 1.65).",
            "",
            "| target | metric | observed | sd | model mean [95% CI] | I | met | source |",
            "|---|---|---:|---:|---:|---:|:---:|---|",
        ]
        for _, r in t.iterrows():
            lines.append(
                f"| {r['target']} | `{r['metric']}` | {r['observed']:.4g} | {r['sd']:.3g}"
                f"{' (log)' if r['scale'] == 'log' else ''} | "
                f"{r['model_mean']:.4g} [{r['model_ci_low']:.4g}, {r['model_ci_high']:.4g}] | "
                f"{r['I']:.2f} | {'yes' if r['ok'] else 'no'} | {r['source']} |"
            )
        if self.parameters:
            lines += [
                "",
                "## Parameters",
                "",
                "| key | range | best | plausible range |",
                "|---|---|---:|---|",
            ]
            for key, (low, high) in self.parameters.items():
                plaus = self.plausible[key] if len(self.plausible) else pd.Series(dtype=float)
                span = f"[{plaus.min():.4g}, {plaus.max():.4g}]" if len(plaus) else "none"
                lines.append(f"| `{key}` | [{low:g}, {high:g}] | {self.best[key]:.4g} | {span} |")
            lines += [
                "",
                f"{len(self.plausible)} of {len(self.points)} evaluated points are plausible.",
            ]
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict:
        return {
            "targets": self.targets.name,
            "parameters": {k: list(v) for k, v in self.parameters.items()},
            "best": self.best,
            "replications": self.replications,
            "seed": self.seed,
            "plausible_points": len(self.plausible),
            "evaluated_points": len(self.points),
            "all_met": self.ok,
            "table": json.loads(self.table.to_json(orient="records")),
            "target_definitions": [asdict(t) for t in self.targets.targets],
        }

    def save(self, directory: str | Path) -> Path:
        """calibration.md, calibration.json, points.parquet, plausible.parquet and plots."""
        from sim.report.io import atomic_write
        from sim.report.plots import plot_calibration
        from sim.results import write_provenance

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        atomic_write(out / "points.parquet", lambda p: self.points.to_parquet(p, index=False))
        atomic_write(out / "plausible.parquet", lambda p: self.plausible.to_parquet(p, index=False))
        atomic_write(
            out / "calibration.json",
            lambda p: p.write_text(json.dumps(self.to_json(), indent=2, allow_nan=True) + "\n"),
        )
        plot_calibration(self, out, IMPLAUSIBLE)
        atomic_write(out / "calibration.md", lambda p: p.write_text(self.markdown()))
        write_provenance(
            out,
            "calibration",
            targets=self.targets.name,
            ranges={k: list(v) for k, v in self.parameters.items()},
            replications=self.replications,
            seed=self.seed,
        )
        from sim.report.html import save_markdown_page

        save_markdown_page(out, f"Calibration: {self.targets.name}", "calibration.md")
        return out


def _table(targets: TargetSet, scored: pd.DataFrame, point: int) -> pd.DataFrame:
    from scipy import stats

    rows = []
    at = scored[scored["point"] == point].set_index("target")
    for t in targets.targets:
        r = at.loc[t.name]
        n = max(int(r["n"]), 1)
        half = float(stats.t.ppf(0.975, n - 1) * math.sqrt(r["var"] / n)) if n > 1 else math.nan
        if t.scale == "log":  # a factor either way of the observed value
            spread = r["var"] / n / r["mean"] ** 2 if r["mean"] > 0 else math.inf
            tolerance = math.exp(IMPLAUSIBLE * math.sqrt(t.sd**2 + spread))
        else:
            tolerance = IMPLAUSIBLE * math.sqrt(t.sd**2 + r["var"] / n)
        rows.append(
            {
                "target": t.name,
                "metric": t.metric,
                "scenario": t.scenario,
                "overrides": " ".join(t.overrides),
                "bound": t.bound,
                "scale": t.scale,
                "observed": t.value,
                "sd": t.sd,
                "model_mean": r["mean"],
                "model_ci_low": r["mean"] - half,
                "model_ci_high": r["mean"] + half,
                # how far the model mean may sit from the observed value and still meet it
                # (scale log: the factor either way)
                "tolerance": tolerance,
                "I": float(r["I"]),
                "ok": bool(r["I"] <= IMPLAUSIBLE),
                "source": t.source,
            }
        )
    return pd.DataFrame(rows)


def _summarise_points(
    keys: Sequence[str], points: list[dict], waves: list[int], scored: pd.DataFrame
) -> pd.DataFrame:
    worst = scored.groupby("point")["I"].max()
    objective = scored.assign(I2=scored["I"] ** 2).groupby("point")["I2"].sum()
    frame = (
        pd.DataFrame(points, columns=list(keys)) if keys else pd.DataFrame(index=range(len(points)))
    )
    frame["wave"] = waves
    frame["max_I"] = worst.reindex(range(len(points))).to_numpy()
    frame["objective"] = objective.reindex(range(len(points))).to_numpy()
    for name, group in scored.groupby("target"):
        frame[f"mean:{name}"] = (
            group.set_index("point")["mean"].reindex(range(len(points))).to_numpy()
        )
    return frame


# ---------------------------------------------------------------- the tool
def calibrate(
    scenario: str | None = None,
    targets: str | Sequence[Mapping[str, Any]] = "published",
    parameters: Mapping[str, Sequence[float]] | None = None,
    budget: int = 200,
    replications: int = 4,
    seed: int = 0,
    jobs: int | None = None,
    executor: str = "local",
    address: str | None = None,
    out: str | Path | None = None,
    overrides: Sequence[str] = (),
    progress: bool = False,
) -> Calibration:
    """Fit `parameters` (config key -> [low, high]) to `targets` by history matching.

    Args:
        scenario: the scenario of targets that do not name one (default: each
            target's own, else baseline).
        targets: a target-set name (calibration/NAME.yaml), a YAML path, or a
            list of dicts {"metric", "value", "sd", optional "name", "scenario",
            "overrides", "bound", "source"}.
        parameters: ranges to search; empty or None evaluates the defaults only
            (the check mode).
        budget: design points over both waves (at least 10 per parameter).
        replications: runs per point (common random numbers: seeds seed..seed+R-1).
        out: folder for the resumable run store and the report (default:
            a temporary folder, nothing kept).
        overrides: applied to every run after the targets' own.

    Returns:
        A Calibration: `.best`, `.plausible`, `.table`, `.save(dir)`.
    """
    import tempfile

    jobs = arguments.optional_integer("jobs", jobs, 1)
    check_executor(executor, jobs, address)
    target_set = in_scenario(load_targets(targets), scenario)
    replications = arguments.integer("replications", replications, 2)
    seed = arguments.integer("seed", seed, 0, 2**32 - 1)  # also seeds the SciPy hypercube
    for t in target_set.targets:  # every group's config is valid before anything runs
        load_config(t.scenario, [*t.overrides, *overrides])
    ranges = _check_parameters(target_set, dict(parameters or {}))
    needed = MIN_POINTS_PER_PARAMETER * len(ranges)
    if ranges and (isinstance(budget, bool) or not isinstance(budget, int) or budget < needed):
        raise ConfigError(
            f"budget={budget}: too small for {len(ranges)} parameter(s); must be >= {needed} "
            f"({MIN_POINTS_PER_PARAMETER} design points per parameter)"
        )
    _check_metrics(target_set, overrides)
    if out is not None:
        try:
            Path(out).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"out={out}: cannot create it ({exc.strerror})") from None
    keys = list(ranges)
    from sim.experiments.sweeps import _key_type

    types = {k: _key_type(target_set.targets[0].scenario, k, list(overrides)) for k in keys}
    execution = {"jobs": jobs, "executor": executor, "address": address, "progress": progress}
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(out) if out is not None else Path(scratch)
        if not ranges:
            points: list[dict] = [{}]
            waves = [0]
        else:
            first = budget // 2
            points = _points(keys, _hypercube(ranges, first, seed), types)
            waves = [1] * len(points)
        scored = implausibility(
            target_set,
            evaluate(target_set, points, replications, seed, root / "wave1", overrides, execution),
        )
        if ranges:
            worst = scored.groupby("point")["I"].max().reindex(range(len(points)))
            keep = worst[worst <= IMPLAUSIBLE].index
            if len(keep) < 2:  # refocus on the best tenth when nothing is plausible yet
                keep = worst.nsmallest(max(2, len(points) // 10)).index
            chosen = pd.DataFrame([points[i] for i in keep])
            focus = {}
            for k in keys:
                # the not-ruled-out box, widened by two wave-1 cells on each side: a sparse
                # first wave must not cut off plausible corners it did not sample
                low, high = ranges[k]
                margin = 2.0 * (high - low) / len(points)
                lo = max(low, float(chosen[k].min()) - margin)
                hi = min(high, float(chosen[k].max()) + margin)
                focus[k] = (lo, hi) if hi > lo else ranges[k]
            second = _points(keys, _hypercube(focus, budget - len(points), seed + 1), types)
            scored2 = implausibility(
                target_set,
                evaluate(
                    target_set, second, replications, seed, root / "wave2", overrides, execution
                ),
            )
            scored2["point"] += len(points)
            points += second
            waves += [2] * len(second)
            scored = pd.concat([scored, scored2], ignore_index=True)
        summary = _summarise_points(keys, points, waves, scored)
    best_index = int(summary["objective"].idxmin())
    best = {k: float(points[best_index][k]) for k in keys}
    plausible = summary[summary["max_I"] <= IMPLAUSIBLE].reset_index(drop=True)
    result = Calibration(
        target_set,
        ranges,
        summary,
        best,
        plausible,
        _table(target_set, scored, best_index),
        replications,
        seed,
    )
    if out is not None:
        result.save(out)
    return result
