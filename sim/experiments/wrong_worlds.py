"""Can the targets fail? Each fitted parameter set plainly wrong, one at a time, and checked.

A target set that a plainly wrong parameter still meets constrains nothing. For
every parameter of a plausible set (the fitted ones), two wrong worlds: its
plausible minimum divided by `factor`, and its plausible maximum times `factor`
(default 2: well outside what the calibration allowed, inside what a careless
input might be). Each world is the calibration's check mode with that one value
changed; it should fail at least one target. A side whose value the config
refuses (a probability above 1) is reported as refused, not run.

    hubspoke calibrate targets=published mode=wrong [factor=2] [replications=2]
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.config import ConfigError, arguments, load_config


@dataclass
class WrongWorlds:
    """A row per (parameter, side): the wrong value, the targets it fails, whether caught."""

    targets: str
    plausible: str
    factor: float
    table: pd.DataFrame

    @property
    def ok(self) -> bool:
        """Every wrong world that could run failed at least one target."""
        ran = self.table[self.table["status"] == "ran"]
        return bool(ran["caught"].all())

    def text(self) -> str:
        ran = self.table[self.table["status"] == "ran"]
        lines = [
            f"targets {self.targets}: {int(ran['caught'].sum())} of {len(ran)} wrong worlds "
            f"caught (each fitted parameter at its plausible minimum / {self.factor:g} and "
            f"maximum x {self.factor:g}, from the plausible set '{self.plausible}')"
        ]
        for _, r in self.table.iterrows():
            if r["status"] != "ran":
                verdict = f"not run: {r['status']}"
            elif r["caught"]:
                verdict = "caught by " + ", ".join(r["failed"])
            else:
                verdict = "PASSES every target: the targets do not bind here"
            lines.append(f"  {r['parameter']} = {r['value']:.4g} ({r['side']}): {verdict}")
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {
            "targets": self.targets,
            "plausible": self.plausible,
            "factor": self.factor,
            "all_caught": self.ok,
            "worlds": json.loads(self.table.to_json(orient="records")),
        }

    def save(self, directory: str | Path) -> Path:
        from sim.report.io import atomic_write, write_json

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        write_json(out / "wrong_worlds.json", self.to_json())
        atomic_write(out / "wrong_worlds.txt", lambda p: p.write_text(self.text() + "\n"))
        return out


def wrong_worlds(
    scenario: str | None = None,
    targets: str | Sequence = "published",
    plausible: str = "calibrated",
    factor: float = 2.0,
    replications: int = 2,
    seed: int = 0,
    jobs: int | None = None,
    executor: str = "local",
    address: str | None = None,
    out: str | Path | None = None,
    overrides: Sequence[str] = (),
    progress: bool = False,
) -> WrongWorlds:
    """Check `targets` in worlds where one fitted parameter is plainly wrong.

    Args:
        targets: a target-set name, YAML path or list of dicts, as for `calibrate`.
        plausible: the plausible set whose columns are the fitted parameters and
            whose spans are their plausible ranges (`calibrated` or a path).
        factor: how far outside: minimum / factor and maximum * factor (> 1).
        replications, seed, jobs, executor, address, overrides: as for `calibrate`.
        out: keeps each world's check in out/<parameter>-<side>/ and the summary.

    Returns:
        `WrongWorlds`: `.table`, `.ok` (every world that ran was caught), `.text()`.
    """
    from sim.experiments.calibration import calibrate, load_targets, plausible_set

    factor = arguments.number("factor", factor, 1.0, 1e6)
    if factor == 1.0:
        raise ConfigError("factor=1: must be > 1 (1 puts the worlds on the plausible range)")
    spans = plausible_set(plausible)
    target_set = load_targets(targets)
    rows = []
    for key in spans.columns:
        low, high = float(spans[key].min()), float(spans[key].max())
        for side, value in (("below", low / factor), ("above", high * factor)):
            line = f"{key}={_format(value, spans[key])}"
            row = {"parameter": key, "side": side, "value": value, "failed": []}
            try:
                load_config(scenario or "baseline", [*overrides, line])
            except ConfigError as exc:
                rows.append({**row, "status": f"refused ({exc})", "caught": None})
                continue
            check = calibrate(
                scenario,
                targets=targets if isinstance(targets, str) else list(targets),
                replications=replications,
                seed=seed,
                jobs=jobs,
                executor=executor,
                address=address,
                out=None if out is None else Path(out) / f"{key}-{side}",
                overrides=[*overrides, line],
                progress=progress,
            )
            failed = check.table.loc[~check.table["ok"], "target"].tolist()
            rows.append({**row, "failed": failed, "status": "ran", "caught": bool(failed)})
    result = WrongWorlds(target_set.name, plausible, factor, pd.DataFrame(rows))
    if out is not None:
        result.save(out)
    return result


def _format(value: float, column: pd.Series) -> str:
    if pd.api.types.is_integer_dtype(column):
        return str(max(0, round(value)))
    return repr(float(value))
