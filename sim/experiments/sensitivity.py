"""Global sensitivity analysis with SALib: Morris screening and Sobol indices.

The design (Morris trajectories or Saltelli's Sobol sample) becomes the design
points of an ordinary resumable sweep, so a stopped analysis resumes like any
sweep. Integer parameters are rounded to the nearest whole value. Each point
runs with the same seed (common random numbers), so the indices measure the
parameters' effects, not seed noise; `replications` > 1 averages over seeds.
The seed also drives the bootstrap of the confidence intervals, so the same
call gives the same indices and intervals.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import ConfigError
from sim.config.arguments import choice, integer, number
from sim.config.arguments import seed as check_seed
from sim.engine.metrics import VALUE_NOTE
from sim.experiments.daily_outcomes import daily_columns, is_daily, parse, per_run
from sim.experiments.executors import check as check_executor
from sim.experiments.runs import check_metrics, plan
from sim.experiments.sweeps import _key_type, load_daily, sweep_finished
from sim.report.io import atomic_write
from sim.results import write_provenance

METHODS = ("morris", "sobol")
EXECUTION = ("jobs", "executor", "address", "progress")
TOO_SMALL = "the sample is too small for these indices; raise n (sobol_n)"
WIDE_INTERVAL = 0.1  # a Sobol index (0 to 1) known to no better than +-0.1


@dataclass
class Sensitivity:
    method: str
    output: str
    table: pd.DataFrame  # a row per parameter, ranked
    warnings: list[str] = field(default_factory=list)  # plain-language, one line each

    def text(self) -> str:
        head = f"{self.method} indices for {self.output}"
        if self.output.startswith("relationship_value"):
            head += f"\n{VALUE_NOTE}"
        lines = [head, self.table.to_string(index=False)]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _problem(parameters: Mapping[str, Sequence[float]]) -> dict[str, Any]:
    """SALib's problem: every parameter a config key with a finite [low, high], low < high."""
    if not isinstance(parameters, Mapping) or not parameters:
        raise ConfigError(
            f"parameters={parameters!r}: must be a non-empty mapping of config key -> [low, high]"
        )
    names = list(parameters)
    bounds = []
    for name in names:
        pair = parameters[name]
        if not isinstance(name, str) or not name:
            raise ConfigError(f"parameters: {name!r} is not a config key")
        if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ConfigError(f"parameters.{name}={pair!r}: must be [low, high] with low < high")
        low, high = (number(f"parameters.{name}", v) for v in pair)
        if low >= high:
            raise ConfigError(
                f"parameters.{name}=[{low:g}, {high:g}]: must be [low, high] with low < high"
            )
        bounds.append([low, high])
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def check_arguments(
    method: Any, n: Any, levels: Any, replications: Any, seed: Any, outputs: Any, execution: dict
) -> None:
    """The options of `sensitivity`, each refused in one line naming it and what is allowed."""
    choice("method", method, METHODS)
    integer("n", n, 2)
    if method == "sobol" and n & (n - 1):
        low = 1 << (n.bit_length() - 1)
        raise ConfigError(
            f"n={n}: Sobol needs a power of 2 (e.g. {low} or {2 * low}); "
            "Saltelli's sample is balanced only then"
        )
    if method == "morris" and (integer("levels", levels, 2) % 2):
        raise ConfigError(f"levels={levels}: must be an even integer >= 2 (Morris grid levels)")
    integer("replications", replications, 1)
    check_seed(seed, replications)
    if isinstance(outputs, str) or not isinstance(outputs, Sequence) or not outputs:
        raise ConfigError(f"outputs={outputs!r}: must be a non-empty list of summary metrics")
    unknown = [k for k in execution if k not in EXECUTION]
    if unknown:
        raise ConfigError(f"{unknown[0]}: unknown option; allowed: {', '.join(EXECUTION)}")
    check_executor(
        execution.get("executor", "local"), execution.get("jobs"), execution.get("address")
    )


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
        outputs: summary metrics to analyse, or daily outcomes COLUMN@WHEN
            (loyalty_mean@day30, backlog@sum; sim.experiments.daily_outcomes): then
            every run's days are kept in out/sweep/jobs/.
        method: "morris" (screening, `n` >= 2 trajectories of `levels` levels, an even
            number >= 2) or "sobol" (variance-based, `n` base samples, a power of 2;
            n x (parameters + 2) runs).
        replications: runs per design point, averaged before the analysis.
        seed: the runs' seed (replication k uses seed + k), the design's and the bootstrap's.

    Returns:
        One `Sensitivity` per output: the ranked table of indices, with warnings when
        the Sobol sample is too small for them.

    `execution` goes to :func:`sim.experiments.sweep`: jobs, executor, address, progress.
    """
    check_arguments(method, n, levels, replications, seed, outputs, execution)
    problem = _problem(parameters)
    types = {k: _key_type(scenario, k, overrides) for k in problem["names"]}
    daily = [o for o in outputs if is_daily(o)]
    check_metrics(scenario, overrides, [("outputs", o) for o in outputs if not is_daily(o)])
    if daily:
        columns, days = daily_columns(scenario, list(overrides))
        for output in daily:
            parse(output, columns, days)
    x = design(method, problem, n, levels, seed)
    points = [
        {
            k: (round(v) if types[k] is int else float(v))
            for k, v in zip(problem["names"], row, strict=True)
        }
        for row in x
    ]
    folder = Path(out) / "sweep"
    data = sweep_finished(
        scenario, points, replications, seed, folder, overrides, save_runs=bool(daily),
        **execution,
    )  # fmt: skip
    if daily:  # read from each run's kept days
        days = load_daily(folder)
        for output in daily:
            data[output] = data["run_id"].map(per_run(days, parse(output)))
    results = []
    for output in outputs:
        if output not in data.columns:
            raise ConfigError(f"outputs={output}: not a summary metric")
        y = _per_point(data, points, replications, seed, scenario, overrides, output)
        results.append(analyse(method, problem, x, y, output, seed, levels))
    write_report(results, Path(out))
    write_provenance(
        Path(out),
        "sensitivity",
        scenario=scenario,
        method=method,
        parameters=dict(parameters),
        outputs=list(outputs),
        n=n,
        levels=levels,
        replications=replications,
        seed=seed,
        overrides=list(overrides),
    )
    from sim.report.html import save_markdown_page

    save_markdown_page(Path(out), f"Sensitivity ({method}): {scenario}", "sensitivity.md")
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
    method: str,
    problem: dict,
    x: np.ndarray,
    y: np.ndarray,
    output: str,
    seed: int,
    levels: int = 4,
) -> Sensitivity:
    """The ranked indices of `y` over the design `x`; the bootstrap is seeded by `seed`.

    `levels` must be the Morris design's: it sets the grid step of the elementary effects.
    """
    cautions: list[str] = []
    if method == "morris":
        from SALib.analyze import morris

        res = morris.analyze(problem, x, y, num_levels=levels, seed=seed)
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

        # SALib skips seeding for a falsy seed (0 included): hand it a seeded generator
        res = sobol.analyze(problem, y, calc_second_order=False, seed=np.random.default_rng(seed))
        table = pd.DataFrame(
            {
                "parameter": problem["names"],
                "ST": res["ST"],
                "ST_conf": res["ST_conf"],
                "S1": res["S1"],
                "S1_conf": res["S1_conf"],
            }
        ).sort_values("ST", ascending=False)
        cautions = sobol_warnings(table)
    cautions += zero_effects(table, method, output)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return Sensitivity(method, output, table.reset_index(drop=True), cautions)


def zero_effects(table: pd.DataFrame, method: str, output: str) -> list[str]:
    """Parameters whose moving changed the output not at all: say why such a zero is not a
    small effect but none (the mechanism it sets does not act in these runs)."""
    if method == "morris":
        none = table[(table["mu_star"] == 0) & (table["sigma"] == 0)]
    else:
        none = table[(table["ST"] == 0) & (table["ST_conf"] == 0)]
    return [
        f"{name} has no effect on {output} in these runs (the output did not change at all "
        "when it moved): the mechanism it sets does not act in this scenario, e.g. an "
        "attack setting where the attack never spreads through it"
        for name in none["parameter"]
    ]


def sobol_warnings(table: pd.DataFrame) -> list[str]:
    """Estimates that true indices cannot have (0 <= S1 <= ST <= 1), beyond their intervals.

    S1 > ST counts when the gap exceeds the two 95% intervals combined (root sum of
    squares); an index outside [0, 1] when it lies further out than its own interval.
    Either means the sample is too small for the numbers (the ranking may still hold).
    """
    above, outside = [], []
    for row in table.itertuples(index=False):
        gap = row.S1 - row.ST
        if gap > math.hypot(row.S1_conf, row.ST_conf):
            above.append(row.parameter)
        for index, value, conf in (("S1", row.S1, row.S1_conf), ("ST", row.ST, row.ST_conf)):
            if value + conf < 0 or value - conf > 1:
                outside.append(f"{index} of {row.parameter}")
    problems = []
    if above:
        problems.append(f"S1 > ST for {', '.join(above)}")
    if outside:
        problems.append(f"{', '.join(outside)} outside [0, 1]")
    notes = [f"{'; '.join(problems)}: {TOO_SMALL}"] if problems else []
    # S1 above ST within wide intervals: impossible for true indices, so sampling noise
    # (with narrow ones the gap is too small to mislead, and is left unsaid)
    noisy = [
        row.parameter
        for row in table.itertuples(index=False)
        if row.S1 > row.ST
        and row.parameter not in above
        and max(row.S1_conf, row.ST_conf) > WIDE_INTERVAL
    ]
    if noisy:
        notes.append(
            f"S1 > ST for {', '.join(noisy)} within their (wide) intervals: true indices have "
            "S1 <= ST, so the gap is sampling noise; read ST (and its interval)"
        )
    return notes


def write_report(results: list[Sensitivity], out: Path) -> None:
    from sim.report.plots import plot_sensitivity

    text = "\n\n".join(r.text() for r in results)
    atomic_write(out / "sensitivity.md", lambda p: p.write_text("```\n" + text + "\n```\n"))
    payload = [
        {
            "method": r.method,
            "output": r.output,
            "table": r.table.to_dict(orient="records"),
            "warnings": r.warnings,
        }
        for r in results
    ]
    atomic_write(out / "sensitivity.json", lambda p: p.write_text(json.dumps(payload, indent=2)))
    for r in results:
        plot_sensitivity(r, out / f"sensitivity_{r.method}_{r.output}.png")
