"""The typed config schema: every model parameter, its default, unit, range and reason.

Each field is declared with :func:`param`, which stores the allowed range and a
one-line reason (a source, or "assumption") in the field's metadata. Validation
(`sim.config.check_config`) and the parameter tables in the docs read that metadata,
so the schema is the single place where a parameter is defined.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

UNIT = (0.0, 1.0)
NONNEG = (0.0, None)
POSITIVE = (1e-12, None)


def param(
    default: Any,
    why: str,
    *,
    unit: str = "",
    range: tuple[float | None, float | None] | None = None,
    choices: tuple[str, ...] | None = None,
    factory: bool = False,
) -> Any:
    """A config field with its documentation and allowed values in the metadata."""
    meta = {"why": why, "unit": unit, "range": range, "choices": choices}
    if factory:
        return field(default_factory=default, metadata=meta)
    return field(default=default, metadata=meta)


# ---------------------------------------------------------------- population
@dataclass
class Segment:
    share: float = param(
        0.6,
        "brand input (your customer mix); the default is illustrative: most in the middle tier",
        range=UNIT,
    )
    margin_per_day: float = param(
        1.0,
        "brand input (your margins); the default is illustrative: a $30/month plan, full loyalty",
        unit="$/day",
        range=NONNEG,
    )
    churn_per_year: float = param(
        0.14,
        "base churn at the reference loyalty with no open issue, before population.churn_scale. "
        "Brand input (your churn by tier); the defaults 0.218 / 0.14 / 0.093 (basic / standard "
        "/ premium) are illustrative, higher tiers staying longer, and give, once open issues "
        "and loyalty act, an effective ~25-29 %/year in the baseline, as in German mobile "
        "(25 %) and US long distance (30 %) (Thomas, Blattberg & Fox 2004, Table 1)",
        unit="1/year",
        range=(0.0, 0.999),
    )
    voice_propensity: float = param(
        0.0023,
        "share of a customer's problems they raise in public with the brand on social media: "
        "with ~1.8 problems a customer-year (posts.incident_rate_per_day) and 70 % tagging "
        "the brand, ~0.003 public complaints a customer-year, a third of the ~0.01 inbound "
        "posts (Southwest 2017: a third problems; per-brand contact rates in docs/calibration.md); "
        "most people never complain in public (a personal propensity, spread by "
        "population.voice_concentration)",
        range=UNIT,
    )


def _default_segments() -> dict[str, Segment]:
    return {
        # base rates at reference loyalty and no open issue; with the issue multiplier and
        # loyalty they give an effective ~25 %/year in the baseline (see Segment.churn_per_year)
        # voice in the ratio 0.30 : 0.35 : 0.45 (assumption: higher tiers expect more)
        "basic": Segment(
            share=0.3, margin_per_day=0.4, churn_per_year=0.218, voice_propensity=0.0020
        ),
        "standard": Segment(
            share=0.55, margin_per_day=1.0, churn_per_year=0.14, voice_propensity=0.0023
        ),
        "premium": Segment(
            share=0.15, margin_per_day=3.0, churn_per_year=0.093, voice_propensity=0.0030
        ),
    }


@dataclass
class Conversion:
    innovation_per_day: float = param(
        0.0003,
        "Bass p scaled to days: Bass (1969) p~0.03/year for durables; assumption for a brand",
        unit="1/day",
        range=UNIT,
    )
    imitation_per_day: float = param(
        0.004,
        "Bass q scaled to days: Bass (1969) q~0.38/year; assumption",
        unit="1/day",
        range=NONNEG,
    )
    content_per_post: float = param(
        0.0001,
        "assumption: each daily broadcast post adds this to the innovation rate",
        unit="1/day per post",
        range=NONNEG,
    )
    negative_sensitivity: float = param(
        2.0,
        "assumption: negative exposure lowers conversion as exp(-k * exposure)",
        range=NONNEG,
    )
    winback_per_day: float = param(
        0.0006,
        "lapsed customers return: ~20 % within a year, the low end of the 20-40 % win-back "
        "success Griffin & Lowenstein (2001) report; assumption for a brand that does not "
        "campaign (sensitivity 0-0.0015)",
        unit="1/day",
        range=UNIT,
    )
    competitor_winback_per_day: float = param(
        0.0002,
        "assumption: a customer who defected to a competitor returns at a third of the "
        "lapsed rate (they have a new supplier)",
        unit="1/day",
        range=UNIT,
    )


@dataclass
class Population:
    size: int = param(
        25_000,
        "baseline brand reach: 25,000 people; at most 5 million (memory: ~1.2 kB a person, "
        "~6 GB at the bound; use sampling weights beyond that)",
        unit="people",
        range=(2, 5_000_000),
    )
    reach: int = param(
        6_500_000,
        "people in the brand's social reach that the simulated people stand for (0: the "
        "simulated people are the whole reach). Above `size`, each simulated person stands "
        "for reach/size people: the team faces the posts of the whole reach (posts by people "
        "outside the sample load the team but move no simulated customer), and money and "
        "people counts are the brand's, while loyalty and per-person rates come from the "
        "sample (docs/model.md, 'A sample of a larger reach'). Brand input; the default "
        "brand has 6.5 million people in reach, ~4.5 million customers: about what two "
        "social-care agents serve at T-Mobile US (20 for ~44 M customers, 2013) or BT "
        "(6 for 15 M, ~2010)",
        unit="people",
        range=(0, 10_000_000_000),
    )
    initial_customer_share: float = param(
        0.69,
        "close to the baseline's long-run share under hub_and_spoke: a 5-year run settled "
        "at ~69 % customers, ~23 % lapsed before the final calibration and settles at ~66 % "
        "after it, so customers drift down ~3.5 % in the first year (assumption for the start)",
        range=UNIT,
    )
    initial_lapsed_share: float = param(
        0.23,
        "calibrated with initial_customer_share: people in reach who bought before and "
        "lapsed; the rest are prospects",
        range=UNIT,
    )
    initial_loyalty_mean: float = param(0.6, "assumption: a moderately loyal base", range=UNIT)
    initial_loyalty_concentration: float = param(
        8.0, "assumption: Beta(mean*k, (1-mean)*k) spread of loyalty", range=POSITIVE
    )
    voice_concentration: float = param(
        4.0,
        "assumption: each person's voice propensity is Beta(v*k, (1-v)*k) around their "
        "segment's v; at a rare v a small k gives a few people most of the voice (a "
        "person's public complaints are more often repeats); sensitivity 2-8",
        range=POSITIVE,
    )
    segments: dict[str, Segment] = param(
        _default_segments, "three value tiers (brand input; defaults illustrative)", factory=True
    )
    platforms: dict[str, float] = param(
        lambda: {"x": 0.35, "facebook": 0.35, "instagram": 0.2, "linkedin": 0.1},
        "brand input (your platform mix); the default is illustrative for a consumer brand",
        factory=True,
    )
    churn_scale: float = param(
        1.0,
        "the level of churn: every segment's base hazard times this. Calibrated to the "
        "target set 'published' (docs/calibration.md; plausible range 0.50-1.29): the total "
        "churn a year identifies the level, not how it splits between tiers (the tiers' base "
        "rates are brand input)",
        unit="x",
        range=POSITIVE,
    )
    churn_loyalty_sensitivity: float = param(
        3.0,
        "assumption: hazard = base * exp(k*(ref - loyalty)); loyal customers stay "
        "(Reichheld & Sasser 1990)",
        range=NONNEG,
    )
    churn_reference_loyalty: float = param(
        0.6, "loyalty at which the hazard equals the segment's base rate", range=UNIT
    )
    open_issue_churn_multiplier: float = param(
        4.0,
        "unresolved problems drive exit: TARP (1986) found repurchase intent falls from "
        "~70-95% (resolved) to ~40% (unresolved); hazard x this while an issue is open",
        range=(1.0, None),
    )
    open_issue_days: float = param(
        30.0,
        "assumption: an unresolved issue stops weighing after ~30 days (exponential)",
        unit="days",
        range=POSITIVE,
    )
    revenue_loyalty_floor: float = param(
        0.5,
        "assumption: revenue = margin * (floor + (1-floor) * loyalty); loyal customers buy more",
        range=UNIT,
    )
    loyalty_drift_per_day: float = param(
        0.005,
        "assumption: impressions fade, loyalty reverts to its initial level over ~200 days",
        unit="1/day",
        range=UNIT,
    )
    freeze_loyalty: bool = param(
        False, "validation switch: hold every loyalty at its initial value"
    )
    turnover_per_day: float = param(
        0.001,
        "open reach: each day this share of non-customers not caught up in an attack leave "
        "the brand's audience and a newcomer (a prospect) takes their place in the follower "
        "graph. Assumption; brand audiences grow by a median 42 %/year (TrackMaven 2016) and "
        "lose ~15 % of new followers within weeks (SocialBro 2014); sensitivity 0-0.003",
        unit="1/day",
        range=(0.0, 0.5),
    )
    squeaky_wheel: float = param(
        0.4,
        "the squeaky wheel: an answered complaint teaches its author that complaining in "
        "public works, and their voice propensity rises by this share of itself "
        "(v <- min(1, v (1 + s))). Direction from Ma, Sun & Kekre (2015, Marketing Science "
        "34(5)): a telecom's Twitter complainers complained more after the firm intervened, "
        "while their relationship with it improved. They publish no size we can map: "
        "assumption, sensitivity 0-1",
        range=(0.0, 10.0),
    )
    ignored_defect_prob: float = param(
        0.22,
        "chance that a customer whose complaint to the brand got no reply within "
        "ignored_after_hours defects to a competitor: the ~30 % who say they would (Sprout "
        "Social Index 2016) times ~0.74, the ratio of actual to intended switching in "
        "retail banking (J.D. Power 2012: 9.6 % vs 12.9 %); sensitivity 0-0.3",
        range=UNIT,
    )
    ignored_after_hours: float = param(
        72.0,
        "a complaint with no reply after this long counts as ignored (the 72 h window of "
        "Sprout Social Index 2015)",
        unit="h",
        range=POSITIVE,
    )
    conversion: Conversion = param(Conversion, "Bass-style conversion of prospects", factory=True)


# ---------------------------------------------------------------- network
@dataclass
class Network:
    kind: str = param(
        "preferential_attachment",
        "heavy-tailed follower counts are the norm on social platforms (Barabasi & Albert 1999)",
        choices=("preferential_attachment", "small_world", "random", "complete"),
    )
    follows_per_person: int = param(
        8, "assumption: accounts each person follows inside the brand's audience", range=(1, None)
    )
    uniform_share: float = param(
        0.5,
        "copying model: share of follows chosen uniformly; 0.5 gives a BA-like exponent of 3 "
        "(Kleinberg et al. 1999)",
        range=UNIT,
    )
    rewire_prob: float = param(
        0.1, "small world: Watts & Strogatz (1998) rewiring probability", range=UNIT
    )


# ---------------------------------------------------------------- posts
@dataclass
class Topic:
    weight: float = param(
        1.0,
        "brand input: share of incidents in this topic (from your post log); default illustrative",
        range=NONNEG,
    )
    department: str = param("customer_service", "the spoke that can resolve it")
    defect_level: float = param(
        1.0, "relative defect level; multiplies the incident rate", range=NONNEG
    )
    hidden_growth_per_day: float = param(
        0.0,
        "a hidden problem (e.g. fraud) grows by this share a day until its department "
        "recognises it (scenario setting; 0 = no hidden problem)",
        unit="1/day",
        range=NONNEG,
    )
    hidden_cap: float = param(
        10.0,
        "scenario setting: the hidden problem grows to at most this multiple",
        range=(1.0, None),
    )
    recognised_after: int = param(
        3,
        "scenario setting: fixes by the topic's own department that reveal the hidden cause",
        range=(1, None),
    )


def _default_topics() -> dict[str, Topic]:
    return {
        "service": Topic(weight=0.45, department="customer_service"),
        "product": Topic(weight=0.30, department="product"),
        "billing": Topic(weight=0.22, department="billing"),
        "fraud": Topic(weight=0.03, department="legal_pr"),
    }


@dataclass
class Reshare:
    share_prob: float = param(
        0.01,
        "assumption: chance a follower reshares a neutral post it sees",
        range=UNIT,
    )
    negativity_boost: float = param(
        2.0,
        "negative, high-arousal content spreads more (Berger & Milkman 2012): "
        "p = share_prob * (1 + boost * negativity)",
        range=NONNEG,
    )
    max_generations: int = param(
        20,
        "safety cap on cascade depth (real cascades are shallow: Goel et al. 2016)",
        range=(0, None),
    )


@dataclass
class Posts:
    incident_rate_per_day: float = param(
        0.005,
        "assumption: a customer meets a problem about every 200 days (sensitivity 0.0025-0.01)",
        unit="1/customer/day",
        range=NONNEG,
    )
    question_rate_per_day: float = param(
        7.4e-6,
        "a customer asks the brand something on social about once in 370 years (0.0027 a "
        "customer-year): a third of the ~0.01 inbound posts a customer-year that brands see "
        "(T-Mobile ~0.008, Southwest ~0.008, Tesco ~0.026, BT ~0.003; Southwest 2017: a "
        "third questions). Calibrated to the target set 'published' (docs/calibration.md; "
        "plausible range 3.0e-6-1.8e-5)",
        unit="1/customer/day",
        range=NONNEG,
    )
    praise_rate_per_day: float = param(
        3.8e-5,
        "scaled by loyalty squared (promoters praise): ~0.004 tagged posts a customer-year "
        "that need no answer, so that about 6 in 10 inbound posts need one (Tesco 2012: ~60 %; "
        "Sprout Social Index 2015: about 4 in 10; Southwest 2017: two thirds questions or "
        "problems)",
        unit="1/customer/day",
        range=NONNEG,
    )
    lead_rate_per_day: float = param(
        1e-5,
        "assumption: prospects asking before buying, at about the customers' question rate",
        unit="1/prospect/day",
        range=NONNEG,
    )
    addressed_share: float = param(
        0.7,
        "share of brand-related posts that tag the brand; the rest are mentions found only by "
        "listening: ~31 % of tweets about a brand do not tag it (Syften)",
        range=UNIT,
    )
    topics: dict[str, Topic] = param(_default_topics, "incident topics", factory=True)
    handle_minutes: dict[str, float] = param(
        lambda: {
            "complaint": 8.0,
            "question": 5.0,
            "praise": 2.0,
            "lead": 6.0,
            "mention": 4.0,
            "attack": 10.0,
        },
        "assumption: mean minutes a hub member spends on a post (exponential)",
        factory=True,
    )
    patience_hours: float = param(
        7.0,
        "mean hours before an author stops waiting (exponential; 0 = never). "
        "calibrated to the target set 'published' "
        "(docs/calibration.md; plausible range 3.5-11.7 h): with a typical brand's "
        "part-time manager it gives Sprout Social's 88 % unanswered within 72 h and "
        "~10 h mean response (customers expected ~4 h, Sprout 2016)",
        unit="h",
        range=NONNEG,
    )
    lead_close_rate: float = param(
        0.3, "assumption: share of sales leads a sales liaison closes", range=UNIT
    )
    hub_lead_factor: float = param(
        0.5, "assumption: a hub reply without sales follow-up closes half as often", range=UNIT
    )
    incident_loyalty_hit: float = param(
        0.08, "assumption: loyalty lost on meeting a problem (sensitivity 0.04-0.16)", range=UNIT
    )
    reply_gain: float = param(
        0.058,
        "loyalty gained from an instant public reply (restoring only, posts.recovery_ceiling). "
        "calibrated to the target set 'published' "
        "(docs/calibration.md; plausible range "
        "0.026-0.145): the willingness-to-pay rises after replies within 6 min, after an hour and "
        "on average (Twitter & Applied Marketing Science 2016), discounted 1.8x for stated "
        "rather than actual willingness to pay (Kanya et al. 2019), read as revenue rises",
        range=UNIT,
    )
    reply_speed_form: str = param(
        "hyperbolic",
        "how a reply's value falls with delay: hyperbolic gain/(1 + h/scale) keeps a long "
        "tail (late replies still count a little); exponential exp(-h/scale) (the old form)",
        choices=("hyperbolic", "exponential"),
    )
    reply_speed_scale_hours: float = param(
        1.4,
        "delay at which a reply is worth half an instant one (hyperbolic form). "
        "calibrated to the target set 'published' "
        "(docs/calibration.md; plausible range 0.22-2.8 h; the targets do not bound it below: "
        "0.11 h meets them all): "
        "the gradient between a "
        "reply within 6 min ($20) and one after an hour ($2.33), Twitter & Applied "
        "Marketing Science 2016",
        unit="h",
        range=POSITIVE,
    )
    resolution_gain: float = param(
        0.06,
        "loyalty restored by fixing a complaint, below the incident's hit: the recovery "
        "paradox holds for satisfaction but not for repurchase intention or word of mouth "
        "(de Matos, Henrique & Rossi 2007, meta-analysis)",
        range=UNIT,
    )
    recovery_ceiling: bool = param(
        True,
        "true: a reply or a fix restores loyalty at most to where its author was, just "
        "before the incident for a complaint (de Matos, Henrique & Rossi 2007: no recovery "
        "paradox for repurchase) and their own baseline otherwise, so answering lifts no "
        "one above it (no published behavioural figure does); false: reply, fix and answer "
        "gains add up without a ceiling (a structural alternative, calibration/structural.yaml)",
    )
    resolution_value_days: float = param(
        7.0,
        "a fix is worth exp(-days since the complaint / this): a fix after the customer has "
        "given up is worth little (assumption; sensitivity 2-30)",
        unit="days",
        range=POSITIVE,
    )
    answer_gain: float = param(
        0.03, "assumption: a department's full answer to a question", range=UNIT
    )
    broken_promise_hit: float = param(
        0.06, "assumption: a promised fix that never happens hurts", range=UNIT
    )
    spin_gain_factor: float = param(
        0.5, "assumption: a PR-spin reply earns half a helpful reply's gain", range=UNIT
    )
    bystander_negative_hit: float = param(
        0.004, "assumption: loyalty lost by a viewer per negative post seen", range=UNIT
    )
    bystander_positive_gain: float = param(
        0.002, "assumption: loyalty gained per praise post seen", range=UNIT
    )
    bystander_reply_gain: float = param(
        0.003,
        "assumption: replies are public, bystanders who see the brand answer count it",
        range=UNIT,
    )
    reshare: Reshare = param(Reshare, "reshare cascades", factory=True)


# ---------------------------------------------------------------- team
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class RosterShift:
    start_hour: float = param(
        8.0, "decision: when the shift starts, local time (day 0 is a Monday)", unit="h of day",
        range=(0.0, 24.0),
    )  # fmt: skip
    hours: float = param(8.0, "decision: the shift's length; past midnight it goes on", unit="h",
                         range=(0.0, 24.0))  # fmt: skip
    days: list[str] = param(
        lambda: list(WEEKDAY_NAMES), "decision: weekdays it starts on (mon ... sun)", factory=True
    )
    staff: int = param(1, "decision: people on this shift", unit="people", range=(0, None))


@dataclass
class Temps:
    start_day: float = param(30.0, "first day the temporary staff work", unit="day", range=NONNEG)
    days: float = param(28.0, "how long they stay", unit="days", range=NONNEG)
    staff: int = param(
        1,
        "decision: temporary hub staff for the window, on the hub's own shift pattern and wage",
        unit="people",
        range=(0, None),
    )
    shift: RosterShift | None = param(
        None,
        "decision: their own shift ({start_hour, hours, days}; its staff is ignored: "
        "`staff` people work it); none: the hub's staggered pattern",
    )


@dataclass
class Hub:
    staff: int = param(
        2,
        "decision: the hub's size (the staffing tool searches it); default a mid-size team",
        unit="people",
        range=(0, None),
    )
    shift_hours: float = param(8.0, "a working day", unit="h", range=(0.0, 24.0))
    coverage_start_hour: float = param(8.0, "office hours", unit="h of day", range=(0.0, 24.0))
    coverage_hours: float = param(
        12.0,
        "decision: shifts are staggered across 08:00-20:00 (the staffing tool searches it)",
        unit="h",
        range=(0.0, 24.0),
    )
    days_per_week: int = param(7, "social media never closes", unit="days", range=(0, 7))
    wage_per_hour: float = param(
        40.0,
        "brand input: loaded cost of a community manager; default illustrative",
        unit="$/h",
        range=NONNEG,
    )
    resolve_share: float = param(
        0.3, "assumption: share of complaints the hub can fix itself", range=UNIT
    )
    answer_share: float = param(
        0.8,
        "assumption: share of questions the hub answers itself from what it knows; the rest "
        "go to the department (sensitivity 0.5-0.95)",
        range=UNIT,
    )
    temps: list[Temps] = param(
        list, "decision: temporary hub staff for date windows (a peak season)", factory=True
    )
    roster: list[RosterShift] = param(
        list,
        "decision: the hub's shifts as a strategist writes them ({start_hour, hours, days, "
        "staff}); when given, they replace staff, coverage_*, shift_hours and days_per_week",
        factory=True,
    )
    night_premium: float = param(
        0.0,
        "brand input: extra pay for hours worked 22:00-06:00, as a share of the wage "
        "(0.25: a quarter more)",
        range=(0.0, 5.0),
    )
    weekend_premium: float = param(
        0.0,
        "brand input: extra pay for hours worked on Saturday and Sunday, as a share of the wage",
        range=(0.0, 5.0),
    )
    shrinkage: float = param(
        0.0,
        "brand input: share of rostered hours not spent on posts (breaks, meetings, "
        "training); modelled as slower handling, each post taking 1 / (1 - shrinkage) of its "
        "time, wages paid for every rostered hour; 0 keeps the calibrated baseline",
        range=(0.0, 0.9),
    )


@dataclass
class Spoke:
    liaisons: int = param(1, "one liaison per department", unit="people", range=(0, None))
    cases_per_liaison: int = param(
        4, "decision: cases a liaison takes on at once (team design)", range=(1, None)
    )
    resolution_hours: float = param(
        8.0, "assumption: elapsed hours to resolve one case", unit="h", range=POSITIVE
    )
    follow_through: float = param(
        0.9, "assumption: share of promised fixes that happen", range=UNIT
    )
    hours_per_day: float = param(
        0.5,
        "decision: paid hours per business day for watching the spoke's queue, whatever "
        "the cases; the cases themselves are paid by effort_hours",
        unit="h",
        range=(0.0, 24.0),
    )
    effort_hours: float = param(
        0.5,
        "liaison working hours per case (paid), within the elapsed resolution_hours (assumption)",
        unit="h",
        range=NONNEG,
    )
    wage_per_hour: float = param(
        50.0,
        "brand input: loaded cost of departmental staff; default illustrative",
        unit="$/h",
        range=NONNEG,
    )


def _default_spokes() -> dict[str, Spoke]:
    return {
        # sized so that the baseline's routed cases keep each spoke busy but stable
        "customer_service": Spoke(liaisons=2, cases_per_liaison=7, resolution_hours=6.0),
        "product": Spoke(
            liaisons=2, cases_per_liaison=7, resolution_hours=16.0, follow_through=0.8
        ),
        "billing": Spoke(cases_per_liaison=8, resolution_hours=8.0, follow_through=0.95),
        "sales": Spoke(cases_per_liaison=5, resolution_hours=4.0),
        # no default topic routes here: staffed only where a scenario gives it work
        "business_development": Spoke(liaisons=0, resolution_hours=24.0),
        "legal_pr": Spoke(liaisons=1, resolution_hours=12.0, wage_per_hour=90.0),
    }


@dataclass
class Team:
    hub: Hub = param(Hub, "the central social media team", factory=True)
    spokes: dict[str, Spoke] = param(_default_spokes, "department liaisons", factory=True)
    spoke_start_hour: float = param(9.0, "business hours", unit="h of day", range=(0.0, 24.0))
    spoke_day_hours: float = param(
        8.0, "business day during which liaisons take up cases", unit="h", range=(0.0, 24.0)
    )
    spoke_days_per_week: int = param(5, "business days", unit="days", range=(0, 7))
    listening_cost_per_day: float = param(
        150.0,
        "brand input: a listening tool at full coverage; default illustrative",
        unit="$/day",
        range=NONNEG,
    )
    content_cost_per_post: float = param(
        60.0,
        "brand input: producing one broadcast post; default illustrative",
        unit="$",
        range=NONNEG,
    )
    outreach_cost_per_influencer_day: float = param(
        20.0,
        "brand input: time and perks for one engaged influencer; default illustrative",
        unit="$/day",
        range=NONNEG,
    )
    compensation_per_resolution: float = param(
        5.0,
        "brand input: goodwill credit per resolved complaint; default illustrative",
        unit="$",
        range=NONNEG,
    )
    root_cause_fix_cost: float = param(
        50.0,
        "brand input: each root-cause fix a department makes costs its time to trace and "
        "remove the cause; default illustrative, about an hour at $50/h",
        unit="$",
        range=NONNEG,
    )


# ---------------------------------------------------------------- strategy
POST_KINDS = ("complaint", "question", "praise", "lead", "mention", "attack")
PRIORITIES = ("fifo", "visibility", "severity", "churn_risk", "deadline")
ROUTINGS = ("hub_only", "hub_and_spoke", "pr_only")
STANCES = ("silence", "deny", "diminish", "apologise", "matched")


@dataclass
class Crisis:
    protocol: bool = param(False, "whether a crisis protocol exists at all")
    detection_threshold: int = param(
        10, "attack posts seen before the team declares a crisis", range=(1, None)
    )
    stance: str = param(
        "silence",
        "response stance (Coombs 2007, SCCT); matched = deny a false accusation, "
        "apologise for a true one",
        choices=STANCES,
    )
    delay_hours: float = param(
        0.0, "hours between detection and the public response", unit="h", range=NONNEG
    )
    surge_staff: int = param(0, "extra hub staff during a crisis", range=(0, None))
    surge_days: float = param(7.0, "how long the surge lasts", unit="days", range=NONNEG)
    influencer_outreach: bool = param(
        False,
        "engage influencers as soon as a crisis is detected, whatever the stance "
        "(Herhausen et al. 2019)",
    )


@dataclass
class Strategy:
    name: str = param("hub_and_spoke", "preset name")
    answers: list[str] = param(
        lambda: ["complaint", "question", "lead", "attack"],
        "post kinds the team answers",
        factory=True,
    )
    priority: str = param("fifo", "queue discipline", choices=PRIORITIES)
    routing: str = param("hub_and_spoke", "who handles what", choices=ROUTINGS)
    close_loop: bool = param(False, "resolutions fix root causes (lower defect levels)")
    sla_hours: float = param(
        1.0,
        "first-response target; customers expect an answer within the hour",
        unit="h",
        range=POSITIVE,
    )
    listening: float = param(
        0.0, "share of untagged posts (mentions and attack posts) the hub detects", range=UNIT
    )
    broadcast_per_day: float = param(
        1.0, "company content posts per day", unit="posts/day", range=NONNEG
    )
    fix_per_resolution: float = param(
        0.01,
        "assumption: each root-cause fix (a department resolution under close_loop) removes "
        "1% of its topic's excess defect over the floor",
        range=UNIT,
    )
    defect_floor: float = param(
        1.0,
        "closing the loop brings a topic's defect level down to this share of its everyday "
        "level (the level before shocks and hidden growth): by default it removes what a "
        "shock or a hidden problem added, not the everyday failure rate, which is structural "
        "(product design, process) and not fixed from social complaints within a run "
        "(assumption; sensitivity 0.5-1)",
        range=UNIT,
    )
    engage_influencers: bool = param(
        False, "ongoing influencer relations from day 0 (not only during a crisis)"
    )
    crisis: Crisis = param(Crisis, "crisis protocol", factory=True)


# ---------------------------------------------------------------- events
@dataclass
class DefectShock:
    topic: str = param("product", "topic whose defect level changes")
    start_day: float = param(10.0, "day the shock begins", unit="day", range=NONNEG)
    multiplier: float = param(
        4.0, "defect level multiplier; at most 100 (beyond any recall-scale shock)", range=(0, 100)
    )


@dataclass
class SeasonalPeak:
    start_day: float = param(30.0, "first day of the peak", unit="day", range=NONNEG)
    days: float = param(30.0, "length of the peak", unit="days", range=NONNEG)
    multiplier: float = param(
        2.0,
        "inbound volume multiplier (an enrolment-style peak); at most 100 (beyond any "
        "published seasonal swing)",
        range=(0, 100),
    )


@dataclass
class StanceEffect:
    transmission: float = param(1.0, "multiplier on rumour transmission", range=NONNEG)
    stifling: float = param(1.0, "multiplier on rumour stifling", range=NONNEG)
    loyalty_shift: float = param(
        0.0,
        "share of the attack's loyalty damage restored (negative: more damage) at response",
        range=(-1.0, 1.0),
    )
    hit_factor: float = param(
        1.0, "multiplier on the loyalty hit for those who hear it afterwards", range=NONNEG
    )


def _default_effects() -> dict[str, dict[str, StanceEffect]]:
    # Coombs (2007) SCCT: match the response to responsibility. Denial works for
    # rumours (false accusations) and backfires when the firm is at fault; an
    # apology with corrective action suits a true accusation (Kim et al. 2004;
    # Herhausen et al. 2019 on firestorms). Magnitudes are assumptions.
    return {
        "silence": {
            "false": StanceEffect(),
            "true": StanceEffect(),
        },
        "deny": {
            "false": StanceEffect(
                transmission=0.4, stifling=2.5, loyalty_shift=0.6, hit_factor=0.4
            ),
            "true": StanceEffect(
                transmission=1.5, stifling=0.7, loyalty_shift=-0.3, hit_factor=1.4
            ),
        },
        "diminish": {
            "false": StanceEffect(
                transmission=0.8, stifling=1.3, loyalty_shift=0.2, hit_factor=0.8
            ),
            "true": StanceEffect(transmission=1.1, stifling=1.0, loyalty_shift=0.0, hit_factor=1.1),
        },
        "apologise": {
            # apologising for what one did not do lends the accusation credence
            "false": StanceEffect(
                transmission=1.1, stifling=1.0, loyalty_shift=-0.1, hit_factor=1.2
            ),
            "true": StanceEffect(transmission=0.5, stifling=2.0, loyalty_shift=0.5, hit_factor=0.5),
        },
    }


@dataclass
class Attack:
    enabled: bool = param(False, "whether a brand attack happens")
    start_day: float = param(20.0, "day the attack starts", unit="day", range=NONNEG)
    is_true: bool = param(False, "true accusation (the company is at fault) or false")
    origin: str = param("influencer", "who starts it", choices=("influencer", "random"))
    initial_spreaders: int = param(5, "random customers who start it", range=(1, None))
    topic: str = param("product", "what the accusation is about")
    contact_rate_per_hour: float = param(
        0.25,
        "assumption: a spreader tells one follower every 4 hours",
        unit="1/h",
        range=POSITIVE,
    )
    transmission: float = param(
        0.6,
        "assumption: share of contacts with an unaware person that pass the rumour on "
        "(Maki & Thompson 1973 use 1)",
        range=UNIT,
    )
    stifling: float = param(
        0.5,
        "assumption: chance a spreader who meets an aware person stops (Maki & Thompson use 1)",
        range=UNIT,
    )
    post_prob: float = param(
        0.3, "assumption: share of new spreaders who post about it", range=UNIT
    )
    loyalty_hit: float = param(
        0.15, "assumption: loyalty lost on hearing the accusation", range=UNIT
    )
    true_hit_factor: float = param(1.5, "assumption: a true accusation hurts more", range=NONNEG)
    response_decay_hours: float = param(
        72.0,
        "a late statement restores less: the restoration is scaled by exp(-hours since the "
        "attack began / this); 'stealing thunder' (Arpan & Roskos-Ewoldsen 2005), assumption",
        unit="h",
        range=POSITIVE,
    )
    effects: dict[str, dict[str, StanceEffect]] = param(
        _default_effects, "(stance, truth) effects table", factory=True
    )


@dataclass
class Influencers:
    count: int = param(10, "the most-followed accounts act as influencers", range=(0, None))
    amplify_prob: float = param(
        0.05, "assumption: chance an influencer amplifies a complaint it sees", range=UNIT
    )
    engaged_amplify_factor: float = param(
        0.2, "assumption: engaged influencers amplify far less", range=UNIT
    )
    engaged_stifles: bool = param(
        True, "engaged influencers stop spreading and vouch for the brand"
    )
    recruit_spreader_prob: float = param(
        0.2,
        "chance that crisis outreach wins over an influencer who is already spreading the "
        "accusation (the accusation's origin never is); assumption",
        range=UNIT,
    )


def _default_hourly() -> list[float]:
    # share of the day's inbound per local hour, 00:00 first: 77 % between 09:00 and
    # 21:00, spread evenly (WaveMetrix, tweets to 35 airline handles); the night and
    # the shoulders follow the rise from 07:00 and the fall after 21:00 seen there
    night = [1.5, 0.9, 0.6, 0.5, 0.5, 0.8, 1.6, 3.0, 4.9]  # 00:00-08:59
    day = [77.0 / 12.0] * 12  # 09:00-20:59
    evening = [3.5, 3.0, 2.2]  # 21:00-23:59
    return [round(w, 4) for w in night + day + evening]


@dataclass
class Demand:
    hourly: list[float] = param(
        _default_hourly,
        "24 weights, local hour 0-23: when inbound posts arrive within a day; 77 % between "
        "09:00 and 21:00 (WaveMetrix, 35 airline handles)",
        factory=True,
    )
    weekly: list[float] = param(
        lambda: [14.4, 15.7, 15.5, 15.8, 15.1, 12.0, 11.4],
        "7 weights, Monday first: share of brand mentions by weekday, a weekend day ~0.76x "
        "a weekday (Mention 2014, over a billion mentions, via eMarketer); normalised to "
        "mean 1, so the weekly total is unchanged; day 0 of a run is a Monday",
        factory=True,
    )
    inbound_per_day: dict[str, float] = param(
        dict,
        "brand input (your post log; hubspoke import-log writes it): posts a day that tag "
        "the brand, by kind (complaint, question, praise, lead), on an average day at the "
        "start of the run, for the whole reach. A kind given here has its per-person rate "
        "(posts.incident_rate_per_day, question_, praise_, lead_rate_per_day) set so that "
        "the run starts at this volume; the kinds not given keep their rates",
        unit="posts/day",
        factory=True,
    )


@dataclass
class Value:
    horizon_days: int = param(
        1095,
        "relationship_value_horizon counts value up to this day from the start (three "
        "years), projecting the customers at the end of the run with the model's own slow "
        "dynamics and no further service",
        unit="days",
        range=(1, 36_500),
    )


@dataclass
class Events:
    defects: list[DefectShock] = param(list, "defect shocks", factory=True)
    seasons: list[SeasonalPeak] = param(list, "seasonal peaks", factory=True)


# ISO 4217 codes and the symbol reports write before an amount
CURRENCIES: dict[str, str] = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CHF": "CHF ",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "SEK": "SEK ",
    "NOK": "NOK ",
    "DKK": "DKK ",
    "PLN": "PLN ",
    "INR": "₹",
    "CNY": "CN¥",
    "KRW": "₩",
    "SGD": "S$",
    "HKD": "HK$",
    "BRL": "R$",
    "MXN": "MX$",
    "ZAR": "ZAR ",
}


@dataclass
class Output:
    posts: bool = param(False, "write posts.parquet, a row per post")
    plots: bool = param(True, "write PNG plots")
    currency: str = param(
        "USD",
        "the currency every amount is shown in (a label: money inputs are taken in it, "
        "nothing is converted)",
        choices=tuple(CURRENCIES),
    )


@dataclass
class Config:
    seed: int = param(0, "the run's seed (stored as int64)", range=(0, 2**63 - 1))
    days: int = param(
        90,
        "simulated days; at most ten years (the slow dynamics are calibrated on 1-3 year "
        "figures, and a year at 1M people takes about a minute)",
        unit="days",
        range=(1, 3650),
    )
    annual_discount_rate: float = param(
        0.10,
        "brand input: the firm's cost of capital, for discounting; default illustrative",
        range=NONNEG,
    )
    scenario: str = param("baseline", "scenario name")
    description: str = param("", "what the scenario is about")
    population: Population = param(Population, "customers and prospects", factory=True)
    network: Network = param(Network, "follower graph", factory=True)
    posts: Posts = param(Posts, "posts, incidents and their effects", factory=True)
    team: Team = param(Team, "hub and spokes", factory=True)
    strategy: Strategy = param(Strategy, "response strategy", factory=True)
    attack: Attack = param(Attack, "brand attack", factory=True)
    influencers: Influencers = param(Influencers, "influencers", factory=True)
    demand: Demand = param(Demand, "daily and weekly rhythm of inbound posts", factory=True)
    value: Value = param(Value, "how relationship value is counted", factory=True)
    events: Events = param(Events, "defect shocks and seasonal peaks", factory=True)
    output: Output = param(Output, "what a run writes", factory=True)
