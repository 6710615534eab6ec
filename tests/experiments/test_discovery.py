"""Scenario discovery: PRIM and CART (the EMA Workbench's) on sweeps, and its refusals."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.config import ConfigError
from sim.experiments.discovery import discover, threshold_of
from sim.experiments.sweeps import sweep

# found, not imported: the workbench takes ~1.3 s to import, paid only by the tests that run
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("ema_workbench") is None, reason="ema_workbench is not installed"
)


def planted(n: int = 600, seed: int = 3) -> pd.DataFrame:
    """Runs whose outcome is high exactly when a > 0.6 and b < 0.4 (c plays no part)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x.a": rng.random(n), "x.b": rng.random(n), "x.c": rng.integers(1, 9, n)})
    inside = (frame["x.a"] > 0.6) & (frame["x.b"] < 0.4)
    frame["metric"] = np.where(inside, 10.0, 1.0) + rng.random(n)
    return frame


def _measured(frame: pd.DataFrame, box, y: np.ndarray) -> tuple[float, float, float]:
    inside = np.ones(len(frame), dtype=bool)
    for key, (low, high) in box.limits.items():
        inside &= (frame[key] >= low).to_numpy() & (frame[key] <= high).to_numpy()
    hits = (inside & y).sum()
    return hits / y.sum(), hits / inside.sum(), inside.mean()


@pytest.mark.parametrize("method", ["prim", "cart"])
def test_a_planted_box_is_found_with_its_own_coverage_and_density(method):
    frame = planted()
    found = discover(frame, "metric", above=5, method=method)
    y = frame["metric"].to_numpy() > 5
    (box,) = found.boxes
    assert sorted(box.restricted) == ["x.a", "x.b"]  # and not c, which plays no part
    assert box.limits["x.a"][0] == pytest.approx(0.6, abs=0.05)
    assert box.limits["x.b"][1] == pytest.approx(0.4, abs=0.05)
    coverage, density, mass = _measured(frame, box, y)
    assert (box.coverage, box.density, box.mass) == pytest.approx((coverage, density, mass))
    assert box.density > 0.9 and box.coverage > 0.8
    assert found.of_interest == y.sum() and found.runs == len(frame)


def test_an_outcome_that_nothing_drives_gives_no_box():
    frame = planted()
    frame["noise"] = np.random.default_rng(9).random(len(frame))
    found = discover(frame, "noise", above="median")
    # half the runs are of interest anywhere: a box's density is 0.5 up to sampling noise
    # (binomial, 4 standard errors for the runs in it; the chosen point covers >= half)
    for box in found.boxes:
        in_box = box.mass * found.runs
        assert box.density < 0.5 + 4 * np.sqrt(0.25 / in_box), (box.density, in_box)
    assert found.boxes or "are more common" in " ".join(found.sentences())


def test_thresholds_are_numbers_medians_or_percentiles():
    values = np.arange(101.0)
    assert threshold_of(values, "median", "above") == (50.0, "the median")
    assert threshold_of(values, "p90", "above")[0] == pytest.approx(90.0)
    assert threshold_of(values, "7.5", "below") == (7.5, "as given")
    for bad in ("p0", "p100", "often", "nan"):
        with pytest.raises(ConfigError):
            threshold_of(values, bad, "above")


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"outcome": "nope", "above": 1}, "outcome=nope: not a summary metric"),
        ({"outcome": "metric", "above": 100}, "selects no run"),
        ({"outcome": "metric", "below": 100}, "selects every run"),
        ({"outcome": "metric"}, "give above=VALUE or below=VALUE"),
        ({"outcome": "metric", "above": 5, "method": "tree"}, "allowed: prim, cart"),
        ({"outcome": "metric", "above": 5, "peel_alpha": 0.9}, "peel_alpha=0.9"),
        ({"outcome": "metric", "above": 5, "keys": ["x.z"]}, "keys=x.z"),
    ],
)
def test_bad_input_is_one_line(kwargs, fragment):
    with pytest.raises(ConfigError) as caught:
        discover(planted(), **kwargs)
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def test_a_sweep_with_no_varied_numeric_key_is_refused():
    frame = planted().assign(**{"x.a": 1.0, "x.b": 2.0, "x.c": 3})
    with pytest.raises(ConfigError, match="no swept key is numeric and varied"):
        discover(frame, "metric", above="median")


def test_the_command_on_a_sweep_writes_its_files_and_bad_input_leaves_none(tmp_path, capsys):
    runs = sweep(
        "baseline", samples={"design": "lhs", "n": 16, "ranges": {"team.hub.staff": [0, 4]}},
        out=tmp_path / "sweep", jobs=2, overrides=["population.size=600", "days=8"],
    )  # fmt: skip
    out = tmp_path / "found"
    code = main(["discover", f"sweep={runs}", "outcome=unanswered_share", "above=median",
                 f"out={out}"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    record = json.loads((out / "discovery.json").read_text())
    (box,) = record["boxes"]
    assert box["restricted"] == ["team.hub.staff"]  # too few staff: more posts unanswered
    assert box["limits"]["team.hub.staff"][0] == 0
    assert set(box) >= {"limits", "coverage", "density", "mass", "restricted", "trajectory"}
    for name in ("discovery.md", "report.html", "provenance.json", "discovery_boxes.png"):
        assert (out / name).is_file(), name
    capsys.readouterr()
    bad = tmp_path / "bad"
    code = main(["discover", f"sweep={runs}", "outcome=unanswered_share", "above=7",
                 f"out={bad}"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "selects no run" in err and len(err.strip().splitlines()) == 1
    assert not bad.exists()


def test_a_daily_outcome_of_kept_runs_is_discovered(tmp_path):
    """backlog@sum (post-days waiting at the day's ends) is high where the hub is small."""
    from sim.experiments.sweeps import load_daily

    runs = sweep(
        "baseline", samples={"design": "lhs", "n": 16, "ranges": {"team.hub.staff": [0, 4]}},
        out=tmp_path / "kept", jobs=2, overrides=["population.size=600", "days=8"],
        save_runs=True,
    )  # fmt: skip
    found = discover(runs, "backlog@sum", above="median")
    (box,) = found.boxes
    assert box.restricted == ["team.hub.staff"] and box.limits["team.hub.staff"][0] == 0
    days = load_daily(runs)
    areas = days.groupby("run_id")["backlog"].sum()
    assert found.of_interest == int((areas > np.median(areas)).sum())
    with pytest.raises(ConfigError, match="save_runs=true"):
        discover(sweep("baseline", grid={"team.hub.staff": [0, 2]}, out=tmp_path / "bare",
                       jobs=1, overrides=["population.size=600", "days=8"]),
                 "backlog@sum", above="median")  # fmt: skip
