"""Invariants that must hold on every day of every run."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import catalog
from sim.engine.population import LAPSED

SMALL40 = ("population.size=2000", "days=40", "output.plots=false")
RUNS = {
    "baseline": ("baseline", ("population.size=2000", "days=40", "output.plots=false"), 0),
    "attack": ("brand_attack_false", ("population.size=2000", "days=40", "output.plots=false"), 1),
    "attack_enterprise": (
        "brand_attack_false",
        ("population.size=2000", "days=40", "output.plots=false", "strategy=enterprise"),
        2,
    ),
    "baseline_enterprise": (
        "baseline",
        ("population.size=2000", "days=40", "output.plots=false", "strategy=enterprise"),
        3,
    ),
    "silence": (
        "baseline",
        ("population.size=2000", "days=40", "output.plots=false", "strategy=silence"),
        4,
    ),
}
# every named scenario, at a small size, under its default strategy
for _name in catalog.scenario_names():
    RUNS.setdefault(f"scenario_{_name}", (_name, SMALL40, 5))
COSTS = (
    "wages_hub",
    "wages_spokes",
    "tools",
    "content",
    "outreach",
    "compensation",
    "root_cause_fixes",
)
STATES = ("prospects", "customers", "lapsed", "competitor")
FLOWS = (
    "churned",
    "defected",
    "converted",
    "won_back",
    "won_back_competitor",
    "entered",
    "left_lapsed",
    "left_competitor",
    "leads_closed",
)


def _simulated(model, counts):
    """The brand's people counts as simulated people: over the scale, and whole numbers."""
    people = counts / model.scale
    whole = np.round(people)
    np.testing.assert_allclose(people, whole, rtol=0, atol=1e-6)
    return whole.astype(np.int64)


@pytest.fixture(scope="module", params=sorted(RUNS))
def run(request, simulate):
    scenario, overrides, seed = RUNS[request.param]
    return simulate(scenario, overrides, seed)


def test_one_row_per_day(run):
    model, result = run
    assert model.config.scenario in catalog.scenario_names()
    assert model.config.description
    daily = result.daily
    assert len(daily) == model.config.days == len(model.rows)
    assert daily["day"].tolist() == list(range(1, model.config.days + 1))


def test_everyone_is_in_one_state(run):
    model, result = run
    d = _simulated(model, result.daily[list(STATES)])
    size = model.config.population.size
    assert (d[list(STATES)].sum(axis=1) == size).all()
    assert (d[list(STATES)] >= 0).all().all()


def _change(d, column: str, start: int) -> np.ndarray:
    return np.diff(np.concatenate([[start], d[column].to_numpy()]))


def test_people_flows_balance(run):
    """Every day, each state's change is its inflows minus its outflows, entry and exit included.

    customers: + converted (prospects, lapsed and competitor's won back) + leads closed
               - churned (hazard and defection to a competitor)
    lapsed:    + churned by hazard - won back - left the reach
    competitor:+ defected - won back from the competitor - left the reach
    prospects: the rest (newcomers replace those who leave; the reach's size is fixed)
    """
    model, result = run
    d = _simulated(model, result.daily[[*STATES, *FLOWS]])
    pop = model.population
    start = pop.customers_at_start
    np.testing.assert_array_equal(
        _change(d, "customers", start), d["converted"] + d["leads_closed"] - d["churned"]
    )
    np.testing.assert_array_equal(
        _change(d, "lapsed", int((pop.initial_state == LAPSED).sum())),
        d["churned"] - d["defected"] - d["won_back"] - d["left_lapsed"],
    )
    np.testing.assert_array_equal(
        _change(d, "competitor", 0),
        d["defected"] - d["won_back_competitor"] - d["left_competitor"],
    )
    assert (d["entered"] >= d["left_lapsed"] + d["left_competitor"]).all()
    summary = _simulated(
        model,
        np.array(
            [result.summary[k] for k in ("customers_start", "entered_total", "defected_total")]
        ),
    )
    assert summary[0] == start
    assert summary[1] == d["entered"].sum() == pop.entered_total
    assert summary[2] == d["defected"].sum() == pop.defected_total


def test_loyalty_stays_within_unit_interval(run):
    model, result = run
    loyalty = model.population.loyalty
    assert ((loyalty >= 0.0) & (loyalty <= 1.0)).all()
    d = result.daily
    for column in ("loyalty_mean", "loyalty_p10", "loyalty_p50", "loyalty_p90"):
        assert d[column].between(0.0, 1.0).all(), column
    assert (d["loyalty_p10"] <= d["loyalty_p50"]).all()
    assert (d["loyalty_p50"] <= d["loyalty_p90"]).all()
    assert d["nps_like"].between(-1.0, 1.0).all()


