"""The `hubspoke` command end to end, in subprocesses (started together to save time)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from support import POST_COLUMNS

from sim.cli import main
from sim.config import catalog
from sim.report.plots import PLOT_FILES

PLOTS = PLOT_FILES
FILES = ("config.yaml", "daily.parquet", "summary.json", "provenance.json", "report.html")

FAST = ("population.size=2000", "days=20")
HUBSPOKE = Path(sys.executable).parent / "hubspoke"

BAD = {
    "unknown_key": ["team.hub.staf=2"],
    "negative_staff": ["team.hub.staff=-1"],
    "share_above_one": ["posts.addressed_share=1.7"],
    "not_a_number": ["team.hub.staff=abc"],
    "unknown_scenario": ["scenario=nope"],
    "unknown_strategy": ["strategy=nope"],
}
# run through the real entry point as well (every case runs in process below)
BAD_IN_SUBPROCESS = ("unknown_key", "share_above_one", "unknown_scenario")


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str
    cwd: Path
    run_dir: Path | None


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """Start every command at once, then wait for all of them."""
    base = tmp_path_factory.mktemp("cli")
    jobs: dict[str, tuple[list[str], Path, Path | None]] = {}
    main_cwd = base / "main"
    jobs["main"] = (["run", *FAST, "seed=3", "output.posts=true"], main_cwd, None)
    for name in ("same_a", "same_b"):
        run_dir = base / name / "out"
        jobs[name] = (
            ["run", *FAST, "seed=4", "output.plots=false", f"hydra.run.dir={run_dir}"],
            base / name,
            run_dir,
        )
    for name in BAD_IN_SUBPROCESS:
        args = BAD[name]
        run_dir = base / name / "out"
        jobs[name] = (["run", *args, f"hydra.run.dir={run_dir}"], base / name, run_dir)
    procs = {}
    for name, (args, cwd, _) in jobs.items():
        cwd.mkdir(parents=True, exist_ok=True)
        procs[name] = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    list_cwd = base / "list"
    list_cwd.mkdir()
    procs["list"] = subprocess.Popen(
        [str(HUBSPOKE), "list"],
        cwd=list_cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    jobs["list"] = (["list"], list_cwd, None)
    done = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        _, cwd, run_dir = jobs[name]
        done[name] = Done(proc.returncode, out, err, cwd, run_dir)
    return done


def _run_dir_of(result: Done) -> Path:
    """The default run folder: outputs/DATE/TIME under the working directory."""
    folders = [p for p in (result.cwd / "outputs").glob("*/*") if p.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


def test_run_succeeds_and_prints_headline(cli):
    result = cli["main"]
    assert result.returncode == 0, result.stderr
    assert (
        "scenario=baseline strategy=hub_and_spoke stance=none (no crisis protocol) seed=3"
        in result.stdout
    )
    assert "% of the starting customers lost" in result.stdout  # churn_rate, read
    assert "over the 20 days" in result.stdout and "$" in result.stdout
    assert str(_run_dir_of(result)) in result.stdout or "results:" in result.stdout


def test_run_writes_every_file_in_the_default_folder(cli):
    run_dir = _run_dir_of(cli["main"])
    assert run_dir.relative_to(cli["main"].cwd).parts[0] == "outputs"
    for name in (*FILES, *PLOTS, "posts.parquet"):
        path = run_dir / name
        assert path.is_file(), name
        assert path.stat().st_size > 0, name
    for name in PLOTS:
        assert (run_dir / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(run_dir.glob("*.tmp"))
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["population_size"] == 2000
    assert summary["days"] == 20
    daily = pd.read_parquet(run_dir / "daily.parquet")
    assert len(daily) == 20
    provenance = json.loads((run_dir / "provenance.json").read_text())
    assert provenance["seed"] == 3
    assert provenance["strategy"] == "hub_and_spoke"
    assert "seed: 3" in (run_dir / "config.yaml").read_text()


def test_posts_parquet_has_one_row_per_post(cli):
    run_dir = _run_dir_of(cli["main"])
    posts = pd.read_parquet(run_dir / "posts.parquet")
    summary = json.loads((run_dir / "summary.json").read_text())
    assert len(posts) == summary["posts_total"] > 0
    for column in POST_COLUMNS:
        assert column in posts.columns, column
    daily = pd.read_parquet(run_dir / "daily.parquet")
    kinds = [c for c in daily.columns if c.startswith("posts_")]
    assert len(posts) == daily[kinds].to_numpy().sum()
    counts = posts["kind"].astype(str).value_counts()
    for column in kinds:
        assert counts.get(column.removeprefix("posts_"), 0) == daily[column].sum()
    assert posts["created_h"].between(0, 24 * 20).all()


def test_same_seed_gives_byte_identical_summary(cli):
    a, b = cli["same_a"], cli["same_b"]
    assert a.returncode == 0, a.stderr
    assert b.returncode == 0, b.stderr
    assert (a.run_dir / "summary.json").read_bytes() == (b.run_dir / "summary.json").read_bytes()
    daily_a = pd.read_parquet(a.run_dir / "daily.parquet")
    daily_b = pd.read_parquet(b.run_dir / "daily.parquet")
    pd.testing.assert_frame_equal(daily_a, daily_b, check_exact=True)


def test_no_plots_and_no_post_log_unless_asked(cli):
    run_dir = cli["same_a"].run_dir
    assert {p.name for p in run_dir.iterdir()} == set(FILES)


def test_list_prints_every_scenario_and_strategy(cli):
    result = cli["list"]
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    scenarios = {line.split()[1] for line in lines if line.startswith("scenario")}
    strategies = {line.split()[1] for line in lines if line.startswith("strategy")}
    assert scenarios == set(catalog.scenario_names())
    assert strategies == set(catalog.strategy_names())
    assert {"baseline", "brand_attack_false"} <= scenarios
    assert {"silence", "hub_and_spoke", "enterprise"} <= strategies


@pytest.mark.parametrize("case", BAD_IN_SUBPROCESS)
def test_bad_input_exits_2_with_one_line(cli, case):
    result = cli[case]
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].strip()
    assert "Traceback" not in result.stderr
    assert not (result.run_dir / "summary.json").exists()
    assert not list(result.cwd.rglob("summary.json"))
    # the message names what was wrong
    wrong = BAD[case][0].split("=")[-1]
    assert wrong in lines[0]


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_exits_2_with_one_line_in_process(case, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_dir = tmp_path / "out"
    assert main(["run", *BAD[case], f"hydra.run.dir={run_dir}"]) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert BAD[case][0].split("=")[-1] in lines[0]
    assert not list(tmp_path.rglob("summary.json"))


# ------------------------------------------------------------------ in process
def test_help_and_usage(capsys):
    assert main(["--help"]) == 0
    assert "usage: hubspoke run" in capsys.readouterr().out
    assert main([]) == 2


@pytest.mark.parametrize("args", [["fly"], ["run", "fast"], ["run", "posts.addressed_share=lots"]])
def test_usage_errors_in_process(capsys, tmp_path, args):
    assert main([*args, f"hydra.run.dir={tmp_path / 'out'}"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert args[-1].split("=")[-1] in err
    assert not (tmp_path / "out").exists()


def test_more_initial_spreaders_than_people_does_not_crash(tmp_path, capsys):
    code = main(
        [
            "run",
            "scenario=brand_attack_false",
            "population.size=200",
            "days=22",
            "attack.origin=random",
            "attack.initial_spreaders=500",
            "output.plots=false",
            f"hydra.run.dir={tmp_path / 'out'}",
        ]
    )
    captured = capsys.readouterr()
    assert code in (0, 2)
    if code == 2:
        assert len(captured.err.splitlines()) == 1
        assert not (tmp_path / "out" / "summary.json").exists()
    else:
        assert (tmp_path / "out" / "summary.json").exists()


def _strict_json(path: Path) -> dict:
    def refuse(constant):
        raise ValueError(f"non-standard JSON constant {constant}")

    return json.loads(path.read_text(), parse_constant=refuse)


def test_zero_discount_and_no_churn_does_not_crash(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["run", "annual_discount_rate=0", "population.size=50", "days=2", "output.plots=false"]
    code = main([*args, f"hydra.run.dir={out}"])
    capsys.readouterr()
    assert code == 0
    _strict_json(out / "summary.json")


def test_infinite_wage_is_refused_or_summary_stays_strict_json(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["run", "team.hub.wage_per_hour=inf", "population.size=300", "days=2"]
    code = main([*args, "output.plots=false", f"hydra.run.dir={out}"])
    err = capsys.readouterr().err
    assert code in (0, 2)
    if code == 2:
        assert len(err.splitlines()) == 1
        assert not (out / "summary.json").exists()
    else:
        _strict_json(out / "summary.json")
