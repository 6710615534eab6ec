"""Customers and prospects as a structure of numpy arrays, updated once a simulated day.

Lifecycle: PROSPECT -> CUSTOMER (conversion) -> LAPSED (churn) -> CUSTOMER (win-back).

Churn hazard per day (documented form)::

    h_i = h_seg * exp(k * (L_ref - L_i)) * (M if an issue is open else 1),
    h_seg = -ln(1 - churn_per_year) / 365,  M = open_issue_churn_multiplier
    P(churn today) = 1 - exp(-h_i)

With loyalty held constant this is a constant daily retention r = exp(-h_i),
so the expected lifetime value matches m*r/(1+i-r) (see sim.validation).

Conversion of a prospect (network Bass model) uses the exact one-day Bass flow
from the person's local adoption share w_i (share of followees who are
customers): P = (B(w_i) - w_i) / (1 - w_i), where B(x) is where the Bass ODE
dF/dt = (p + qF)(1 - F) takes x after one day. On the complete graph this is
exactly the continuous-time Bass curve sampled daily, whatever the tick.
"""

from __future__ import annotations

import numpy as np

from sim.schema import Population as PopulationConfig

PROSPECT, CUSTOMER, LAPSED = 0, 1, 2
STATE_NAMES = ("prospect", "customer", "lapsed")
UNAWARE, SPREADING, STIFLED = 0, 1, 2


def bass_step(share: np.ndarray, p: np.ndarray | float, q: float, dt: float = 1.0) -> np.ndarray:
    """Where the Bass ODE dF/dt = (p + qF)(1 - F) takes F=share after dt (exact)."""
    share = np.clip(share, 0.0, 1.0)
    p = np.broadcast_to(np.asarray(p, dtype=np.float64), share.shape)
    a = p + q
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(p > 0, q / np.where(p > 0, p, 1.0), 0.0)
        e0 = (1.0 - share) / (1.0 + ratio * share)
        e1 = e0 * np.exp(-a * dt)
        with_p = (1.0 - e1) / (1.0 + ratio * e1)
        grow = np.exp(q * dt)
        logistic = share * grow / (1.0 - share + share * grow)
    return np.where(p > 0, with_p, logistic)


def conversion_probability(share: np.ndarray, p: np.ndarray | float, q: float) -> np.ndarray:
    """Exact one-day adoption probability of a prospect whose local adoption share is `share`."""
    share = np.clip(share, 0.0, 1.0 - 1e-12)
    return np.clip((bass_step(share, p, q) - share) / (1.0 - share), 0.0, 1.0)


