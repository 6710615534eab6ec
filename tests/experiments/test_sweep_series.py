"""A sweep's time series (save_runs, load_daily), any list of seeds, and its provenance."""

from __future__ import annotations

import json

import numpy as np
import pytest

import sim
from sim.cli import main
from sim.config import ConfigError
from sim.experiments.sweeps import load, load_daily, sweep

TINY = ["population.size=600", "days=7"]


@pytest.fixture(scope="module")
def kept(tmp_path_factory):
    out = tmp_path_factory.mktemp("series") / "sweep"
    sweep("baseline", grid={"team.hub.staff": [0, 2]}, seeds=[4, 9, 2], out=out, jobs=1,
          overrides=TINY, save_runs=True)  # fmt: skip
    return out


def test_any_list_of_seeds_gives_one_replication_each(kept):
    data = load(kept)
    assert len(data) == 6
    for staff, group in data.groupby("team.hub.staff"):
        assert list(group.sort_values("replication")["seed"]) == [4, 9, 2], staff
    manifest = json.loads((kept / "sweep.json").read_text())
    assert manifest["seeds"] == [4, 9, 2] and manifest["replications"] == 3


def test_load_daily_stacks_every_runs_days_with_its_design_point(kept):
    days = load_daily(kept)
    assert len(days) == 6 * 7 and days["run_id"].nunique() == 6
    assert list(days.columns[:4]) == ["run_id", "team.hub.staff", "replication", "seed"]
    one = days[(days["team.hub.staff"] == 2) & (days["seed"] == 9)]
    alone = sim.run(sim.load_config("baseline", [*TINY, "team.hub.staff=2"]), seed=9).daily
    assert list(one["day"]) == list(alone["day"])
    np.testing.assert_allclose(one["loyalty_mean"], alone["loyalty_mean"], rtol=1e-9)
    # and the daily table agrees with the run's own summary in the dataset
    row = load(kept).set_index(["team.hub.staff", "seed"]).loc[(2, 9)]
    assert one["customers"].iloc[-1] == pytest.approx(row["customers_final"], rel=1e-9)


def test_a_sweep_folder_has_its_own_provenance(kept):
    record = json.loads((kept / "provenance.json").read_text())
    assert record["kind"] == "sweep" and record["seeds"] == [4, 9, 2]
    assert record["save_runs"] is True and record["finished"] == 6
    assert "packages" in record and "git_commit" in record


def test_load_daily_without_kept_runs_says_how_to_keep_them(tmp_path):
    out = sweep("baseline", grid={"team.hub.staff": [0, 2]}, replications=1, out=tmp_path / "s",
                jobs=1, overrides=TINY)  # fmt: skip
    with pytest.raises(ConfigError, match="save_runs=true") as caught:
        load_daily(out)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "seeds, fragment",
    [([], "non-empty list"), ([1, 1], "each seed once"), ([0, -3], "seeds[1]=-3"), ("0,1", "list")],
)
def test_bad_seed_lists_are_refused_before_any_run(seeds, fragment, tmp_path):
    with pytest.raises(ConfigError, match=None) as caught:
        sweep("baseline", grid={"team.hub.staff": [1, 2]}, seeds=seeds, out=tmp_path / "s")
    assert fragment in str(caught.value)
    assert not (tmp_path / "s").exists()


def test_the_command_line_takes_seeds_and_save_runs(tmp_path, capsys):
    out = tmp_path / "cli"
    code = main(["sweep", "grid.team.hub.staff=[1,2]", "seeds=[3,8]", "save_runs=true",
                 *TINY, f"out={out}"])  # fmt: skip
    assert code == 0
    assert sorted(load_daily(out)["seed"].unique()) == [3, 8]
    capsys.readouterr()  # the progress bar
    for bad, fragment in (("save_runs=maybe", "allowed: true, false"), ("seeds=[1,x]", "seeds=")):
        code = main(["sweep", "grid.team.hub.staff=[1,2]", bad, *TINY, f"out={tmp_path / 'x'}"])
        err = capsys.readouterr().err
        assert code == 2 and fragment in err and len(err.strip().splitlines()) == 1


def test_a_multirun_takes_any_seeds(tmp_path):
    out = tmp_path / "multi"
    assert main(["run", "-m", "team.hub.staff=1,2", "seed=0,5", *TINY, f"out={out}"]) == 0
    assert sorted(load(out)["seed"].unique()) == [0, 5]
