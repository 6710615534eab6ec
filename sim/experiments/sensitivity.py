"""Global sensitivity analysis with SALib: Morris screening and Sobol indices.

The design (Morris trajectories or Saltelli's Sobol sample) becomes the design
points of an ordinary resumable sweep, so a stopped analysis resumes like any
sweep. Integer parameters are rounded to the nearest whole value. Each point
runs with the same seed (common random numbers), so the indices measure the
parameters' effects, not seed noise; `replications` > 1 averages over seeds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import ConfigError
from sim.engine.metrics import VALUE_NOTE
from sim.experiments.executors import check as check_executor
from sim.experiments.runs import plan
from sim.experiments.sweeps import _key_type, sweep_finished
from sim.report.io import atomic_write

METHODS = ("morris", "sobol")


@dataclass
class Sensitivity:
    method: str
    output: str
    table: pd.DataFrame  # a row per parameter, ranked

    def text(self) -> str:
        head = f"{self.method} indices for {self.output}"
        if self.output.startswith("relationship_value"):
            head += f"\n{VALUE_NOTE}"
        return head + "\n" + self.table.to_string(index=False)


def _problem(parameters: Mapping[str, Sequence[float]]) -> dict[str, Any]:
    names = list(parameters)
    bounds = []
    for name in names:
        pair = list(parameters[name])
        if len(pair) != 2 or float(pair[0]) >= float(pair[1]):
            raise ConfigError(f"parameters.{name}={pair}: must be [low, high] with low < high")
        bounds.append([float(pair[0]), float(pair[1])])
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def design(method: str, problem: dict, n: int, levels: int, seed: int) -> np.ndarray:
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, n, num_levels=levels, seed=seed)
    from SALib.sample import sobol

    return sobol.sample(problem, n, calc_second_order=False, seed=seed)


def sensitivity(
    scenario: str,
    parameters: Mapping[str, Sequence[float]],
    outputs: Sequence[str],
    method: str = "morris",
    n: int = 16,
    levels: int = 4,
    replications: int = 1,
    seed: int = 0,
    out: str | Path = "sensitivity",
    overrides: Sequence[str] = (),
    **execution: Any,
) -> list[Sensitivity]:
    """Run the design, analyse each output, write ranked tables and plots into `out`.

    Args:
        parameters: config key -> [low, high].
        outputs: summary metrics to analyse.
        method: "morris" (screening, `n` trajectories of `levels` levels) or "sobol"
            (variance-based, `n` base samples).
        replications: runs per design point, averaged before the analysis.

    Returns:
        One `Sensitivity` per output: the ranked table of indices.

    `execution` goes to :func:`sim.experiments.sweep`: jobs, executor, address, progress.
    """
    if method not in METHODS:
        raise ConfigError(f"method={method}: unknown; allowed: {', '.join(METHODS)}")
    if n < 1:
        raise ConfigError(f"n={n}: must be >= 1")
    check_executor(
        execution.get("executor", "local"), execution.get("jobs"), execution.get("address")
    )
    problem = _problem(parameters)
    types = {k: _key_type(scenario, k, overrides) for k in problem["names"]}
    x = design(method, problem, n, levels, seed)
    points = [
        {
            k: (round(v) if types[k] is int else float(v))
            for k, v in zip(problem["names"], row, strict=True)
        }
        for row in x
    ]
    data = sweep_finished(
        scenario, points, replications, seed, Path(out) / "sweep", overrides, **execution
    )
    results = []
    for output in outputs:
        if output not in data.columns:
            raise ConfigError(f"outputs={output}: not a summary metric")
        y = _per_point(data, points, replications, seed, scenario, overrides, output)
        results.append(analyse(method, problem, x, y, output, seed))
    write_report(results, Path(out))
    return results


def _per_point(
    data: pd.DataFrame,
    points: list[dict],
    replications: int,
    seed: int,
    scenario: str,
    overrides: Sequence[str],
    output: str,
) -> np.ndarray:
    """Model output at each design point, in design order (mean over replications)."""
    runs = plan(scenario, points, replications, seed, overrides)
    by_id = data.set_index("run_id")[output]
    values = by_id.loc[[r.run_id for r in runs]].to_numpy(dtype=np.float64)
    values = values.reshape(len(points), replications).mean(axis=1)
    if not np.all(np.isfinite(values)):
        raise ConfigError(f"outputs={output}: undefined (NaN) at some design points; pick another")
    return values


def analyse(
    method: str, problem: dict, x: np.ndarray, y: np.ndarray, output: str, seed: int
) -> Sensitivity:
    if method == "morris":
        from SALib.analyze import morris

        res = morris.analyze(problem, x, y, num_levels=4, seed=seed)
        table = pd.DataFrame(
            {
                "parameter": problem["names"],
                "mu_star": res["mu_star"],
                "mu_star_conf": res["mu_star_conf"],
                "sigma": res["sigma"],
                "mu": res["mu"],
            }
        ).sort_values("mu_star", ascending=False)
    else:
        from SALib.analyze import sobol

        res = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
        table = pd.DataFrame(
            {
                "parameter": problem["names"],
                "ST": res["ST"],
                "ST_conf": res["ST_conf"],
                "S1": res["S1"],
                "S1_conf": res["S1_conf"],
            }
        ).sort_values("ST", ascending=False)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return Sensitivity(method, output, table.reset_index(drop=True))


def write_report(results: list[Sensitivity], out: Path) -> None:
    from sim.report.plots import plot_sensitivity

    text = "\n\n".join(r.text() for r in results)
    atomic_write(out / "sensitivity.md", lambda p: p.write_text("```\n" + text + "\n```\n"))
    payload = [
        {"method": r.method, "output": r.output, "table": r.table.to_dict(orient="records")}
        for r in results
    ]
    atomic_write(out / "sensitivity.json", lambda p: p.write_text(json.dumps(payload, indent=2)))
    for r in results:
        plot_sensitivity(r, out / f"sensitivity_{r.method}_{r.output}.png")
