"""Every class of bad input found by fuzzing: one line, exit 2, nothing written or lost.

In process (`sim.cli.main`) so the whole table runs in seconds; the subprocess
tests in test_cli.py cover the real entry point.
"""

from __future__ import annotations

import json
import os
import stat
import threading
import warnings
from pathlib import Path

import pytest

import sim
from sim.cli import COMMANDS, main, new_run_folder
from sim.config.inert import InertSettingWarning

TINY = ["population.size=300", "days=4", "output.plots=false"]

# (command line, a fragment the one line must contain)
REFUSED = [
    # results labelled with the wrong scenario or strategy
    (["run", "scenarios=brand_attack_false"], "chosen with scenario=brand_attack_false"),
    (["run", "~strategy=hub_and_spoke"], "deleting config entries is not supported"),
    # +key for unknown keys, repeated keys, unreadable overrides
    (["run", "+population.foo=1"], "population.foo=1: unknown config key"),
    (["run", "days=60", "days=abc"], "days=abc: not a valid value"),
    (["run", "=5"], "no key before '='"),
    (["run", "days = 5"], "no spaces around '='"),
    (["run", "days=é"], "goes in quotes"),
    (["run", "days=[1,"], "cannot read the value '[1,'"),
    (["run", "x" * 5000 + "=1"], "key of 5000 characters"),
    (["run", "days=range(1,3)"], "use `hubspoke run -m"),
    (["run", "population.segments=[1,2]"], "must be a mapping of named entries"),
    # silent acceptances
    (["run", "population.segments={}"], "an empty mapping changes nothing"),
    (["run", "posts.topics={}"], "an empty mapping changes nothing"),
    (["run", "hydra.run.dir="], "hydra.run.dir=: empty"),
    (["run", "hydra.job.name=x"], "hubspoke reads only hydra.run.dir"),
    (["list", "foo=1"], "unknown option for list"),
    # values in range that cannot finish or fit
    (["run", "days=100000000"], "days=100000000: out of range; must be between 1 and 3,650"),
    (["run", "population.size=2000000000"], "population.size=2000000000: out of range"),
    (["run", "events.seasons=[{start_day:1,days:2,multiplier:1e308}]"], "multiplier=1e+308"),
    (["run", "posts.incident_rate_per_day=1e300"], "posts a day"),
    (["run", "posts.question_rate_per_day=0.01", "days=365"], "a run fit in memory"),
    (["run", "population.size=1000", "population.reach=10"], "population.reach=10: smaller"),
    # seeds
    (["run", "seed=-1"], "seed=-1: out of range"),
    (["run", "seed=99999999999999999999"], "out of range"),
    (["compare", "strategies=[silence,hub_and_spoke]", "seed=-1", *TINY], "seed=-1"),
    (["sweep", "experiment=grid_response_sla", "seed=-1", "out=OUT"], "seed=-1"),
    (
        ["sweep", "experiment=grid_response_sla", f"seed={2**63 - 1}", "out=OUT"],
        "seed=9223372036854775807: out of range",
    ),
    # options
    (["compare", "strategies=[silence,hub_and_spoke]", "replications=x"], "not a valid int"),
    (["compare", "strategies=[silence,hub_and_spoke]", "jobs=0", *TINY], "jobs=0"),
    (
        ["compare", "strategies=[silence,hub_and_spoke]", "strategy=pr_spin", *TINY],
        "every arm sets strategy itself",
    ),
    (
        ["sweep", "grid.team.hub.staff=[1,2]", "team.hub.staff=3", "out=OUT"],
        "swept by the design",
    ),
    (["sweep", "grid.team.hub.staff=1", "out=OUT"], "must be a non-empty list"),
    (["run", "--cfg", "hydra"], "--cfg job"),
    (["run", "-m", "days=5"], "at least one key with several values"),
    (["run", "-m", "days=5,6", "seed=0,0"], "each seed once"),
    (["run", "-m", "days=5,6", "seed=0,x"], "seeds[1]='x': not an integer"),
    (["nonsense"], "unknown command 'nonsense'"),
    # refusals after the default folder was chosen leave no empty folder behind
    (["calibrate", "targets=published", "mode=check", "replications=1"], "replications=1"),
    (["validate", "scale=0"], "scale=0: out of range"),
    # every method of a spec is checked before the first runs
    (["sensitivity", "experiment=sensitivity_brand_attack", "sobol_n=33", "out=OUT"], "n=33"),
    # Hydra's folder key, where a command names its folder with out= (else ignored, silently)
    (["calibrate", "mode=check", "hydra.run.dir=OUT"], "names its results folder with out="),
    (["sweep", "experiment=grid_response_sla", "hydra.run.dir=OUT"], "use out="),
    (["staff", "hydra.run.dir=OUT"], "hubspoke staff names its results folder with out="),
    # the batch commands: unknown names, a spec of the wrong kind, a missing spec
    (["compare", "experiment=nope"], "experiment=nope: unknown experiment"),
    (["compare", "experiment=grid_response_sla"], "is a sweep spec, not compare"),
    (["compare", "strategies=[silence,bogus]"], "strategy=bogus: unknown strategy"),
    (["sweep", "experiment=brand_attack_false"], "is a compare spec, not sweep"),
    (["sweep"], "sweep needs experiment=NAME"),
    (["staff", "experiment=staffing_seasonal_peak", "team.hub.staff=-1"], "team.hub.staff=-1"),
    (["sensitivity", "experiment=sensitivity_brand_attack", "executor=spark"], "executor=spark"),
]


