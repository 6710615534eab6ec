"""hubspoke import-log: a synthetic log's known rates come back within their sampling error;
bad files get one line; the scenario written runs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim.cli import main
from sim.experiments.calibration import load_targets
from sim.imports import import_log
from sim.imports.post_log import estimate
from sim.imports.synthetic import SyntheticLog, synthetic_log

TRUTH = SyntheticLog()
ZONE = "Europe/Amsterdam"
LABELS = {"sales lead": "lead"}
TOPIC_LABELS = {"Payments": "billing"}  # the synthetic log's own label for billing


@pytest.fixture(scope="module")
def log():
    return synthetic_log(TRUTH, seed=3)


@pytest.fixture(scope="module")
def fit(log):
    return estimate(log, ZONE, LABELS, topic_map=TOPIC_LABELS)


def _tagged_rate(kind: str) -> float:
    share = TRUTH.tagged_share if kind in ("complaint", "praise") else 1.0
    return TRUTH.per_day[kind] * share


@pytest.mark.parametrize("kind", ["complaint", "question", "praise", "lead"])
def test_volume_by_kind_is_recovered(fit, kind):
    truth = _tagged_rate(kind)
    se = math.sqrt(truth * fit.days) / fit.days  # a Poisson count over the days
    assert abs(fit.inbound_per_day[kind] - truth) < 4 * se, (kind, fit.inbound_per_day[kind])


def test_rhythm_is_recovered(fit):
    weekly = np.asarray(TRUTH.weekly) / np.mean(TRUTH.weekly)
    total = sum(_tagged_rate(k) for k in TRUTH.per_day) * fit.days
    # each weekday's relative volume: a count of about total/7 posts, relative se 1/sqrt(count)
    se = weekly / np.sqrt(total / 7)
    assert (np.abs(np.asarray(fit.weekly) - weekly) < 4 * se).all(), fit.weekly
    hourly = np.asarray(TRUTH.hourly) / np.sum(TRUTH.hourly)
    se = np.sqrt(hourly * (1 - hourly) / total)  # a share of `total` posts
    assert (np.abs(np.asarray(fit.hourly) - hourly) < 4 * se + 1e-5).all(), fit.hourly


def test_handling_tagging_and_service_are_recovered(fit, log):
    kinds = log["kind"].str.lower().replace(LABELS)
    for kind, mean in TRUTH.handle_minutes.items():
        n = int((kinds == kind).sum())
        assert abs(fit.handle_minutes[kind] - mean) < 4 * mean / math.sqrt(n) + 0.01
    n = int(kinds.isin(["complaint", "praise"]).sum())
    p = TRUTH.tagged_share
    assert abs(fit.addressed_share - p) < 4 * math.sqrt(p * (1 - p) / n)
    # the reply share of the tagged posts, weighted by their kinds' tagged volumes
    weights = {k: _tagged_rate(k) for k in TRUTH.per_day}
    replied = sum(TRUTH.reply_share[k] * w for k, w in weights.items()) / sum(weights.values())
    assert (
        abs(fit.service["unanswered_share"] - (1 - replied))
        < 4 * fit.service_se["unanswered_share"] + 0.01
    )  # + the kinds' mix drawn by Poisson
    median = TRUTH.response_mean_hours * math.log(2)  # of an exponential wait
    assert (
        abs(math.log(fit.service["first_response_median_h"] / median))
        < 4 * fit.service_se["first_response_median_h"]
    )


def test_a_wrong_truth_fails_the_same_checks(fit, log):
    """The tolerances are not wide enough to pass anything: a 15 % error is caught."""
    truth = _tagged_rate("complaint") * 1.15
    se = math.sqrt(truth * fit.days) / fit.days
    assert abs(fit.inbound_per_day["complaint"] - truth) > 4 * se
    share = TRUTH.topic_share["service"] * 1.15
    assert abs(fit.topic_share["service"] - share) > 4 * _topic_se(log, share)


def _topic_se(log, share: float) -> float:
    """A binomial share's standard error over the log's complaints."""
    n = int((log["kind"] == TRUTH.labels["complaint"]).sum())
    return math.sqrt(share * (1 - share) / n)


def test_the_complaints_topics_are_recovered(fit, log):
    assert set(fit.topic_share) == set(TRUTH.topic_share)
    for name, share in TRUTH.topic_share.items():
        assert abs(fit.topic_share[name] - share) < 4 * _topic_se(log, share), name
        # (the share is written rounded to four places)
        assert fit.topic_se[name] == pytest.approx(_topic_se(log, fit.topic_share[name]), rel=1e-3)


def test_the_written_scenario_runs_at_the_logged_volume(log, tmp_path):
    path = tmp_path / "log.csv"
    log.to_csv(path, index=False)
    out = tmp_path / "scenarios" / "brand.yaml"
    code = main(
        ["import-log", f"path={path}", f"out={out}", f"timezone={ZONE}", "kind_map.sales_lead=lead",
         "topic_map.Payments=billing"]
    )  # fmt: skip
    assert code == 0
    for suffix in (".fit.md", ".heatmap.png", ".by_hour_of_week.csv", ".targets.yaml"):
        assert (tmp_path / "scenarios" / f"brand{suffix}").is_file(), suffix
    written = yaml.safe_load(out.read_text())
    assert set(written["demand"]["inbound_per_day"]) == {"complaint", "question", "praise", "lead"}
    table = pd.read_csv(tmp_path / "scenarios" / "brand.by_hour_of_week.csv")
    assert len(table) == 168 and table["posts"].sum() > 0
    targets = load_targets(str(out.with_suffix(".targets.yaml")))
    assert {t.metric for t in targets.targets} >= {"unanswered_share", "first_response_median_h"}
    days = 14
    result = sim.run(sim.load_config(str(out), [f"days={days}", "output.plots=false"]), 1)
    # the complaints' topics are the topics' weights; their departments are the baseline's
    config = sim.load_config(str(out))
    for name, share in written["posts"]["topics"].items():
        assert config.posts.topics[name].weight == share["weight"]
    assert config.posts.topics["billing"].department == "billing"
    expected = sum(written["demand"]["inbound_per_day"].values()) * days
    inbound = result.summary["inbound_total"]
    assert abs(inbound - expected) < 4 * math.sqrt(expected), (inbound, expected)


def test_a_parquet_log_with_timestamps_gives_the_same_fit(log, fit, tmp_path):
    frame = log.copy()
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True).dt.tz_convert(ZONE)
    frame["first_response_at"] = pd.to_datetime(
        frame["first_response_at"].replace("", None), utc=True
    ).dt.tz_convert(ZONE)
    path = tmp_path / "log.parquet"
    frame.to_parquet(path)
    again = import_log(path, tmp_path / "brand.yaml", ZONE, LABELS, topic_map=TOPIC_LABELS)
    assert again.inbound_per_day == fit.inbound_per_day
    assert again.weekly == fit.weekly


# ------------------------------------------------------------------ bad input
def _write(tmp_path, text: str, name: str = "log.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _days(count: int) -> str:
    """A log of one complaint a day at 10:00 for `count` days from Monday 2 March."""
    return "created_at,kind\n" + "".join(
        f"2026-03-{d:02d}T10:00:00+01:00,complaint\n" for d in range(2, 2 + count)
    )


GOOD = _days(10)


@pytest.mark.parametrize(
    ("text", "extra", "message"),
    [
        ("", [], "the file is empty"),
        ("created_at,kind\n", [], "no rows"),
        ("when,kind\n2026-03-02T10:00:00+01:00,complaint\n", [], "no created_at column"),
        (GOOD + "yesterday,complaint\n", [], "row 11 ('yesterday') is not a time"),
        (GOOD.replace("+01:00", "", 1), [], "row 1 ('2026-03-02T10:00:00') has no UTC offset"),
        (GOOD.replace("+01:00", "+02:00", 1), [], "mixed UTC offsets"),
        (_days(6), [], "covers 6 day(s); at least 7 are needed"),
        ("created_at,kind\n2026-03-02T10:00:00+01:00,complaint\n", [], "covers 1 day"),
        (GOOD.replace(",complaint\n", ",billing\n"), [], "label 'billing' (10 rows, first row 1)"),
        (GOOD, ["kind_map.complaint=angry"], "kind_map.complaint=angry: not a kind"),
        (GOOD.replace(",kind", ",type"), [], "no kind column; give kind=NAME"),
        (GOOD, ["timezone=Nowhere/City"], "timezone=Nowhere/City: unknown"),
        (
            GOOD.replace("kind\n", "kind,topic\n").replace("complaint\n", "complaint,Shipping\n"),
            [],
            "topic: label 'shipping' (10 rows, first row 1) is not a topic; map it with "
            "topic_map.shipping=TOPIC",
        ),
        (GOOD, ["topic_map.Shipping=logistics"], "topic_map.Shipping=logistics: not a topic"),
        (GOOD, ["topic_map.Shipping=service"], "topic_map.Shipping: the log has no topic"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, text, extra, message):
    path = _write(tmp_path, text)
    out = tmp_path / "out" / "brand.yaml"
    code = main(["import-log", f"path={path}", f"out={out}", *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err, err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_week_is_enough(tmp_path):
    """The boundary: seven days are estimated, six (above) are refused."""
    fit = import_log(_write(tmp_path, _days(7)), tmp_path / "brand.yaml")
    assert fit.days == 7
    assert fit.inbound_per_day == {"complaint": 1.0}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["path=missing.csv"], "path=missing.csv: no such file"),
        (["path=LOG", "out=brand.txt"], "end it in .yaml"),
        (["path=LOG.json"], "not a .csv or .parquet file"),
        (["path=LOG", "out=brand.yaml", "strategy=silence"], "unknown option for import-log"),
    ],
)
def test_bad_paths_and_options_are_one_line(tmp_path, capsys, arguments, message):
    log = _write(tmp_path, GOOD)
    json = _write(tmp_path, "{}", "log.json")
    args = [
        a.replace("LOG.json", str(json))
        .replace("LOG", str(log))
        .replace("brand", str(tmp_path / "brand"))
        for a in arguments
    ]
    if not any(a.startswith("out=") for a in args):
        args.append(f"out={tmp_path / 'brand.yaml'}")
    code = main(["import-log", *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err, err


def test_a_reply_before_its_post_names_the_row(tmp_path, capsys):
    text = "created_at,kind,first_response_at\n" + "".join(
        f"2026-03-{d:02d}T10:00:00+01:00,question,2026-03-{d:02d}T11:00:00+01:00\n"
        for d in range(2, 12)
    )
    path = _write(tmp_path, text.replace("T11:00:00+01:00\n", "T09:00:00+01:00\n", 1))
    code = main(["import-log", f"path={path}", f"out={tmp_path / 'b.yaml'}"])
    assert code == 2
    assert "first_response_at: row 1 is before its created_at" in capsys.readouterr().err


def test_two_years_give_the_yearly_pattern_and_less_says_so(fit):
    assert fit.monthly is None
    assert any("yearly seasonality" in item for item in fit.not_estimated)
    # two years of one post a day, doubled in December: December stands out
    days = pd.date_range("2024-01-01", "2025-12-31", freq="D")
    times = [f"{d:%Y-%m-%d}T12:00:00+00:00" for d in days for _ in range(2 if d.month == 12 else 1)]
    long = estimate(pd.DataFrame({"created_at": times}), kind="question")
    assert long.not_estimated == []
    # eleven months at 1 and December at 2: relative to their mean (13/12)
    assert long.monthly[11] == pytest.approx(2 * 12 / 13, rel=1e-3)
    assert long.monthly[0] == pytest.approx(12 / 13, rel=1e-3)
