"""Sweeps: designs, the dataset, resume after any interruption, refusal, failures, Dask."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import dask_cluster

import sim
from sim import experiments
from sim.experiments.sweeps import design_points, load, sweep

SMALL = ["population.size=1200", "days=15"]
GRID = {"team.hub.staff": [1, 2, 3], "strategy.priority": ["fifo", "severity"]}
VOLATILE = ["wall_seconds", "provenance"]


def stable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in VOLATILE if c in frame]).reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("reference") / "sweep"
    sweep("baseline", grid=GRID, replications=2, out=out, jobs=1, overrides=SMALL)
    return load(out)


def test_dataset_has_one_row_per_planned_run(reference) -> None:
    assert len(reference) == 12
    assert list(reference.columns[:7]) == [
        "team.hub.staff",
        "strategy.priority",
        "replication",
        "seed",
        "config_hash",
        "status",
        "error",
    ]
    assert (reference["status"] == "ok").all()
    assert reference["run_id"].is_unique
    assert set(reference["seed"]) == {0, 1}
    assert "churn_rate" in reference and "relationship_value_total" in reference


def test_full_factorial_and_lhs_designs() -> None:
    points = design_points("baseline", GRID, None, 0)
    assert len(points) == 6 and points[0] == {"team.hub.staff": 1, "strategy.priority": "fifo"}
    ranges = {"team.hub.staff": [1, 10], "posts.reply_gain": [0.0, 0.1]}
    lhs = design_points("baseline", None, {"design": "lhs", "n": 10, "ranges": ranges}, 0)
    gains = np.array([p["posts.reply_gain"] for p in lhs])
    # a Latin hypercube puts exactly one point in each of the n strata of every dimension
    assert sorted(np.floor(gains / 0.01).astype(int)) == list(range(10))
    assert all(isinstance(p["team.hub.staff"], int) for p in lhs)


def test_resume_skips_finished_runs(reference, tmp_path) -> None:
    out = tmp_path / "sweep"
    sweep("baseline", grid=GRID, replications=2, out=out, jobs=1, overrides=SMALL)
    before = {f.name: f.stat().st_mtime_ns for f in (out / "runs").glob("*.parquet")}
    sweep("baseline", grid=GRID, replications=2, out=out, jobs=1, overrides=SMALL)
    after = {f.name: f.stat().st_mtime_ns for f in (out / "runs").glob("*.parquet")}
    assert before == after  # nothing re-run, nothing rewritten
    pd.testing.assert_frame_equal(stable(load(out)), stable(reference))


def test_sigkill_halfway_then_resume_gives_the_uninterrupted_dataset(reference, tmp_path) -> None:
    out = tmp_path / "killed"
    code = (
        "import sim.experiments.sweeps as e;"
        f"e.sweep('baseline', grid={GRID!r}, replications=2, out={str(out)!r}, jobs=1,"
        f" overrides={SMALL!r})"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "runs").glob("*.parquet"))) < 5:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(list((out / "runs").glob("*.parquet")))
    assert 0 < finished < 12, finished
    sweep("baseline", grid=GRID, replications=2, out=out, jobs=2, overrides=SMALL)
    data = load(out)
    assert len(data) == 12 and data["run_id"].is_unique
    assert not list((out / "runs").glob(".*.tmp"))
    pd.testing.assert_frame_equal(stable(data), stable(reference))


def test_a_different_sweep_in_the_same_folder_is_refused(tmp_path) -> None:
    out = tmp_path / "sweep"
    sweep("baseline", grid={"team.hub.staff": [1]}, out=out, jobs=1, overrides=SMALL)
    with pytest.raises(sim.ConfigError, match="holds a different sweep"):
        sweep("baseline", grid={"team.hub.staff": [2]}, out=out, jobs=1, overrides=SMALL)


def test_bad_values_fail_before_anything_is_written(tmp_path) -> None:
    out = tmp_path / "sweep"
    with pytest.raises(sim.ConfigError, match=r"team.hub.staff=-1: out of range"):
        sweep("baseline", grid={"team.hub.staff": [1, -1]}, out=out, overrides=SMALL)
    assert not out.exists()
    with pytest.raises(sim.ConfigError, match="seed: not a sweep parameter"):
        sweep("baseline", grid={"seed": [1, 2]}, out=out)
    # a fraction among whole staff counts is caught, though the extremes are valid
    with pytest.raises(sim.ConfigError, match=r"team.hub.staff=2.5"):
        sweep("baseline", grid={"team.hub.staff": [1, 2.5, 3, 4]}, out=out, overrides=SMALL)
    with pytest.raises(sim.ConfigError, match=r"posts.reply_gain=1.7"):
        sweep("baseline", grid={"posts.reply_gain": [0.1, 0.2, 1.7]}, out=out, overrides=SMALL)
    assert not out.exists()


def test_the_values_checked_stand_for_every_value_of_a_parameter() -> None:
    from sim.experiments.sweeps import representatives

    # numbers: the extremes, and one whole and one fractional value
    assert representatives({"1", "2", "3", "4"}) == ["1", "4"]
    assert representatives({"1", "2.5", "3", "7.25", "4"}) == ["1", "2.5", "7.25"]
    assert representatives({"0.1", "0.2", "0.3"}) == ["0.1", "0.3"]
    # anything else, each value
    assert representatives({"hub_only", "silence"}) == ["hub_only", "silence"]
    assert representatives({"1", "nan", "2"}) == ["1", "2", "nan"]


def test_a_failing_run_is_recorded_and_retried(monkeypatch, tmp_path) -> None:
    out = tmp_path / "sweep"
    real = sim.results.simulate

    def flaky(config, seed):
        if config.team.hub.staff == 2:
            raise RuntimeError("disk on fire")
        return real(config, seed)

    monkeypatch.setattr(sim.results, "simulate", flaky)
    sweep("baseline", grid={"team.hub.staff": [1, 2]}, out=out, jobs=1, overrides=SMALL)
    data = load(out)
    failed = data[data["status"] == "failed"]
    assert len(data) == 2 and len(failed) == 1
    assert failed["error"].iloc[0] == "RuntimeError: disk on fire"
    monkeypatch.setattr(sim.results, "simulate", real)
    sweep("baseline", grid={"team.hub.staff": [1, 2]}, out=out, jobs=1, overrides=SMALL)
    data = load(out)
    assert len(data) == 2 and (data["status"] == "ok").all()


def test_corrupted_results_file_is_run_again(tmp_path) -> None:
    out = tmp_path / "sweep"
    sweep("baseline", grid={"team.hub.staff": [1, 2]}, out=out, jobs=1, overrides=SMALL)
    victim = sorted((out / "runs").glob("*.parquet"))[0]
    good = pd.read_parquet(victim)
    victim.write_bytes(b"not parquet")
    with pytest.raises(sim.ConfigError, match="corrupted results file"):
        load(out)
    sweep("baseline", grid={"team.hub.staff": [1, 2]}, out=out, jobs=1, overrides=SMALL)
    again = pd.read_parquet(victim)
    pd.testing.assert_frame_equal(stable(again), stable(good))


def test_dask_cluster_gives_identical_results(reference, tmp_path) -> None:
    distributed = pytest.importorskip("distributed")
    with dask_cluster() as cluster:
        out = tmp_path / "dask"
        sweep(
            "baseline",
            grid=GRID,
            replications=2,
            out=out,
            executor="dask",
            address=cluster.scheduler_address,
            overrides=SMALL,
        )
        # the workers were set to one thread per run (BLAS, the value projection)
        with distributed.Client(cluster) as client:
            assert set(client.run(_projection_threads).values()) == {"1"}
    pd.testing.assert_frame_equal(stable(load(out)), stable(reference))


def _projection_threads() -> str | None:
    import os

    return os.environ.get("HUBSPOKE_THREADS")


def test_unknown_executor_is_refused(tmp_path) -> None:
    with pytest.raises(sim.ConfigError, match="executor=spark"):
        sweep(
            "baseline",
            grid={"team.hub.staff": [1]},
            out=tmp_path / "s",
            executor="spark",
            overrides=SMALL,
        )


def test_load_refuses_a_folder_that_is_not_a_sweep(tmp_path) -> None:
    with pytest.raises(sim.ConfigError, match="not a sweep folder"):
        experiments.load(Path(tmp_path))