def _run(argv: list[str], tmp_path: Path, capsys) -> tuple[int, str, str]:
    argv = [a.replace("OUT", str(tmp_path / "out")) for a in argv]
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code = main(argv)
    finally:
        os.chdir(cwd)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("argv, fragment", REFUSED, ids=[" ".join(a)[:60] for a, _ in REFUSED])
def test_bad_input_is_one_line_and_exit_2(argv, fragment, tmp_path, capsys):
    code, _, err = _run(argv, tmp_path, capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("hubspoke: error: "), err
    assert fragment in lines[0]
    assert not (tmp_path / "outputs").exists() and not (tmp_path / "out").exists()


def test_parallel_runs_get_folders_of_their_own(tmp_path):
    os.chdir(tmp_path)
    made: list[Path] = []
    threads = [threading.Thread(target=lambda: made.append(new_run_folder(None))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(made)) == 8 and all(p.is_dir() for p in made)


def test_a_chosen_run_folder_that_holds_files_is_refused(tmp_path, capsys):
    keep = tmp_path / "r" / "summary.json"
    keep.parent.mkdir()
    keep.write_text("{}")
    code, _, err = _run(["run", *TINY, f"hydra.run.dir={keep.parent}"], tmp_path, capsys)
    assert code == 2 and "already holds files" in err
    assert keep.read_text() == "{}"


def test_output_files_follow_the_umask(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        code, _, _ = _run(["run", *TINY, f"hydra.run.dir={tmp_path / 'r'}"], tmp_path, capsys)
    finally:
        os.umask(old)
    assert code == 0
    mode = stat.S_IMODE((tmp_path / "r" / "summary.json").stat().st_mode)
    assert mode == 0o644


def test_inert_settings_warn_once_and_are_recorded(tmp_path, capsys):
    argv = ["run", *TINY, "strategy=silence", "team.hub.staff=4", f"hydra.run.dir={tmp_path / 'r'}"]
    code, _, err = _run(argv, tmp_path, capsys)
    assert code == 0
    assert err.count("hubspoke: warning: team.hub.staff: strategy silence") == 1
    provenance = json.loads((tmp_path / "r" / "provenance.json").read_text())
    assert any("team.hub.staff" in w for w in provenance["warnings"])
    assert {"git_commit", "git_dirty", "host", "created"} <= set(provenance)
    with pytest.warns(InertSettingWarning, match="no brand attack"):
        sim.load_config("baseline", ["strategy.crisis.stance=deny"])


def test_a_stance_under_a_preset_without_a_crisis_protocol_is_warned():
    """reactive_fifo never declares a crisis, so a stance or delay chosen for it does
    nothing (the same runs for deny and apologise): said, not silently accepted."""
    keys = ["strategy.crisis.stance=deny", "strategy.crisis.delay_hours=5"]
    with pytest.warns(InertSettingWarning, match="reactive_fifo has no crisis protocol") as got:
        sim.load_config("brand_attack_false", ["strategy=reactive_fifo", *keys])
    assert len(got) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error", InertSettingWarning)  # a preset with one: no warning
        sim.load_config("brand_attack_false", ["strategy=enterprise", *keys])
        sim.load_config(  # switching the protocol on makes them act
            "brand_attack_false",
            ["strategy=reactive_fifo", "strategy.crisis.protocol=true", *keys],
        )


def test_cfg_job_prints_the_resolved_config_and_runs_nothing(tmp_path, capsys):
    code, out, _ = _run(["run", "--cfg", "job", "strategy=silence", "days=7"], tmp_path, capsys)
    assert code == 0 and "days: 7" in out and "name: silence" in out
    assert not (tmp_path / "outputs").exists()


def test_cfg_job_with_multirun_prints_every_job_and_runs_nothing(tmp_path, capsys):
    argv = ["run", "--cfg", "job", "-m", "team.hub.staff=1,2", "seed=0,1", "days=7", "out=OUT"]
    code, out, _ = _run(argv, tmp_path, capsys)
    assert code == 0
    headers = [line for line in out.splitlines() if line.startswith("# job ")]
    assert headers == [
        f"# job {n} of 4: scenario=baseline days=7 team.hub.staff={staff} seed={seed}"
        for n, (staff, seed) in enumerate([(1, 0), (1, 1), (2, 0), (2, 1)], start=1)
    ]
    assert out.count("\ndays: 7\n") == 4 and out.count("\nseed: 1\n") == 2
    assert not (tmp_path / "outputs").exists() and not (tmp_path / "out").exists()
    code, _, err = _run(["run", "-m", "--cfg", "job", "team.hub.staff=1,-2"], tmp_path, capsys)
    assert code == 2 and "team.hub.staff=-2" in err and not (tmp_path / "outputs").exists()


@pytest.mark.parametrize("flag", ["--help", "-h"])
@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_takes_help(name, flag, capsys):
    assert main([name, flag]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"hubspoke {name}: ") and f"\nusage:\n  hubspoke {name}" in out


def test_help_per_subcommand_lists_options_and_keys(capsys):
    assert main(["sweep", "--help"]) == 0
    out = capsys.readouterr().out
    assert "grid.KEY=[a,b]" in out and "replications=" in out and "team.hub.staff" in out


def test_multirun_is_a_resumable_sweep_with_each_jobs_overrides(tmp_path, capsys):
    out = tmp_path / "multi"
    argv = ["run", "-m", "team.hub.staff=1,2", "seed=0,1", *TINY, f"out={out}"]
    code, _, _ = _run(argv, tmp_path, capsys)
    assert code == 0
    data = sim.experiments.load(out)
    assert len(data) == 4 and sorted(set(data["seed"])) == [0, 1]
    assert all("team.hub.staff=" in text for text in data["overrides"])
    for run_id, overrides in zip(data["run_id"], data["overrides"], strict=True):
        job = out / "jobs" / run_id  # each job in its own folder, its overrides recorded
        recorded = json.loads((job / "provenance.json").read_text())["overrides"]
        assert (job / "summary.json").exists() and " ".join(recorded) == overrides
    code, _, _ = _run(argv, tmp_path, capsys)  # the same command again: nothing to do
    assert code == 0 and len(sim.experiments.load(out)) == 4


def test_adhoc_grid_sweep(tmp_path, capsys):
    out = tmp_path / "grid"
    argv = ["sweep", "scenario=baseline", "grid.team.hub.staff=[1,2]", "replications=2"]
    code, _, _ = _run([*argv, *TINY, f"out={out}"], tmp_path, capsys)
    assert code == 0 and len(sim.experiments.load(out)) == 4


# ---------------------------------------------------------------- user files
SCENARIO = "# @package _global_\n# my scenario\ndays: 5\npopulation:\n  size: 300\n"


@pytest.mark.parametrize(
    "text, fragment",
    [
        (
            "# @package _global_\ndays: 5\npopulation:\n  sise: 300\n",
            "mine.yaml:4: population.sise",
        ),
        ("# @package _global_\ndays: abc\n", "mine.yaml:2: days=abc: not a valid value"),
        ("# @package _global_\ndays: -3\n", "mine.yaml:2: days=-3: out of range"),
        ("days: 5\n", "mine.yaml:1: a scenario file must begin with '# @package _global_'"),
        ("", "mine.yaml: empty"),
        ("# @package _global_\ndays: [1,\n", "mine.yaml:3: not valid YAML"),
        (b"# @package _global_\n# caf\xe9\ndays: 5\n", "mine.yaml:2: not UTF-8"),
    ],
)
def test_a_users_scenario_file_errors_name_file_and_line(text, fragment, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(sim.ConfigError) as caught:
        sim.load_config(str(path))
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def test_a_users_scenario_and_strategy_by_path_and_from_a_folder(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "strategy").mkdir()
    (tmp_path / "scenarios" / "mine.yaml").write_text(SCENARIO)
    (tmp_path / "strategy" / "quiet.yaml").write_text("name: quiet\nanswers: [complaint]\n")
    by_path = sim.load_config(str(tmp_path / "scenarios" / "mine.yaml"))
    assert by_path.days == 5 and by_path.population.size == 300
    assert by_path.scenario == str(tmp_path / "scenarios" / "mine.yaml")
    by_name = sim.load_config("mine", [f"search_path={tmp_path}", "strategy=quiet"])
    assert by_name.scenario == "mine" and by_name.strategy.name == "quiet"
    assert by_name.strategy.answers == ["complaint"]
    strategy_file = str(tmp_path / "strategy" / "quiet.yaml")
    assert sim.load_config("baseline", [f"strategy={strategy_file}"]).strategy.name == "quiet"
    (tmp_path / "scenarios" / "baseline.yaml").write_text(SCENARIO)
    with pytest.raises(sim.ConfigError, match="has the name of a built-in scenario"):
        sim.load_config("mine", [f"search_path={tmp_path}"])


def test_list_survives_a_file_that_is_not_utf8(tmp_path):
    from sim.config import catalog

    (tmp_path / "odd.yaml").write_bytes(b"# caf\xe9 scenario\ndays: 5\n")
    assert catalog.describe(tmp_path, "odd").startswith("caf")


# ---------------------------------------------------------------- Python API
API = [
    (lambda: sim.compare("baseline", ["silence", "hub_and_spoke"], replications="3"), "'3'"),
    (lambda: sim.compare("baseline", ["silence", "hub_and_spoke"], 3, seed=1.5), "seed=1.5"),
    (lambda: sim.compare("baseline", ["silence", "hub_and_spoke"], 3, jobs=0), "jobs=0"),
    (lambda: sim.compare("baseline", ["silence", "hub_and_spoke"], 3, seed=-1), "seed=-1"),
    (lambda: sim.run(sim.load_config(), seed=-1), "seed=-1"),
    (lambda: sim.staffing("baseline", [1, 2], {"churn_rate": "a"}), "targets.churn_rate='a'"),
    (lambda: sim.staffing("baseline", [-1], {"churn_rate": 1.0}), "staff[0]=-1"),
    (lambda: sim.sweep("baseline", grid={"days": [3]}, replications=0), "replications=0"),
    (lambda: sim.load_config("baseline", "days=3"), "must be a list"),
    (lambda: sim.load_config(3), "scenario=3"),
    (lambda: sim.calibrate(targets="published", replications=1), "replications=1"),
    # a mistyped metric is caught on a tiny probe run, before the batch runs
    (
        lambda: sim.compare("baseline", ["silence", "enterprise"], 2, metrics=["churn_rat"]),
        "metrics=churn_rat: not a summary metric; did you mean 'churn_rate'?",
    ),
    (
        lambda: sim.staffing("baseline", [1], {"first_response_p90": 1.0}, out="st"),
        "targets.first_response_p90=first_response_p90: not a summary metric",
    ),
]


@pytest.mark.parametrize("call, fragment", API, ids=[f for _, f in API])
def test_api_bad_calls_raise_config_error(call, fragment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(sim.ConfigError) as caught:
            call()
    assert fragment in str(caught.value) and "\n" not in str(caught.value)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (lambda c: setattr(c.team.hub, "staff", -1), "team.hub.staff=-1: out of range"),
        (lambda c: setattr(c, "days", "abc"), "days=abc"),
        (lambda c: setattr(c.posts, "addressed_share", 1.7), "posts.addressed_share=1.7"),
        # a value that cannot even be pickled (what the re-check compares): one line too
        (lambda c: setattr(c, "days", lambda: 1), "days=<function"),
    ],
)
def test_run_rechecks_a_config_edited_in_python(edit, fragment):
    config = sim.load_config("baseline", TINY)
    edit(config)
    with pytest.raises(sim.ConfigError, match=fragment.replace(".", r"\.")):
        sim.run(config)
