"""The sweep store knows its own files: foreign, copied, duplicated and stripped files,
schemas a failed first run would hide, and damaged folders (one-line errors)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import sim
from sim.cli import main
from sim.experiments import staffing as staffing_module
from sim.experiments.runs import RunSpec, perform, plan
from sim.experiments.sweeps import CORE_METRICS, Store, load, points_report, sweep

TINY = ["population.size=300", "days=5"]
GRID = {"team.hub.staff": [1, 2]}
VOLATILE = ["wall_seconds", "provenance"]


def stable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in VOLATILE if c in frame]).reset_index(drop=True)


def run_sweep(out: Path, grid=None, replications: int = 1) -> Path:
    return sweep(
        "baseline", grid=grid or GRID, replications=replications, out=out, jobs=1, overrides=TINY
    )


def files(out: Path) -> dict[str, int]:
    return {f.name: f.stat().st_mtime_ns for f in (out / "runs").iterdir()}


def run_ids(out: Path) -> list[str]:
    return json.loads((out / "sweep.json").read_text())["run_ids"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """A finished two-run sweep, copied by the tests that damage it."""
    return run_sweep(tmp_path_factory.mktemp("reference") / "sweep")


@pytest.fixture
def folder(reference, tmp_path) -> Path:
    out = tmp_path / "sweep"
    shutil.copytree(reference, out)
    return out


def one_line(excinfo, *parts: str) -> None:
    text = str(excinfo.value)
    assert "\n" not in text, text
    for part in parts:
        assert part in text, text


# ---------------------------------------------------------------- foreign files
def test_a_foreign_file_is_neither_loaded_nor_deleted(folder, reference) -> None:
    foreign = folder / "runs" / "myanalysis.parquet"
    pd.concat([load(reference)] * 2).to_parquet(foreign)  # two rows that look like runs
    notes = folder / "runs" / ".notes.tmp"
    notes.write_text("mine")
    assert len(load(folder)) == 2
    before = files(folder)
    run_sweep(folder)  # resume: nothing to run, nothing to remove
    assert files(folder) == before
    assert foreign.exists() and notes.read_text() == "mine"
    pd.testing.assert_frame_equal(stable(load(folder)), stable(load(reference)))


def test_a_run_copied_in_from_another_sweep_is_ignored(folder, tmp_path) -> None:
    other = run_sweep(tmp_path / "other", grid={"team.hub.staff": [3]})
    (theirs,) = run_ids(other)
    ours = run_ids(folder)
    # under its own name: not a planned run of this sweep
    shutil.copy(other / "runs" / f"{theirs}.parquet", folder / "runs" / f"{theirs}.parquet")
    # under one of ours: its row is another run
    victim = folder / "runs" / f"{ours[1]}.parquet"
    shutil.copy(other / "runs" / f"{theirs}.parquet", victim)
    data = load(folder)
    assert list(data["run_id"]) == [ours[0]]
    assert Store(folder).finished() == {ours[0]}
    run_sweep(folder)  # resume runs the overwritten one again
    data = load(folder)
    assert list(data["run_id"]) == ours and list(data["team.hub.staff"]) == [1, 2]
    assert (folder / "runs" / f"{theirs}.parquet").exists()  # not ours: left alone


def test_a_duplicate_under_another_name_counts_once(tmp_path) -> None:
    out = run_sweep(tmp_path / "sweep", replications=2)
    first = out / "runs" / f"{run_ids(out)[0]}.parquet"
    shutil.copy(first, out / "runs" / "copy.parquet")
    shutil.copy(first, out / "runs" / f"{'0' * 20}.parquet")
    points, _, runs, failed = points_report(out, ["churn_rate"])
    assert (runs, failed) == (4, 0)
    assert list(points["runs"]) == [2, 2]
    written = pd.read_csv(out / "points.csv")
    assert list(written["runs"]) == [2, 2]


# ---------------------------------------------------------------- incomplete rows
def test_an_ok_file_stripped_of_its_metrics_is_run_again(folder, reference) -> None:
    victim = folder / "runs" / f"{run_ids(folder)[0]}.parquet"
    row = pd.read_parquet(victim)
    keep = ["team.hub.staff", "replication", "seed", "run_id", "config_hash", "status", "error"]
    row[keep].to_parquet(victim)
    assert Store(folder).finished() == {run_ids(folder)[1]}
    assert len(load(folder)) == 1  # not a finished run
    run_sweep(folder)
    again = pd.read_parquet(victim)
    assert set(CORE_METRICS) <= set(again.columns)
    pd.testing.assert_frame_equal(stable(load(folder)), stable(load(reference)))


@pytest.mark.parametrize("which", ["first planned", "first by name"])
def test_a_failed_first_file_does_not_hide_metric_columns(monkeypatch, tmp_path, which) -> None:
    grid = {"team.hub.staff": [1, 2, 3]}
    specs = plan("baseline", [{"team.hub.staff": s} for s in grid["team.hub.staff"]], 1, 0, TINY)
    first = specs[0] if which == "first planned" else min(specs, key=lambda s: s.run_id)
    failing = dict(first.params)["team.hub.staff"]
    real = sim.results.simulate

    def flaky(config, seed):
        if config.team.hub.staff == failing:
            raise RuntimeError("disk on fire")
        return real(config, seed)

    monkeypatch.setattr(sim.results, "simulate", flaky)
    out = run_sweep(tmp_path / "sweep", grid=grid)
    data = load(out)
    assert len(data) == 3 and (data["status"] == "failed").sum() == 1
    assert set(CORE_METRICS) <= set(data.columns)
    failed = data[data["status"] == "failed"]
    assert failed["relationship_value_total"].isna().all()
    assert data.loc[data["status"] == "ok", "relationship_value_total"].notna().all()
    assert list(data.columns[:6]) == [
        "team.hub.staff",
        "replication",
        "seed",
        "config_hash",
        "status",
        "error",
    ]


@pytest.mark.parametrize("scenario", ["baseline", "brand_attack_true", "hidden_fraud"])
def test_every_ok_row_holds_the_core_metrics(scenario) -> None:
    row = perform(RunSpec(scenario, 0, tuple(TINY))).row
    assert row["status"] == "ok", row.get("error")
    assert set(CORE_METRICS) <= set(row)


# ---------------------------------------------------------------- damaged folders
@pytest.mark.parametrize(
    ("manifest", "reason"),
    [
        ([1, 2, 3], "not a sweep manifest (JSON a list"),
        ({"scenario": "baseline", "run_ids": []}, "damaged sweep manifest; no fingerprint"),
        ({"fingerprint": "x", "run_ids": "abc"}, "run_ids is not a list"),
    ],
)
def test_a_damaged_manifest_is_one_line(folder, manifest, reason) -> None:
    path = folder / "sweep.json"
    path.write_text(json.dumps(manifest))
    with pytest.raises(sim.ConfigError) as excinfo:
        load(folder)
    one_line(excinfo, str(path), reason)
    with pytest.raises(sim.ConfigError) as excinfo:
        run_sweep(folder)
    one_line(excinfo, str(path), reason)


def test_runs_being_a_file_is_one_line(folder) -> None:
    shutil.rmtree(folder / "runs")
    (folder / "runs").write_text("not a folder")
    for attempt in (lambda: load(folder), lambda: run_sweep(folder)):
        with pytest.raises(sim.ConfigError) as excinfo:
            attempt()
        one_line(excinfo, str(folder / "runs"), "is a file; must be a folder")


def test_out_being_a_file_is_one_line(tmp_path, capsys) -> None:
    out = tmp_path / "results.txt"
    out.write_text("keep me")
    with pytest.raises(sim.ConfigError) as excinfo:
        run_sweep(out)
    one_line(excinfo, f"out={out}", "is a file; must be a folder")
    with pytest.raises(sim.ConfigError) as excinfo:
        load(out)
    one_line(excinfo, str(out), "is a file; must be a folder")
    args = ["sweep", "grid.team.hub.staff=[1]", f"out={out}", "jobs=1", *TINY]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "is a file; must be a folder" in err
    assert out.read_text() == "keep me"


def test_an_unwritable_folder_is_one_line(monkeypatch, tmp_path) -> None:
    out = tmp_path / "sweep"

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(sim.ConfigError) as excinfo:
        run_sweep(out)
    one_line(excinfo, f"out={out}", "cannot write there (Permission denied)")


def test_a_folder_denied_by_permissions_is_one_line(tmp_path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(sim.ConfigError) as excinfo:
            run_sweep(locked / "sweep")
        one_line(excinfo, "cannot write there")
    finally:
        locked.chmod(0o700)


def test_staffing_into_another_sweeps_folder_is_refused(folder, capsys) -> None:
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    with pytest.raises(sim.ConfigError) as excinfo:
        staffing_module.staffing(
            "baseline",
            staff=[1],
            targets={"first_response_p90_h": 24},
            replications=1,
            out=folder,
            overrides=TINY,
            jobs=1,
        )
    one_line(excinfo, f"out={folder}", "sweep")
    args = ["staff", "experiment=staffing_seasonal_peak", f"out={folder}", "jobs=1", *TINY]
    assert main([*args, "replications=1"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(folder) in err
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before


def test_a_sweep_inside_another_sweeps_folder_is_refused(folder) -> None:
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    for nested in (folder / "sweep", folder / "runs" / "deeper"):
        with pytest.raises(sim.ConfigError) as excinfo:
            run_sweep(nested, grid={"team.hub.staff": [3]})
        one_line(excinfo, f"out={nested}", f"inside the sweep folder {folder}")
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before


def test_a_corrupted_file_of_ours_is_an_error_to_load_and_rerun_on_resume(
    folder, reference
) -> None:
    victim = folder / "runs" / f"{run_ids(folder)[1]}.parquet"
    victim.write_bytes(b"PAR1 not really")
    with pytest.raises(sim.ConfigError) as excinfo:
        load(folder)
    one_line(excinfo, str(victim), "corrupted results file")
    assert Store(folder).finished() == {run_ids(folder)[0]}
    run_sweep(folder)
    assert pq.read_metadata(victim).num_rows == 1
    pd.testing.assert_frame_equal(stable(load(folder)), stable(load(reference)))