class Population:
    """Everyone in the brand's reach: prospects, customers and lapsed customers."""

    def __init__(self, cfg: PopulationConfig, size: int, rng: np.random.Generator) -> None:
        self.cfg = cfg
        self.size = size
        self.rng = rng
        names = list(cfg.segments)
        shares = np.array([cfg.segments[n].share for n in names])
        self.segment_names = names
        self.segment = rng.choice(len(names), size=size, p=shares / shares.sum()).astype(np.int8)
        self.margin_by_segment = np.array([cfg.segments[n].margin_per_day for n in names])
        annual = np.array([cfg.segments[n].churn_per_year for n in names])
        self.hazard_by_segment = -np.log1p(-annual) / 365.0
        voice = np.array([cfg.segments[n].voice_propensity for n in names])
        platforms = list(cfg.platforms)
        weights = np.array([cfg.platforms[n] for n in platforms])
        self.platform_names = platforms
        self.platform = rng.choice(len(platforms), size=size, p=weights / weights.sum()).astype(
            np.int8
        )
        self.state = np.where(
            rng.random(size) < cfg.initial_customer_share, CUSTOMER, PROSPECT
        ).astype(np.int8)
        k, mean = cfg.initial_loyalty_concentration, cfg.initial_loyalty_mean
        if 0.0 < mean < 1.0:
            self.loyalty = rng.beta(mean * k, (1.0 - mean) * k, size)
        else:
            self.loyalty = np.full(size, mean)
        self.baseline_loyalty = self.loyalty.copy()
        # personal voice propensity around the segment's mean (Beta, concentration 4)
        v = np.clip(voice[self.segment], 1e-6, 1 - 1e-6)
        self.voice = rng.beta(v * 4.0, (1.0 - v) * 4.0)
        self.open_issues = np.zeros(size, dtype=np.int32)
        self.crisis = np.full(size, UNAWARE, dtype=np.int8)
        self.attack_damage = np.zeros(size)
        self.churned_total = 0
        self.converted_total = 0
        self.customers_at_start = int((self.state == CUSTOMER).sum())
        self.initial_state = self.state.copy()
        self.freeze_loyalty = cfg.freeze_loyalty

    # ----------------------------------------------------------------- queries
    def counts(self) -> tuple[int, int, int]:
        c = np.bincount(self.state, minlength=3)
        return int(c[PROSPECT]), int(c[CUSTOMER]), int(c[LAPSED])

    def active(self) -> np.ndarray:
        return self.state == CUSTOMER

    def daily_hazard(self, people: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Today's churn hazard of `people` (everyone by default)."""
        return self.hazard(
            self.segment[people], self.loyalty[people], self.open_issues[people] > 0
        )

    def hazard(
        self, segment: np.ndarray, loyalty: np.ndarray, has_open_issue: np.ndarray
    ) -> np.ndarray:
        """The churn hazard per day for given segments, loyalties and open-issue flags.

        The one formula of the module docstring; the daily dynamics and the
        value projection beyond the run (sim.horizon) both call it.
        """
        cfg = self.cfg
        hazard = self.hazard_by_segment[segment] * np.exp(
            cfg.churn_loyalty_sensitivity * (cfg.churn_reference_loyalty - loyalty)
        )
        if cfg.open_issue_churn_multiplier != 1.0:
            hazard = hazard * np.where(has_open_issue, cfg.open_issue_churn_multiplier, 1.0)
        return hazard

    def expected_equity(self, daily_discount: float) -> float:
        """Discounted future margin of today's customers at today's hazard and loyalty."""
        active = np.flatnonzero(self.state == CUSTOMER)
        r = np.exp(-self.daily_hazard(active))
        margin = self.revenue_per_day(active)
        spread = 1.0 + daily_discount - r
        if np.any(spread <= 0):  # no churn and no discounting: unbounded
            return float("nan")
        return float((margin * r / spread).sum())

    def revenue_per_day(self, people: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Today's revenue from `people` if they are customers (everyone by default)."""
        return self.revenue_at(self.segment[people], self.loyalty[people])

    def revenue_at(self, segment: np.ndarray, loyalty: np.ndarray) -> np.ndarray:
        """Revenue per day of a customer of `segment` at `loyalty` (the one revenue formula)."""
        floor = self.cfg.revenue_loyalty_floor
        return self.margin_by_segment[segment] * (floor + (1.0 - floor) * loyalty)

    # ----------------------------------------------------------------- updates
    def shift_loyalty(self, people: np.ndarray, amount: np.ndarray | float) -> None:
        """Add `amount` to the loyalty of `people` (repeats add up), kept within [0, 1]."""
        if self.freeze_loyalty or len(people) == 0:
            return
        np.add.at(self.loyalty, people, amount)
        self.loyalty[people] = np.clip(self.loyalty[people], 0.0, 1.0)

    def shift_all(self, delta: np.ndarray) -> None:
        if self.freeze_loyalty:
            return
        self.loyalty += delta
        np.clip(self.loyalty, 0.0, 1.0, out=self.loyalty)

    def drift(self) -> None:
        """Impressions fade: loyalty reverts towards each person's initial level."""
        if self.freeze_loyalty:
            return
        self.loyalty += self.cfg.loyalty_drift_per_day * (self.baseline_loyalty - self.loyalty)

    def forget_issues(self, uniforms: np.ndarray) -> None:
        """Unresolved issues stop weighing on a customer at rate 1/open_issue_days."""
        has = self.open_issues > 0
        expire = has & (uniforms < -np.expm1(-1.0 / self.cfg.open_issue_days))
        self.open_issues[expire] -= 1

    def churn(self, uniforms: np.ndarray) -> np.ndarray:
        """Customers whose uniform falls below today's churn probability lapse."""
        at_risk = self.state == CUSTOMER
        leaving = at_risk & (uniforms < -np.expm1(-self.daily_hazard()))
        self.state[leaving] = LAPSED
        self.churned_total += int(leaving.sum())
        return leaving

    def convert(
        self,
        uniforms: np.ndarray,
        local_share: np.ndarray,
        innovation: float,
        negative_exposure: np.ndarray,
    ) -> np.ndarray:
        """Prospects adopt with the exact one-day Bass probability, damped by negative exposure."""
        conv = self.cfg.conversion
        prospect = self.state == PROSPECT
        prob = conversion_probability(local_share, innovation, conv.imitation_per_day)
        prob = prob * np.exp(-conv.negative_sensitivity * negative_exposure)
        adopting = prospect & (uniforms < prob)
        self.state[adopting] = CUSTOMER
        lapsed = self.state == LAPSED
        if conv.winback_per_day > 0:
            back = lapsed & (uniforms < conv.winback_per_day)
            self.state[back] = CUSTOMER
            adopting |= back
        self.converted_total += int(adopting.sum())
        return adopting

    def make_customers(self, people: np.ndarray) -> int:
        """Prospects among `people` become customers (a sales lead closed)."""
        people = people[self.state[people] == PROSPECT]
        self.state[people] = CUSTOMER
        self.converted_total += len(people)
        return len(people)
