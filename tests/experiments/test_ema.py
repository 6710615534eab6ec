"""sim.ema: hubspoke as an EMA Workbench model, run by hubspoke's own runner."""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pytest

import sim
from sim.config import ConfigError

# found, not imported: the workbench takes ~1.3 s to import, paid only by the tests that run
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("ema_workbench") is None, reason="ema_workbench is not installed"
)

TINY = ["population.size=600", "days=8"]


def _workbench():
    import ema_workbench

    return ema_workbench


def test_the_parameters_follow_the_config_types():
    model = sim.ema.model(
        "baseline",
        uncertainties={"team.hub.staff": (0, 4), "posts.reply_gain": (0.02, 0.1)},
        levers={"strategy.priority": ["fifo", "severity"]},
        outcomes=["unanswered_share"],
        overrides=TINY,
    )
    kinds = {p.name: type(p).__name__ for p in [*model.uncertainties, *model.levers]}
    assert kinds == {
        "team.hub.staff": "IntegerParameter",
        "posts.reply_gain": "RealParameter",
        "strategy.priority": "CategoricalParameter",
    }
    assert type(model).__name__ == "Model"


def test_workbench_experiments_equal_hubspokes_own_runs():
    model = sim.ema.model(
        "baseline",
        uncertainties={"team.hub.staff": (0, 4), "posts.reply_gain": (0.02, 0.1)},
        outcomes=["unanswered_share", "loyalty_mean_final"],
        overrides=TINY,
        replications=2,
        seed=5,
    )
    assert [r["seed"] for r in model.replications] == [5, 6]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        experiments, outcomes = _workbench().perform_experiments(model, 3)
    for i in range(3):
        row = experiments.iloc[i]
        config = sim.load_config(
            "baseline",
            [*TINY, f"team.hub.staff={int(row['team.hub.staff'])}",
             f"posts.reply_gain={float(row['posts.reply_gain'])!r}"],
        )  # fmt: skip
        alone = [sim.run(config, seed=s).summary for s in (5, 6)]
        for name in ("unanswered_share", "loyalty_mean_final"):
            expected = np.mean([summary[name] for summary in alone])
            assert outcomes[name][i] == pytest.approx(expected, rel=1e-12), name


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"uncertainties": {"team.hub.staffs": (0, 4)}}, "team.hub.staffs"),
        ({"uncertainties": {"posts.reply_gain": (0.1, 0.02)}}, "low < high"),
        ({"uncertainties": {"team.hub.staff": (-2, 4)}}, "team.hub.staff=-2"),
        ({"uncertainties": {"team.hub.staff": 3}}, "give a range as (low, high)"),
        ({"uncertainties": {"team.hub.staff": (0, 4)}, "outcomes": ["nope"]}, "nope"),
        (
            {"uncertainties": {"team.hub.staff": (0, 4)}, "levers": {"team.hub.staff": [1]}},
            "both an uncertainty and a lever",
        ),
        ({"uncertainties": {}}, "name at least one config key"),
    ],
)
def test_bad_input_is_one_line(kwargs, fragment):
    with pytest.raises(ConfigError) as caught:
        sim.ema.model("baseline", overrides=TINY, **kwargs)
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def test_daily_outcomes_are_read_from_the_runs_days():
    model = sim.ema.model(
        "baseline", uncertainties={"team.hub.staff": (0, 4)},
        outcomes=["backlog@sum", "loyalty_mean@day5", "customers@last"], overrides=TINY,
    )  # fmt: skip
    names = [o.name for o in model.outcomes]
    assert names == ["backlog_sum", "loyalty_mean_day5", "customers_last"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        experiments, outcomes = _workbench().perform_experiments(model, 2)
    staff = int(experiments["team.hub.staff"][0])
    daily = sim.run(sim.load_config("baseline", [*TINY, f"team.hub.staff={staff}"]), seed=0).daily
    assert outcomes["backlog_sum"][0] == daily["backlog"].sum()
    assert outcomes["loyalty_mean_day5"][0] == daily.loc[daily["day"] == 5, "loyalty_mean"].item()
    assert outcomes["customers_last"][0] == daily["customers"].iloc[-1]


@pytest.mark.parametrize(
    "outcome, fragment",
    [("backlog@day99", "outside the run's days"), ("blacklog@sum", "not a daily column"),
     ("backlog@median", "after @ give dayN")],
)  # fmt: skip
def test_bad_daily_outcomes_are_one_line(outcome, fragment):
    with pytest.raises(ConfigError, match=fragment):
        sim.ema.model("baseline", uncertainties={"team.hub.staff": (0, 4)},
                      outcomes=[outcome], overrides=TINY)  # fmt: skip
