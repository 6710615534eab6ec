"""What a comparison's replications are uncertain about, and which assumption decides a ranking.

Two kinds of uncertainty beyond simulation noise, chosen with `compare(uncertainty=...)`:

* parameter uncertainty (`calibrated`, or a plausible set .csv/.parquet): the rows of a
  calibration's plausible set (the parameter sets history matching did not rule out),
  one per replication, drawn without replacement;
* structural uncertainty (`structural`, or a structural set .yaml): the assumptions no
  published figure pins down (`calibration/structural.yaml`, each with a range and the
  reason for it), drawn as a Latin hypercube, one point per replication;
* `full`: both at once.

Every arm of a replication uses the same draw (common random numbers), so the
paired difference between two arms in one replication is their difference in one
possible world. `deciders` then reads the draws against those differences: for
each metric, how often the top arm loses its lead, and which assumptions, moved
from the low to the high third of their range, turn the lead around.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import ConfigError, load_config
from sim.engine.metrics import LOWER_IS_BETTER

KINDS = ("none", "calibrated", "structural", "full")
STRUCTURAL = "structural.yaml"
ALLOWED = "none, calibrated, structural, full, or a .csv/.parquet/.yaml path"


@dataclass(frozen=True)
class Assumption:
    """A drawn key: a range [low, high], or a switch (false or true, half the draws each)."""

    key: str
    low: float
    high: float
    source: str
    switch: bool = False

    def ends(self) -> tuple[str, str]:
        if self.switch:
            return "false", "true"
        return repr(self.low), repr(self.high)


def structural_path(source: str) -> Path:
    from sim.experiments.calibration import calibration_dir

    return calibration_dir() / STRUCTURAL if source == "structural" else Path(source)


def load_structural(source: str = "structural") -> list[Assumption]:
    """The structural set: `structural` (shipped) or a YAML path, each range checked."""
    from omegaconf import OmegaConf

    path = structural_path(source)
    if not path.is_file():
        raise ConfigError(f"uncertainty={source}: {path.name} not found")
    try:
        raw = OmegaConf.to_container(OmegaConf.load(path))
    except Exception:
        raise ConfigError(f"uncertainty={source}: {path.name} is not readable YAML") from None
    entries = raw.get("assumptions") if isinstance(raw, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise ConfigError(f"uncertainty={source}: {path.name} has no 'assumptions' mapping")
    found = []
    for key, entry in entries.items():
        where = f"uncertainty={source}: assumptions.{key}"
        if isinstance(entry, dict) and "switch" in entry:
            if entry["switch"] is not True or "range" in entry:
                raise ConfigError(f"{where}.switch={entry['switch']}: must be true, without range")
            if not str(entry.get("source", "")).strip():
                raise ConfigError(f"{where}.source: missing; every range says where it comes from")
            found.append(Assumption(str(key), 0.0, 1.0, str(entry["source"]).strip(), True))
            continue
        bounds = entry.get("range") if isinstance(entry, dict) else None
        try:
            low, high = (float(b) for b in bounds)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}.range={bounds}: must be [low, high], two numbers") from None
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ConfigError(f"{where}.range={bounds}: must be finite with low < high")
        if not str(entry.get("source", "")).strip():
            raise ConfigError(f"{where}.source: missing; every range says where it comes from")
        found.append(Assumption(str(key), low, high, str(entry["source"]).strip()))
    return found


def draws_for(
    uncertainty: str,
    replications: int,
    seed: int,
    scenario: str,
    overrides: Sequence[str],
    arms: Mapping[str, Sequence[str]],
) -> pd.DataFrame | None:
    """One row of config values per replication (None for simulation noise only).

    Every structural range is checked at both ends in every arm, and every draw as a
    whole in the first arm, before any run. Structural assumptions that no arm can feel
    (the attack table without an attack) are left out.
    """
    if uncertainty in ("none", "", None):
        return None
    if not isinstance(uncertainty, str):
        raise ConfigError(f"uncertainty={uncertainty!r}: not allowed; allowed: {ALLOWED}")
    suffix = Path(uncertainty).suffix
    parameter = uncertainty in ("calibrated", "full") or suffix in (".csv", ".parquet")
    structural = uncertainty in ("structural", "full") or suffix in (".yaml", ".yml")
    if not (parameter or structural):
        raise ConfigError(f"uncertainty={uncertainty}: not allowed; allowed: {ALLOWED}")
    parts = []
    if parameter:
        source = "calibrated" if uncertainty == "full" else uncertainty
        parts.append(_plausible_draws(source, replications, seed))
    if structural:
        source = "structural" if uncertainty == "full" else uncertainty
        assumptions = _felt(load_structural(source), scenario, overrides, arms, source)
        parts.append(_hypercube_draws(assumptions, replications, seed, scenario, overrides))
    draws = pd.concat(parts, axis=1)
    draws = draws.loc[:, ~draws.columns.duplicated(keep="last")]
    # each key's range was checked at both ends in every arm; a draw is checked as a
    # whole (keys that constrain each other) in the first arm, before any run
    arm, arm_overrides = next(iter(arms.items()))
    for k, line in enumerate(draw_overrides(draws)):
        try:
            # drawn keys an arm cannot feel: not the user's concern
            load_config(scenario, [*overrides, *line, *arm_overrides], warn=False)
        except ConfigError as exc:
            raise ConfigError(f"uncertainty={uncertainty}: draw {k}, arm {arm}: {exc}") from None
    return draws


def _plausible_draws(source: str, replications: int, seed: int) -> pd.DataFrame:
    from sim.experiments.calibration import plausible_set

    plausible = plausible_set(source)
    rng = np.random.default_rng([int(seed), 0x5EED])
    # without replacement: every plausible set once before any is used twice
    rounds = -(-replications // len(plausible))
    rows = np.concatenate([rng.permutation(len(plausible)) for _ in range(rounds)])
    return plausible.iloc[rows[:replications]].reset_index(drop=True)


def _felt(
    assumptions: list[Assumption],
    scenario: str,
    overrides: Sequence[str],
    arms: Mapping[str, Sequence[str]],
    source: str,
) -> list[Assumption]:
    """The assumptions at least one arm can feel, both ends of every range checked first."""
    from sim.config.inert import inert_settings

    keys = [a.key for a in assumptions]
    felt: set[str] = set()
    for arm_overrides in arms.values():
        for end in (0, 1):
            ends = [f"{a.key}={a.ends()[end]}" for a in assumptions]
            try:
                config = load_config(scenario, [*overrides, *ends, *arm_overrides], warn=False)
            except ConfigError:
                _name_the_bad_range(assumptions, scenario, overrides, arm_overrides, source)
                raise
            notes = inert_settings(config, keys)
            felt.update(k for k in keys if not any(_about(note, k) for note in notes))
    return [a for a in assumptions if a.key in felt]


def _name_the_bad_range(
    assumptions: list[Assumption],
    scenario: str,
    overrides: Sequence[str],
    arm_overrides: Sequence[str],
    source: str,
) -> None:
    for a in assumptions:
        for end in a.ends():
            try:
                load_config(scenario, [*overrides, f"{a.key}={end}", *arm_overrides], warn=False)
            except ConfigError as exc:
                raise ConfigError(
                    f"uncertainty={source}: assumptions.{a.key}.range=[{a.low:g}, "
                    f"{a.high:g}]: {exc}"
                ) from None


def _about(note: str, key: str) -> bool:
    # the attack's start after the last day makes every attack key inert
    return note.startswith(f"{key}:") or (
        key.startswith("attack.") and note.startswith("attack.start_day")
    )


def _hypercube_draws(
    assumptions: list[Assumption],
    replications: int,
    seed: int,
    scenario: str,
    overrides: Sequence[str],
) -> pd.DataFrame:
    from scipy.stats import qmc

    if not assumptions:
        return pd.DataFrame(index=range(replications))
    rng = np.random.default_rng([int(seed), 0x57C])
    unit = qmc.LatinHypercube(d=len(assumptions), seed=rng).random(replications)
    defaults = load_config(scenario, list(overrides), warn=False)
    columns = {}
    for j, a in enumerate(assumptions):
        if a.switch:
            columns[a.key] = unit[:, j] >= 0.5
            continue
        values = a.low + unit[:, j] * (a.high - a.low)
        if isinstance(_value_at(defaults, a.key), int):
            values = np.round(values).astype(int)
        columns[a.key] = values
    return pd.DataFrame(columns)


def _value_at(config: object, key: str) -> object:
    """The value of a dotted config key in a typed config (dataclasses and dicts)."""
    value = config
    for part in key.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return value


def draw_overrides(draws: pd.DataFrame) -> list[list[str]]:
    return [[f"{key}={_value(value)}" for key, value in row.items()] for _, row in draws.iterrows()]


def _value(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (np.integer, int)):
        return str(int(value))
    return repr(float(value))


def beaten_or_tied(wide: pd.DataFrame, arm: str, sign: float) -> tuple[np.ndarray, np.ndarray]:
    """Per replication: does another arm do better than `arm` (sign +1: higher is better),
    or, failing that, exactly as well?"""
    mine = wide[arm].to_numpy()[:, None] * sign
    others = wide.drop(columns=arm).to_numpy() * sign
    beaten = (others > mine).any(axis=1)
    return beaten, ~beaten & (others == mine).any(axis=1)


def deciders(
    runs: pd.DataFrame,
    draws: pd.DataFrame | None,
    arms: Sequence[str],
    metrics: Sequence[str],
    reference: str | None = None,
) -> pd.DataFrame:
    """Per metric, pair of arms and drawn key: does moving the key across its range turn a lead?

    The pairs are the best arm on average against the runner-up (`pair` = "top") and
    every arm against the reference (`pair` = "reference"). The lead is their paired
    difference, replication by replication, signed so that positive favours `arm`;
    `win_share` is the share of draws in which `arm` does better than `versus`;
    `flip_rate` (top pairs) the share in which another arm does better than the top
    arm, and `tie_share` the share in which none does better but one does as well (a
    draw where, say, the attack was never detected leaves every stance the same: that
    is no arm's win); for reference pairs, the share of draws where the two are equal.
    For each drawn key: the Spearman rank correlation of the lead with the key's value,
    and the mean lead in the lowest and the highest third of the drawn values. `flips`
    when those two means have opposite signs, each beyond two standard errors: which of
    the two arms does better is decided by where in its range that key lies.
    """
    from scipy.stats import spearmanr

    if draws is None or draws.empty or len(arms) < 2:
        return pd.DataFrame()
    rows = []
    for metric in metrics:
        if metric not in runs.columns:
            continue
        wide = runs.pivot(index="replication", columns="arm", values=metric)[list(arms)]
        if wide.isna().any().any():
            continue
        lower = metric in LOWER_IS_BETTER
        sign = -1.0 if lower else 1.0
        order = wide.mean().sort_values(ascending=lower).index
        beaten, tied = beaten_or_tied(wide, order[0], sign)
        pairs = [("top", order[0], order[1])]
        if reference is not None:
            pairs += [("reference", arm, reference) for arm in arms if arm != reference]
        for kind, arm, versus in pairs:
            lead = (wide[arm] - wide[versus]).to_numpy() * sign
            common = {
                "metric": metric,
                "pair": kind,
                "arm": arm,
                "versus": versus,
                "win_share": float((lead > 0).mean()),
                "flip_rate": float(beaten.mean()) if kind == "top" else float("nan"),
                # against the reference a tie is equal values: an arm that cannot differ
                # on this metric (no replies, the same churn) ties in every draw
                "tie_share": float(tied.mean()) if kind == "top" else float((lead == 0).mean()),
            }
            for key in draws.columns:
                values = draws[key].to_numpy(dtype=float)[wide.index.to_numpy()]
                if np.ptp(values) == 0:
                    continue
                low_cut, high_cut = np.quantile(values, [1 / 3, 2 / 3])
                low_mean, low_se = _mean_se(lead[values <= low_cut])
                high_mean, high_se = _mean_se(lead[values >= high_cut])
                flips = bool(
                    low_mean * high_mean < 0
                    and abs(low_mean) > 2 * low_se
                    and abs(high_mean) > 2 * high_se
                )
                rho = spearmanr(values, lead).statistic if np.ptp(lead) > 0 else 0.0
                rows.append(
                    {
                        **common,
                        "key": key,
                        "switch": draws[key].dtype == bool,
                        "rho": float(rho),
                        "lead_low_third": low_mean,
                        "lead_high_third": high_mean,
                        "flips": flips,
                    }
                )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["abs_rho"] = frame["rho"].abs()
    frame = frame.sort_values(
        ["metric", "pair", "arm", "abs_rho"], ascending=[True, False, True, False], kind="stable"
    )
    return frame.drop(columns="abs_rho").reset_index(drop=True)


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    if len(values) < 2:
        return float(values.mean()) if len(values) else float("nan"), float("inf")
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(len(values)))
