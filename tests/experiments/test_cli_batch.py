"""The compare, sweep, staff and sensitivity commands end to end, and their bad input."""

from __future__ import annotations

import subprocess
import sys

from sim.cli import main


def hubspoke(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_compare_strategies_writes_the_comparison(tmp_path) -> None:
    out = tmp_path / "cmp"
    proc = hubspoke(
        "compare",
        "scenario=baseline",
        "strategies=[silence,enterprise]",
        "replications=3",
        "jobs=1",
        "population.size=1000",
        "days=10",
        f"hydra.run.dir={out}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "loyalty_mean_final" in proc.stdout and "enterprise" in proc.stdout
    for name in ("runs.parquet", "comparison.md", "comparison.json", "metrics_ci.png"):
        assert (out / name).exists()


def test_sweep_command_resumes_into_the_same_folder(tmp_path, capsys) -> None:
    """The first sweep in process (`sim.cli.main`), its resumption through the entry point:
    a fresh interpreter finds the finished runs on disk."""
    out = tmp_path / "grid"
    args = (
        "sweep",
        "experiment=grid_response_sla",
        f"out={out}",
        "jobs=1",
        "replications=1",
        "population.size=800",
        "days=5",
    )
    assert main(list(args)) == 0
    assert "12 runs (0 failed)" in capsys.readouterr().out
    finished = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    assert len(finished) == 12
    second = hubspoke(*args, cwd=tmp_path)
    assert second.returncode == 0 and "12 runs (0 failed)" in second.stdout
    # resumed: every finished run read back, none run again
    assert {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()} == finished
    assert (out / "points.csv").exists()


def test_bad_input_through_the_entry_point_is_one_line_and_exit_2(tmp_path) -> None:
    """One batch command's refusal through the real entry point; the table of them
    runs in process (tests/cli/test_bad_input.py), a second each instead of a
    fresh interpreter each."""
    args = ("staff", "experiment=staffing_seasonal_peak", "team.hub.staff=-1")
    proc = hubspoke(*args, cwd=tmp_path)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "team.hub.staff=-1" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
