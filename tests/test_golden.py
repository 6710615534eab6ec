"""Guard rail for pure moves and renames: every scenario's summary, seeds 0-2, is unchanged.

The files in tests/golden/ were written by this module (`python tests/test_golden.py`).
A refactoring that is meant to change nothing must reproduce them; a change of
behaviour rewrites them in its own commit, saying why.

"Reproduce" means what holds on every machine, not byte equality: sums of the same
numbers differ in their last bits between CPUs and numpy builds. Whole numbers
(counts, days, exact zeros and ones) must match exactly; every other float within a
relative 1e-9, which is millions of ulps looser than round-off and far tighter than
any change of behaviour (the tests below show both).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

import sim
from sim.config import catalog

GOLDEN = Path(__file__).parent / "golden"
SEEDS = (0, 1, 2)
# 45 days covers every scenario's event (the attacks on days 20 and 30, the defect shock
# on day 10, the season from day 30) at half the cost of the scenarios' full length
SMALL = ["population.size=3000", "days=45", "output.plots=false"]
RELATIVE = 1e-9
# below this size a float is compared absolutely: a difference of sums of order 1e6
# that should be zero carries round-off of order 1e-10
ABSOLUTE = 1e-9


def summary(scenario: str, seed: int, overrides: tuple[str, ...] = ()) -> dict[str, float]:
    return sim.run(sim.load_config(scenario, [*SMALL, *overrides]), seed).summary


def as_text(values: dict) -> str:
    return json.dumps(values, indent=1, sort_keys=True) + "\n"


def differences(actual: dict, expected: dict) -> list[str]:
    """Keys whose values differ beyond what machines legitimately differ by; empty if none."""
    found = [f"{key}: missing" for key in expected if key not in actual]
    found += [f"{key}: not in the golden file" for key in actual if key not in expected]
    for key in sorted(expected.keys() & actual.keys()):
        want, got = expected[key], actual[key]
        if not same(got, want):
            found.append(f"{key}: {got!r} != golden {want!r}")
    return found


def same(got: object, want: object) -> bool:
    if isinstance(want, bool) or not isinstance(want, (int, float)):
        return got == want
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        return False
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    if float(want).is_integer() or math.isinf(want):  # counts and exact values
        return got == want
    return math.isclose(got, want, rel_tol=RELATIVE, abs_tol=ABSOLUTE)


def golden(scenario: str, seed: int) -> dict:
    path = GOLDEN / f"{scenario}-{seed}.json"
    assert path.is_file(), f"{path.name} missing: run python tests/test_golden.py"
    return json.loads(path.read_text())


@pytest.mark.parametrize("scenario", catalog.scenario_names())
def test_summaries_are_unchanged(scenario):
    for seed in SEEDS:
        found = differences(summary(scenario, seed), golden(scenario, seed))
        assert not found, f"{scenario} seed {seed}: " + "; ".join(found)


def test_last_bit_differences_pass():
    """Every float one ulp off, as another CPU might sum it: still the same summary."""
    expected = golden("baseline", 0)
    nudged = {
        key: value if float(value).is_integer() else math.nextafter(value, math.inf)
        for key, value in expected.items()
    }
    assert nudged != expected  # the nudge changed bits
    assert differences(nudged, expected) == []
    assert differences(json.loads(as_text(nudged)), expected) == []  # through the file format


def test_small_changes_of_values_fail():
    expected = golden("baseline", 0)
    count = next(k for k, v in expected.items() if v >= 1 and float(v).is_integer())
    money = "relationship_value_horizon"
    assert differences({**expected, count: expected[count] + 1}, expected) == [
        f"{count}: {expected[count] + 1!r} != golden {expected[count]!r}"
    ]
    assert differences({**expected, money: expected[money] * (1 + 1e-7)}, expected)
    assert differences({k: v for k, v in expected.items() if k != money}, expected)


def test_a_change_of_behaviour_fails():
    """A 1 % change of one behavioural parameter shows up in the comparison."""
    from omegaconf import OmegaConf

    from sim.config import compose_config

    base = OmegaConf.select(compose_config("baseline", []), "posts.reply_gain")
    changed = summary("baseline", 0, (f"posts.reply_gain={base * 1.01!r}",))
    assert differences(changed, golden("baseline", 0))


if __name__ == "__main__":
    GOLDEN.mkdir(exist_ok=True)
    for name in catalog.scenario_names():
        for s in SEEDS:
            (GOLDEN / f"{name}-{s}.json").write_text(as_text(summary(name, s)))
    sys.exit(0)
