"""Sensitivity analysis: seeded bootstrap, warnings on impossible indices, argument checks.

Cheap analytic functions on SALib's own designs: no simulation runs, except the
argument checks, which must fail before any run (a tiny probe for the outputs).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

import sim
from sim.experiments.sensitivity import _problem, analyse, design, sobol_warnings, write_report

ISHIGAMI = {name: [-math.pi, math.pi] for name in ("x1", "x2", "x3")}


@pytest.mark.parametrize("method, n", [("sobol", 64), ("morris", 20)])
@pytest.mark.parametrize("seed", [0, 7])
def test_identical_calls_give_identical_confidence_intervals(method, n, seed) -> None:
    problem = _problem(ISHIGAMI)
    x = design(method, problem, n, 4, seed)
    y = Ishigami.evaluate(x)
    first = analyse(method, problem, x, y, "y", seed).table
    second = analyse(method, problem, x, y, "y", seed).table
    pd.testing.assert_frame_equal(first, second)
    other = analyse(method, problem, x, y, "y", seed + 1).table
    conf = "ST_conf" if method == "sobol" else "mu_star_conf"
    assert not np.array_equal(first[conf], other[conf])  # the seed drives the bootstrap


def test_morris_uses_the_design_s_levels() -> None:
    # a linear function's elementary effects are its slopes at any grid step: exact only if
    # the analysis knows the design's step, 1 / (2 (levels - 1)) * levels of the range
    problem = _problem({"a": [0.0, 1.0], "b": [0.0, 1.0]})
    x = design("morris", problem, 10, 6, seed=3)
    y = 3.0 * x[:, 0] - 1.0 * x[:, 1]
    table = analyse("morris", problem, x, y, "y", seed=3, levels=6).table.set_index("parameter")
    assert table.loc["a", "mu_star"] == pytest.approx(3.0)
    assert table.loc["b", "mu_star"] == pytest.approx(1.0)


def _table(s1, s1_conf, st, st_conf) -> pd.DataFrame:
    return pd.DataFrame(
        {"parameter": ["X"], "ST": [st], "ST_conf": [st_conf], "S1": [s1], "S1_conf": [s1_conf]}
    )


def test_s1_above_st_beyond_their_intervals_is_a_warning() -> None:
    # the fuzzed case: S1 1.50 against ST 0.80
    (warning,) = sobol_warnings(_table(1.50, 0.40, 0.80, 0.38))
    assert warning.startswith("S1 > ST for X; S1 of X outside [0, 1]: the sample is too small")
    assert "raise n" in warning
    (warning,) = sobol_warnings(_table(0.30, 0.05, 0.10, 0.05))
    assert warning.startswith("S1 > ST for X: ")
    (warning,) = sobol_warnings(_table(-0.30, 0.10, 0.20, 0.10))
    assert warning.startswith("S1 of X outside [0, 1]: ")
    # within the intervals: noise, not a contradiction, and said so
    noise = "S1 > ST for X within their (wide) intervals: true indices have S1 <= ST"
    assert [w[: len(noise)] for w in sobol_warnings(_table(0.30, 0.20, 0.20, 0.20))] == [noise]
    assert [w[: len(noise)] for w in sobol_warnings(_table(1.05, 0.15, 1.02, 0.10))] == [noise]
    assert sobol_warnings(_table(0.31, 0.05, 0.30, 0.05)) == []  # narrow: too small to say
    assert sobol_warnings(_table(-0.05, 0.10, 0.01, 0.02)) == []
    assert sobol_warnings(_table(0.10, 0.05, 0.30, 0.05)) == []  # S1 <= ST: nothing to say


def test_a_sample_giving_s1_above_st_is_reported_with_the_warning(tmp_path) -> None:
    problem = _problem({"a": [0.0, 1.0], "b": [0.0, 1.0]})
    n = 64
    x = design("sobol", problem, n, 4, seed=0)
    # outputs laid out as Saltelli's rows per base point (A, AB_a, AB_b, B), chosen so that
    # the estimators give S1(a) ~ 1 and ST(a) ~ 0.25: impossible for a real model
    f_b = np.random.default_rng(1).choice([-1.0, 1.0], n)
    y = np.column_stack([np.zeros(n), 0.5 * f_b, np.zeros(n), f_b]).ravel()
    result = analyse("sobol", problem, x, y, "y", seed=0)
    row = result.table.set_index("parameter").loc["a"]
    assert row["S1"] - row["ST"] > math.hypot(row["S1_conf"], row["ST_conf"])
    assert result.warnings[0] == (
        "S1 > ST for a: the sample is too small for these indices; raise n (sobol_n)"
    )
    # b's column was built to change nothing: a zero effect, said to be one
    assert result.warnings[1:] == [w for w in result.warnings if w.startswith("b has no effect")]
    assert result.text().splitlines()[-len(result.warnings) :] == [
        f"warning: {w}" for w in result.warnings
    ]
    write_report([result], tmp_path)
    assert f"warning: {result.warnings[0]}" in (tmp_path / "sensitivity.md").read_text()
    assert json.loads((tmp_path / "sensitivity.json").read_text())[0]["warnings"] == (
        result.warnings
    )


def test_a_sound_sobol_result_has_no_warning() -> None:
    problem = _problem({"a": [0.0, 1.0], "b": [0.0, 1.0]})
    x = design("sobol", problem, 1024, 4, seed=0)
    result = analyse("sobol", problem, x, x[:, 0] + 2.0 * x[:, 1], "y", seed=0)
    assert result.warnings == [] and "warning" not in result.text()


PARAMETERS = {"team.hub.staff": [1, 4]}
BAD = [
    ({"levels": 1}, r"^levels=1: out of range; must be >= 2$"),
    ({"levels": 3}, r"^levels=3: must be an even integer >= 2"),
    ({"levels": 4.0}, r"^levels=4\.0: not an integer"),
    ({"n": 1}, r"^n=1: out of range; must be >= 2$"),
    ({"n": "8"}, r"^n='8': not an integer"),
    ({"method": "sobol", "n": 10}, r"^n=10: Sobol needs a power of 2 \(e\.g\. 8 or 16\)"),
    ({"method": "fast"}, r"^method='fast': not allowed; allowed: morris, sobol$"),
    ({"replications": 0}, r"^replications=0: out of range; must be >= 1$"),
    ({"seed": -1}, r"^seed=-1: out of range"),
    ({"seed": 1.5}, r"^seed=1\.5: not an integer"),
    ({"parameters": {}}, r"^parameters=\{\}: must be a non-empty mapping"),
    ({"parameters": {"team.hub.staff": [4, 1]}}, r"^parameters\.team\.hub\.staff=\[4, 1\]: must"),
    ({"parameters": {"team.hub.staff": [1, 1]}}, r"must be \[low, high\] with low < high$"),
    ({"parameters": {"posts.reply_gain": [0, math.inf]}}, r"^parameters\.posts\.reply_gain=inf"),
    ({"parameters": {"posts.reply_gain": [math.nan, 1]}}, r"^parameters\.posts\.reply_gain=nan"),
    ({"parameters": {"posts.reply_gain": "01"}}, r"^parameters\.posts\.reply_gain='01': must"),
    ({"parameters": {"posts.reply_gain": [0, 1, 2]}}, r"must be \[low, high\]"),
    ({"outputs": []}, r"^outputs=\[\]: must be a non-empty list of summary metrics$"),
    ({"outputs": "churn_rate"}, r"^outputs='churn_rate': must be a non-empty list"),
    ({"outputs": ["churn_rat"]}, r"^outputs=churn_rat: not a summary metric; did you mean"),
    ({"jobs": 0}, r"^jobs=0: out of range; must be >= 1$"),
    ({"executor": "dask", "address": "notaurl"}, r"^address=notaurl: not a Dask scheduler"),
    ({"job": 2}, r"^job: unknown option; allowed: jobs, executor, address, progress$"),
]


@pytest.mark.parametrize("changes, message", BAD, ids=[str(c) for c, _ in BAD])
def test_bad_arguments_fail_in_one_line_before_anything_runs(tmp_path, changes, message) -> None:
    arguments = {
        "parameters": PARAMETERS,
        "outputs": ["churn_rate"],
        "out": tmp_path / "s",
        "overrides": ["population.size=300", "days=2"],
        **changes,
    }
    with pytest.raises(sim.ConfigError, match=message) as raised:
        sim.sensitivity("baseline", **arguments)
    assert "\n" not in str(raised.value)
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_a_parameter_with_no_effect_at_all_is_explained(method) -> None:
    """An output that never moves with a parameter (an attack setting where no attack
    spreads) has indices of exactly zero: said to be no effect, not a small one."""
    problem = _problem({"a": [0.0, 1.0], "b": [0.0, 1.0]})
    x = design(method, problem, 16, 4, seed=0)
    result = analyse(method, problem, x, 2.0 * x[:, 0], "attack_reach", seed=0)
    (note,) = [w for w in result.warnings if "no effect" in w]
    assert note.startswith("b has no effect on attack_reach in these runs")
    assert not any(w.startswith("a has no effect") for w in result.warnings)
