"""sim.engine.strategy.Rules: which posts the hub takes up and in what order."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.schema import Strategy
from sim.engine.posts import (
    ATTACK,
    COMPLAINT,
    KIND,
    LEAD,
    MENTION,
    PRAISE,
    QUESTION,
    SEVERITY,
    SLA_FACTOR,
)
from sim.engine.strategy import Rules


def test_takes_up_answered_kinds_it_sees():
    rules = Rules(Strategy(answers=["complaint", "mention"], listening=0.3))
    kind = np.array([COMPLAINT, COMPLAINT, MENTION, MENTION, QUESTION, PRAISE])
    addressed = np.array([True, False, False, False, True, True])
    listen_u = np.array([0.9, 0.1, 0.2, 0.5, 0.0, 0.0])
    taken = rules.takes_up(kind, addressed, listen_u)
    # tagged complaint; mention found by listening (0.2 < 0.3); not: mention missed by
    # listening, a question and praise (not answered)
    assert taken.tolist()[0] and taken.tolist()[2]
    assert taken.tolist()[3:] == [False, False, False]


def test_takes_up_is_what_it_sees_among_answered_kinds():
    rng = np.random.default_rng(0)
    rules = Rules(Strategy(answers=list(KIND), listening=0.4))
    kind = rng.integers(0, len(KIND), 500)
    addressed = rng.random(500) < 0.5
    listen_u = rng.random(500)
    taken = rules.takes_up(kind, addressed, listen_u)
    seen = [rules.sees(bool(a), float(u)) for a, u in zip(addressed, listen_u, strict=True)]
    assert taken.tolist() == seen


def test_no_listening_sees_only_tagged_posts():
    rules = Rules(Strategy(answers=list(KIND), listening=0.0))
    kind = np.full(4, MENTION)
    taken = rules.takes_up(kind, np.array([True, False, False, False]), np.array([0, 0, 0.5, 1.0]))
    assert taken.tolist() == [True, False, False, False]


def test_staffing_follows_answers_and_routing():
    assert not Rules(Strategy(answers=[])).staffs_hub
    assert not Rules(Strategy(answers=[])).staffs_spokes
    assert Rules(Strategy(answers=["complaint"], routing="hub_only")).staffs_hub
    assert not Rules(Strategy(answers=["complaint"], routing="hub_only")).staffs_spokes
    assert Rules(Strategy(answers=["complaint"], routing="hub_and_spoke")).staffs_spokes
    assert not Rules(Strategy(answers=["complaint"], routing="pr_only")).staffs_spokes


POSTS = [
    # created, kind, followers, negativity, churn risk, id
    (1.0, PRAISE, 5000, 0.0, 0.001, 0),
    (2.0, COMPLAINT, 10, 0.7, 0.010, 1),
    (3.0, ATTACK, 300, 1.0, 0.000, 2),
    (4.0, LEAD, 50, 0.0, 0.050, 3),
    (5.0, QUESTION, 20, 0.1, 0.020, 4),
]


def _key(rules: Rules, created, kind, followers, negativity, churn_risk, post) -> tuple:
    """One post's place in the queue's line: `priority_order`, then the post (the queue's
    own tie-break, sim/engine/queueing.py)."""
    primary, secondary = rules.priority_order(
        *(np.array([value]) for value in (created, kind, followers, negativity, churn_risk))
    )
    return (float(primary[0]), float(secondary[0]), post)


def _order(priority: str, sla: float = 1.0) -> list[int]:
    rules = Rules(Strategy(priority=priority, sla_hours=sla))
    keys = {post[-1]: _key(rules, *post) for post in POSTS}
    return sorted(keys, key=keys.__getitem__)


def test_fifo_is_arrival_order():
    assert _order("fifo") == [0, 1, 2, 3, 4]


def test_visibility_serves_the_loudest_first():
    assert _order("visibility") == [0, 2, 3, 4, 1]


def test_severity_serves_attacks_and_complaints_first():
    severity = {p[-1]: SEVERITY[p[1]] + p[3] for p in POSTS}
    assert _order("severity") == sorted(severity, key=lambda p: -severity[p])
    assert _order("severity")[:2] == [2, 1]


def test_churn_risk_serves_the_most_valuable_at_risk_first():
    assert _order("churn_risk") == [3, 4, 1, 0, 2]


def test_deadline_is_earliest_due_first():
    due = {p[-1]: p[0] + 2.0 * SLA_FACTOR[p[1]] for p in POSTS}
    assert _order("deadline", sla=2.0) == sorted(due, key=due.__getitem__)


@pytest.mark.parametrize("priority", ["fifo", "visibility", "severity", "churn_risk", "deadline"])
def test_ties_are_broken_by_arrival_then_id(priority):
    rules = Rules(Strategy(priority=priority))
    a = _key(rules, 1.0, COMPLAINT, 10, 0.7, 0.01, 8)
    b = _key(rules, 1.0, COMPLAINT, 10, 0.7, 0.01, 9)
    c = _key(rules, 2.0, COMPLAINT, 10, 0.7, 0.01, 1)
    assert a < b < c
