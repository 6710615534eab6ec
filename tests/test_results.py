"""sim.results and sim.results: the Result object, saving a run folder, provenance, recovery."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf
from support import SMALL

import sim
from sim.config import config_to_dict
from sim.engine import native
from sim.engine.summary import recovery_days
from sim.report.io import atomic_write
from sim.report.plots import PLOT_FILES
from sim.results import Result, provenance

PLOTS = PLOT_FILES


@pytest.fixture(scope="module")
def result(simulate):
    return simulate("baseline", (*SMALL, "output.posts=true"), 0)[1]


def test_result_contents(result):
    assert isinstance(result, Result)
    assert result.seed == 0
    assert all(isinstance(v, float) for v in result.summary.values())
    assert isinstance(result.daily, pd.DataFrame)
    assert len(result.daily) == result.config.days
    assert result.daily["day"].tolist() == list(range(1, result.config.days + 1))
    np.testing.assert_allclose(result.daily["time_h"], 24.0 * result.daily["day"])
    assert isinstance(result.posts, pd.DataFrame)
    assert len(result.posts) == result.summary["posts_total"]
    assert result.provenance["seed"] == 0


def test_posts_frame_only_when_asked(simulate):
    assert simulate("baseline", SMALL, 0)[1].posts is None


def test_save_writes_the_run_folder(result, tmp_path):
    out = result.save(tmp_path / "run")
    names = {p.name for p in out.iterdir()}
    assert {"config.yaml", "daily.parquet", "summary.json", "provenance.json"} <= names
    assert "posts.parquet" in names
    assert not names & set(PLOTS)  # output.plots=false
    assert not [n for n in names if n.endswith(".tmp")]
    pd.testing.assert_frame_equal(pd.read_parquet(out / "daily.parquet"), result.daily)
    posts = pd.read_parquet(out / "posts.parquet")
    assert len(posts) == len(result.posts)
    saved = json.loads((out / "summary.json").read_text())
    assert set(saved) == set(result.summary)
    for key, value in result.summary.items():
        if math.isnan(value):
            assert saved[key] is None  # strict JSON: NaN becomes null
        else:
            assert saved[key] == value
    assert "NaN" not in (out / "summary.json").read_text()
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["seed"] == 0
    assert prov["scenario"] == "baseline"
    assert prov["strategy"] == "hub_and_spoke"
    assert prov["packages"]["numpy"] == np.__version__
    saved_config = OmegaConf.to_container(OmegaConf.load(out / "config.yaml"))
    assert saved_config == config_to_dict(result.config)
    assert saved_config["days"] == 30


def test_summary_is_written_last(result, tmp_path, monkeypatch):
    """A folder without summary.json is an incomplete run: a failure before it leaves none."""
    import sim.report.plots

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sim.report.plots, "plot_run", boom)
    with pytest.raises(RuntimeError):
        result.save(tmp_path / "broken", plots=True)
    assert not (tmp_path / "broken" / "summary.json").exists()


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "file.txt"
    atomic_write(target, lambda p: p.write_text("old"))

    def fail(path):
        path.write_text("half")
        raise OSError("interrupted")

    with pytest.raises(OSError):
        atomic_write(target, fail)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]


def test_provenance_fields():
    config = sim.load_config("baseline", ["strategy=silence"])
    prov = provenance(config, 17)
    assert prov["seed"] == 17
    assert prov["strategy"] == "silence"
    assert {"python", "packages", "git_commit"} <= set(prov)
    assert prov["kernels"] == native.STATUS  # which path ran: the same results, another speed
    json.dumps(prov)


def test_run_defaults_to_config_seed(simulate):
    config = sim.load_config("baseline", [*SMALL[:1], "days=5", "output.plots=false", "seed=4"])
    a = sim.run(config)
    b = sim.run(config, 4)
    assert a.seed == 4
    # as text: metrics undefined in so short a run (NaN) compare equal
    assert json.dumps(a.summary, sort_keys=True) == json.dumps(b.summary, sort_keys=True)


def test_recovery_days():
    daily = pd.DataFrame(
        {
            "day": np.arange(1, 11),
            "loyalty_mean": [0.6, 0.6, 0.6, 0.5, 0.52, 0.56, 0.598, 0.6, 0.6, 0.6],
        }
    )
    # attack after day 3: lowest on day 4, back within 0.005 of 0.6 on day 7
    assert recovery_days(daily, 3.0) == 4.0
    never = daily.assign(loyalty_mean=[0.6, 0.6, 0.6] + [0.5] * 7)
    assert math.isnan(recovery_days(never, 3.0))
    assert math.isnan(recovery_days(daily, 10.0))


def test_saving_into_a_used_folder_leaves_only_this_runs_files(simulate, tmp_path):
    earlier = simulate("baseline", (*SMALL, "output.posts=true"), 0)[1]
    later = simulate("baseline", SMALL, 1)[1]
    earlier.save(tmp_path)
    assert (tmp_path / "posts.parquet").exists()
    later.save(tmp_path)
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {
        "config.yaml",
        "daily.parquet",
        "summary.json",
        "provenance.json",
        "report.html",
    }


def test_failed_save_into_a_used_folder_does_not_look_complete(simulate, tmp_path, monkeypatch):
    import sim.report.plots

    earlier = simulate("baseline", SMALL, 0)[1]
    later = simulate("baseline", SMALL, 1)[1]
    earlier.save(tmp_path)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sim.report.plots, "plot_run", boom)
    with pytest.raises(RuntimeError):
        later.save(tmp_path, plots=True)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "daily.parquet"), later.daily)
    assert not (tmp_path / "summary.json").exists()