@pytest.mark.parametrize(
    "scenario", ["baseline", "brand_attack_true", "product_defect", "influencer_outreach"]
)
def test_every_days_loyalty_is_in_the_unit_interval_and_never_minus_zero(scenario, monkeypatch):
    """What the day's drift relies on: listed or not, everyone's loyalty is in [0, 1] and
    not -0 when the few exposed are shifted (Population.drift), so that shifting only those
    few is shifting everyone by what they saw (x + 0.0, kept within [0, 1], is x)."""
    import sim
    from sim.engine.model import HubspokeModel
    from sim.engine.population import Population

    checked = []
    drift = Population.drift

    def checking_drift(self, people=None, shifts=None):
        loyalty = self.loyalty
        assert ((loyalty >= 0.0) & (loyalty <= 1.0)).all()
        assert not np.signbit(loyalty).any()
        checked.append(1)
        drift(self, people, shifts)

    monkeypatch.setattr(Population, "drift", checking_drift)
    cfg = sim.load_config(scenario, ["population.size=3000", "days=60"])
    model = HubspokeModel(cfg, 2)
    model.run()
    assert len(checked) == 60
    assert not np.signbit(model.population.loyalty).any()


def test_backlogs_are_never_negative(run):
    _, result = run
    d = result.daily
    assert (d["backlog"] >= 0).all()
    assert (d["spoke_backlog"] >= 0).all()
    assert result.summary["backlog_final"] >= 0


def test_money_adds_up(run):
    model, result = run
    cfg = model.config
    d, s = result.daily, result.summary
    assert np.isclose(d["revenue"] - d["cost_to_serve"], d["relationship_value"]).all()
    assert np.isclose(d[list(COSTS)].sum(axis=1), d["cost_to_serve"]).all()
    assert (d[list(COSTS)] >= 0).all().all()
    assert (d["revenue"] > 0).all()
    assert np.isclose(s["revenue_total"], d["revenue"].sum())
    assert np.isclose(s["cost_to_serve_total"], d["cost_to_serve"].sum())
    assert np.isclose(s["revenue_total"] - s["cost_to_serve_total"], s["relationship_value_total"])
    assert np.isclose(s["relationship_value_total"], d["relationship_value"].sum())
    assert np.isclose(s["root_cause_fix_cost_total"], d["root_cause_fixes"].sum())
    assert np.isclose(
        s["root_cause_fix_cost_total"],
        d["root_cause_fix_count"].sum() * cfg.team.root_cause_fix_cost,
    )
    # the horizon value is the discounted window plus the discounted tail
    i = (1.0 + cfg.annual_discount_rate) ** (1.0 / 365.0) - 1.0
    days = np.arange(1, len(d) + 1)
    window = float(((d["revenue"] - d["cost_to_serve"]) * (1.0 + i) ** -days).sum())
    assert np.isclose(s["relationship_value_window_discounted"], window)
    tail = s["customer_equity_final"] * (1.0 + i) ** -len(d)
    assert np.isclose(s["relationship_value_horizon"], window + tail)


def test_churn_totals_match(run):
    model, result = run
    churned = _simulated(model, result.daily["churned"]).sum()
    total = _simulated(model, np.array([result.summary["churned_total"]]))[0]
    assert total == churned == model.population.churned_total
    assert np.isclose(result.summary["churn_rate"], churned / model.population.customers_at_start)


def test_shares_are_shares(run):
    _, result = run
    s, d = result.summary, result.daily
    for key in ("unanswered_share", "sla_attainment", "negative_share", "attack_reach"):
        assert 0.0 <= s[key] <= 1.0, key
    for column in ("answered_within_sla", "negative_share", "attack_aware_share"):
        values = d[column].dropna()
        assert values.between(0.0, 1.0).all(), column
    assert (np.diff(d["attack_aware_share"]) >= 0).all()  # awareness never goes away


def test_post_counts_add_up(run):
    model, result = run
    d = result.daily
    kinds = [c for c in d.columns if c.startswith("posts_")]
    assert (d[kinds] >= 0).all().all()
    assert d[kinds].to_numpy().sum() == result.summary["posts_total"] == len(model.posts)
    created = model.posts.created
    assert ((created >= 0) & (created < 24.0 * model.config.days)).all()


def test_response_times_are_positive(run):
    model, _ = run
    p = model.posts
    answered = ~np.isnan(p.first_response)
    assert (p.first_response[answered] > p.created[answered]).all()


def test_attacks_happen_where_configured(run):
    model, result = run
    if model.config.attack.enabled and model.config.attack.start_day < model.config.days:
        assert result.summary["attack_reach"] > 0
        assert result.daily["posts_attack"].sum() > 0
    else:
        assert result.summary["attack_reach"] == 0


def test_each_persons_base_hazard_and_margin_follow_their_segment(run):
    """The churn step and the revenue read a kept per-person base hazard and margin;
    turnover renews them with the segment, so after a run they still equal the segment's
    for everyone."""
    model, result = run
    pop = model.population
    assert int(result.daily["entered"].sum()) > 0  # newcomers took slots
    np.testing.assert_array_equal(pop.base_hazard, pop.hazard_by_segment[pop.segment])
    np.testing.assert_array_equal(pop.daily_margin, pop.margin_by_segment[pop.segment])
