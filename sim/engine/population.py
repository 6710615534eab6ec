"""Customers and prospects as a structure of numpy arrays, updated once a simulated day.

Lifecycle: PROSPECT -> CUSTOMER (conversion) -> LAPSED (churn) -> CUSTOMER (win-back);
a customer whose complaint the brand ignored may defect to a COMPETITOR, from
where win-back is slower. The reach is open: non-customers leave the brand's
audience at `turnover_per_day` and a newcomer (a prospect) takes their place in
the follower graph, so the audience renews itself while its size and the graph
stay fixed.

Churn hazard per day (documented form)::

    h_i = h_seg * exp(k * (L_ref - L_i)) * (M if an issue is open else 1),
    h_seg = s * -ln(1 - churn_per_year) / 365,  s = churn_scale,
    M = open_issue_churn_multiplier
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

import functools
from collections.abc import Callable

import numpy as np

from sim.config.schema import Population as PopulationConfig
from sim.engine import native
from sim.engine.streams import LowUniforms, below, category, category_bounds

PROSPECT, CUSTOMER, LAPSED, COMPETITOR = 0, 1, 2, 3
UNAWARE, SPREADING, STIFLED = 0, 1, 2


def bass_step(share: np.ndarray, p: np.ndarray | float, q: float, dt: float = 1.0) -> np.ndarray:
    """Where the Bass ODE dF/dt = (p + qF)(1 - F) takes F=share after dt (exact)."""
    share = np.clip(share, 0.0, 1.0)
    if isinstance(p, float) and p > 0.0:
        # the day's conversion (one innovation rate for all): the general path's values
        # without its masks for p = 0 (26 -> 13 us a call on 300 prospects)
        ratio = q / p
        decay = np.exp(np.array([-(p + q) * dt]))  # numpy's exp, as on the general path
        e1 = (1.0 - share) / (1.0 + ratio * share) * decay
        return (1.0 - e1) / (1.0 + ratio * e1)
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


def _sparse_values(people: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The values of `wanted` held sparse as `values` of `people` (sorted, each once),
    0 for those not listed."""
    at = np.searchsorted(people, wanted)
    found = at < len(people)
    found[found] = people[at[found]] == wanted[found]
    out = np.zeros(len(wanted))
    out[found] = values[at[found]]
    return out


@functools.lru_cache(maxsize=64)
def _conversion_bound(innovation: float, q: float, winback: float, competitor: float) -> float:
    """`Population.conversion_bound` of these rates. Kept: a day asks it twice with the same
    ones, and each answer costs ~25 us of numpy's calls on one value."""
    best_prospect = float(conversion_probability(np.ones(1), innovation, q)[0])
    return min(1.0, max(best_prospect, winback, competitor) * (1.0 + 1e-6))


class Population:
    """Everyone in the brand's reach: prospects, customers and lapsed customers."""

    def __init__(self, cfg: PopulationConfig, size: int, rng: np.random.Generator) -> None:
        self.cfg = cfg
        self.size = size
        names = list(cfg.segments)
        shares = np.array([cfg.segments[n].share for n in names])
        self.segment_names = names
        self.segment_p = shares / shares.sum()  # the config refuses shares summing to 0
        self._segment_bounds = category_bounds(self.segment_p)
        self.margin_by_segment = np.array([cfg.segments[n].margin_per_day for n in names])
        annual = np.array([cfg.segments[n].churn_per_year for n in names])
        self.hazard_by_segment = cfg.churn_scale * -np.log1p(-annual) / 365.0
        self.voice_by_segment = np.array([cfg.segments[n].voice_propensity for n in names])
        self.segment, self.loyalty, self.voice = self._traits(rng, size)
        # each person's base hazard and margin, kept with their segment (turnover renews
        # all three): the daily churn step and revenue read them instead of gathering them
        # from the segments every day
        self.base_hazard = self.hazard_by_segment[self.segment]
        self.daily_margin = self.margin_by_segment[self.segment]
        self.baseline_loyalty = self.loyalty.copy()
        platforms = list(cfg.platforms)
        weights = np.array([cfg.platforms[n] for n in platforms])
        self.platform_names = platforms
        # rng.choice(len(platforms), size, p=...) as it draws: the same uniforms, the same
        # cumulative shares (a comparison with each bound beats its searchsorted)
        self.platform = category(rng.random(size), category_bounds(weights / weights.sum()))
        self.platform = self.platform.astype(np.int8)
        u = rng.random(size)
        self.state = np.full(size, PROSPECT, dtype=np.int8)
        self.state[u < cfg.initial_customer_share + cfg.initial_lapsed_share] = LAPSED
        self.state[u < cfg.initial_customer_share] = CUSTOMER
        self.open_issues = np.zeros(size, dtype=np.int32)
        self.crisis = np.full(size, UNAWARE, dtype=np.int8)
        self.attack_damage = np.zeros(size)
        self.churned_total = 0
        self.converted_total = 0
        self.defected_total = 0
        self.entered_total = 0
        self.renewed = np.zeros(size, dtype=bool)  # slots a newcomer has taken over
        self.customers_at_start = int((self.state == CUSTOMER).sum())
        self.initial_state = self.state.copy()
        self.freeze_loyalty = cfg.freeze_loyalty
        # the loud people: everyone whose voice exceeds `loud_bound`, and perhaps some who
        # no longer do (a superset, kept as voices rise and newcomers arrive; read by the
        # reach's incidents, sim.engine.voiced). A bound of 1: none kept.
        self.loud_bound = 1.0
        self.loud = np.empty(0, dtype=np.int64)
        self._is_loud = np.zeros(0, dtype=bool)

    def _traits(
        self, rng: np.random.Generator, count: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Segment, loyalty and voice propensity of `count` new people."""
        cfg = self.cfg
        # rng.choice(len(segment_p), count, p=segment_p) without its checks of p on every
        # call: the same uniforms, the same cumulative shares
        segment = category(rng.random(count), self._segment_bounds).astype(np.int8)
        k, mean = cfg.initial_loyalty_concentration, cfg.initial_loyalty_mean
        if 0.0 < mean < 1.0:
            loyalty = rng.beta(mean * k, (1.0 - mean) * k, count)
        else:
            loyalty = np.full(count, mean)
        # personal voice propensity around the segment's mean (Beta)
        v = np.clip(self.voice_by_segment[segment], 1e-6, 1 - 1e-6)
        k = cfg.voice_concentration
        voice = rng.beta(v * k, (1.0 - v) * k)
        return segment, loyalty, voice

    # ----------------------------------------------------------------- queries
    def counts(self) -> tuple[int, int, int, int]:
        """Prospects, customers, lapsed and lost to a competitor."""
        # four byte comparisons beat a bincount, which widens the int8 states first
        state = self.state
        prospects, customers, lapsed, competitor = (
            int(np.count_nonzero(state == k)) for k in (PROSPECT, CUSTOMER, LAPSED, COMPETITOR)
        )
        return prospects, customers, lapsed, competitor

    def census(self) -> tuple[tuple[int, int, int, int], np.ndarray, np.ndarray]:
        """`counts()`, and the loyalty and daily margin of the customers (in order of
        person): what the day's record reads of everyone, in one pass with the kernels."""
        if native.KERNELS is not None:
            counts = np.empty(4, dtype=np.int64)
            loyalty, margin = np.empty(self.size), np.empty(self.size)
            native.KERNELS.census(
                self.size,
                native.address(self.state),
                native.address(self.loyalty),
                native.address(self.daily_margin),
                CUSTOMER,
                native.address(counts),
                native.address(loyalty),
                native.address(margin),
            )
            prospects, customers, lapsed, competitor = (int(count) for count in counts)
            return (
                (prospects, customers, lapsed, competitor),
                loyalty[:customers],
                margin[:customers],
            )
        active = np.flatnonzero(self.state == CUSTOMER)
        return self.counts(), self.loyalty[active], self.daily_margin[active]

    def daily_hazard(self, people: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Today's churn hazard of `people` (everyone by default)."""
        return self._hazard(
            self.base_hazard[people], self.loyalty[people], self.open_issues[people] > 0
        )

    def hazard(
        self, segment: np.ndarray, loyalty: np.ndarray, has_open_issue: np.ndarray | bool
    ) -> np.ndarray:
        """The churn hazard per day for given segments, loyalties and open-issue flags.

        The one formula of the module docstring; the daily dynamics and the
        value projection beyond the run (sim.engine.horizon) both call it.
        `has_open_issue` may be one flag for all (the projection's blocks).
        """
        return self._hazard(self.hazard_by_segment[segment], loyalty, has_open_issue)

    def _hazard(
        self, base: np.ndarray, loyalty: np.ndarray, has_open_issue: np.ndarray | bool
    ) -> np.ndarray:
        cfg = self.cfg
        # in place where the values allow: the projection calls this on blocks of
        # customers x days, where every temporary is a pass over memory
        exponent = cfg.churn_reference_loyalty - loyalty
        exponent *= cfg.churn_loyalty_sensitivity
        np.exp(exponent, out=exponent)
        hazard = base * exponent
        multiplier = cfg.open_issue_churn_multiplier
        if multiplier == 1.0 or has_open_issue is False:
            return hazard
        if has_open_issue is True:
            hazard *= multiplier
        elif np.shape(has_open_issue) == hazard.shape:
            hazard[has_open_issue] *= multiplier  # few have an open issue
        else:
            hazard = hazard * np.where(has_open_issue, multiplier, 1.0)
        return hazard

    def revenue_per_day(self, people: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Today's revenue from `people` if they are customers (everyone by default)."""
        return self.revenue_at(self.segment[people], self.loyalty[people])

    def revenue_at(self, segment: np.ndarray, loyalty: np.ndarray) -> np.ndarray:
        """Revenue per day of a customer of `segment` at `loyalty` (the one revenue formula)."""
        floor = self.cfg.revenue_loyalty_floor
        # np.take: half the time of fancy indexing on a million customers
        return np.take(self.margin_by_segment, segment) * (floor + (1.0 - floor) * loyalty)

    def revenue_sum(self, margins: np.ndarray, loyalty: np.ndarray) -> float:
        """The sum of `revenue_at` over people whose daily margins and loyalty (gathered
        by the caller, as `census` does) are `margins` and `loyalty`: the margins' sum and
        one sum of products with loyalty (the same total up to the rounding of the sums,
        in fewer passes).

        `np.einsum`, not `np.dot`: a dot product goes to BLAS, whose worker threads spin
        after each call; with another process busy on the other core they took the run's
        own core (50k people x 30 days with one core busy elsewhere: 0.12-0.24 s against
        0.07 s)."""
        floor = self.cfg.revenue_loyalty_floor
        return float(floor * margins.sum() + (1.0 - floor) * np.einsum("i,i", margins, loyalty))

    # ----------------------------------------------------------------- updates
    def learn_to_voice(self, people: np.ndarray) -> None:
        """Complainers who were answered voice more next time: v rises by a share of itself."""
        step = self.cfg.squeaky_wheel
        if step > 0 and len(people):
            self.voice[people] = np.minimum(1.0, self.voice[people] * (1.0 + step))
            self.voice_changed(people)

    def track_loud(self, bound: float) -> None:
        """Keep the people whose voice exceeds `bound` in `loud` from now on."""
        self.loud_bound = float(bound)
        if self.loud_bound >= 1.0:
            self.loud, self._is_loud = np.empty(0, dtype=np.int64), np.zeros(0, dtype=bool)
            return
        self._is_loud = self.voice > self.loud_bound
        self.loud = np.flatnonzero(self._is_loud)

    def voice_changed(self, people: np.ndarray) -> None:
        """`people`'s voices were set or raised: those now above the bound join `loud`
        (the team's compiled callbacks raise voices in place, and call this after)."""
        if self.loud_bound >= 1.0 or not len(people):
            return
        people = np.asarray(people, dtype=np.int64)
        joining = people[(self.voice[people] > self.loud_bound) & ~self._is_loud[people]]
        if len(joining):
            joining = np.unique(joining)
            self._is_loud[joining] = True
            self.loud = np.concatenate([self.loud, joining])

    def shift_loyalty(self, people: np.ndarray, amount: np.ndarray | float) -> None:
        """Add `amount` to the loyalty of `people` (repeats add up), kept within [0, 1]."""
        if self.freeze_loyalty or len(people) == 0:
            return
        # a Python float sends ufunc.at down its slow casting path (~30 us for 100 people,
        # 1 us with a numpy float): convert once
        np.add.at(self.loyalty, people, np.float64(amount) if np.ndim(amount) == 0 else amount)
        self.loyalty[people] = np.clip(self.loyalty[people], 0.0, 1.0)

    def shift_one(self, person: int, amount: float) -> None:
        """`shift_loyalty` for one person, in scalar arithmetic (the same float64 sums):
        the team's callbacks move one author at a time."""
        if self.freeze_loyalty:
            return
        value = float(self.loyalty[person]) + amount
        self.loyalty[person] = 0.0 if value < 0.0 else (1.0 if value > 1.0 else value)

    def revenue_of(self, person: int) -> float:
        """`revenue_per_day` of one person, in scalar arithmetic."""
        floor = self.cfg.revenue_loyalty_floor
        margin = float(self.margin_by_segment[self.segment[person]])
        return margin * (floor + (1.0 - floor) * float(self.loyalty[person]))

    def drift(self, people: np.ndarray | None = None, shifts: np.ndarray | None = None) -> None:
        """Impressions fade: loyalty reverts towards each person's initial level; after
        the day's `shifts` by what `people` (sorted, each once) saw, when given, added as
        `shift_loyalty` adds them.

        Those not listed saw nothing: their x + 0.0, kept within [0, 1], is x (loyalty is
        never -0 nor outside [0, 1]: tests/engine/test_invariants.py). With the kernels,
        the drift is one pass over everyone (`loyalty_drift`), where numpy makes three."""
        if self.freeze_loyalty:
            return
        if people is not None and len(people):
            self.shift_loyalty(people, shifts)
        rate = self.cfg.loyalty_drift_per_day
        if native.KERNELS is not None:
            native.KERNELS.loyalty_drift(
                self.size, native.address(self.loyalty), native.address(self.baseline_loyalty), rate
            )
            return
        gap = self.baseline_loyalty - self.loyalty
        gap *= rate
        self.loyalty += gap

    @property
    def forget_probability(self) -> float:
        """Daily chance that an open issue stops weighing (rate 1/open_issue_days)."""
        return float(-np.expm1(-1.0 / self.cfg.open_issue_days))

    def forget_issues(self, uniforms: np.ndarray | LowUniforms) -> None:
        """Unresolved issues stop weighing on a customer at rate 1/open_issue_days."""
        people, _ = below(uniforms, self.forget_probability)
        expire = people[self.open_issues[people] > 0]
        self.open_issues[expire] -= 1

    def churn(self, uniforms: np.ndarray | LowUniforms) -> np.ndarray:
        """Customers whose uniform falls below today's churn probability lapse.

        Returns the people who lapsed (sorted). Only those whose uniform is below
        the largest probability anyone can have today are candidates (thinning):
        the hazard is computed for them alone, and the others could not have left
        whatever their loyalty, so the result is the full comparison's exactly.
        """
        candidates, u = below(uniforms, self.churn_bound)
        customer = self.state[candidates] == CUSTOMER
        candidates, u = candidates[customer], u[customer]
        probability = -np.expm1(-self.daily_hazard(candidates))
        leaving = candidates[u < probability]
        self.state[leaving] = LAPSED
        self.churned_total += len(leaving)
        return leaving

    @property
    def churn_bound(self) -> float:
        """An upper bound of anyone's daily churn probability (loyalty lies in [0, 1]).

        Raised by a millionth so that rounding in the bound never excludes a
        person whose own probability rounds a hair above it.
        """
        cfg = self.cfg
        k, ref = cfg.churn_loyalty_sensitivity, cfg.churn_reference_loyalty
        loyalty_factor = max(np.exp(k * ref), np.exp(k * (ref - 1.0)))
        multiplier = max(1.0, cfg.open_issue_churn_multiplier)
        hazard = float(self.hazard_by_segment.max()) * loyalty_factor * multiplier
        return min(1.0, -np.expm1(-hazard) * (1.0 + 1e-6))

    def conversion_bound(self, innovation: float) -> float:
        """The largest conversion or win-back probability anyone can have today."""
        conv = self.cfg.conversion
        return _conversion_bound(
            innovation,
            conv.imitation_per_day,
            conv.winback_per_day,
            conv.competitor_winback_per_day,
        )

    def convert(
        self,
        uniforms: np.ndarray | LowUniforms,
        local_share: Callable[[np.ndarray], np.ndarray],
        innovation: float,
        negative_exposure: tuple[np.ndarray, np.ndarray] | None,
    ) -> tuple[np.ndarray, int, int]:
        """Prospects adopt with the exact one-day Bass probability, damped by negative
        exposure; lapsed customers and those with a competitor come back at their rates.

        `local_share(people)` gives those people's share of customers among the
        accounts they follow; `negative_exposure`, the day's negative exposure held
        sparse as (people, sums) (`FollowerGraph.exposure_sparse`). Returns everyone
        who became a customer (sorted) and how many came back from lapsed and from a
        competitor. The same uniforms serve the three disjoint groups.

        Only people whose uniform is below the largest probability of the day are
        candidates (thinning, as in `churn`): a prospect's probability grows with its
        local share and falls with negative exposure (never negative), so the one of a
        prospect all of whose followees are customers, unexposed, bounds them all.
        """
        conv = self.cfg.conversion
        candidates, u = below(uniforms, self.conversion_bound(innovation))
        state = self.state[candidates]
        is_prospect, is_lapsed, is_lost = state == PROSPECT, state == LAPSED, state == COMPETITOR
        prospects = candidates[is_prospect]
        prob = conversion_probability(local_share(prospects), innovation, conv.imitation_per_day)
        if negative_exposure is not None:  # None: nobody exposed today, exp(-k * 0) = 1
            exposure = _sparse_values(*negative_exposure, prospects)
            prob = prob * np.exp(-conv.negative_sensitivity * exposure)
        adopted = prospects[u[is_prospect] < prob]
        back = candidates[is_lapsed][u[is_lapsed] < conv.winback_per_day]
        back_lost = candidates[is_lost][u[is_lost] < conv.competitor_winback_per_day]
        adopting = np.sort(np.concatenate([adopted, back, back_lost]))
        self.state[adopting] = CUSTOMER
        self.converted_total += len(adopting)
        return adopting, len(back), len(back_lost)

    def defect(self, people: np.ndarray) -> int:
        """Customers among `people` leave for a competitor (counted as churn too)."""
        people = np.unique(people[self.state[people] == CUSTOMER])
        self.state[people] = COMPETITOR
        self.churned_total += len(people)
        self.defected_total += len(people)
        return len(people)

    def turnover(self, rng: np.random.Generator, rate: float) -> tuple[np.ndarray, np.ndarray]:
        """Non-customers leave the reach at `rate` per day; newcomers take their slots.

        Candidates are drawn uniformly over everyone, whatever their state, and
        only non-customers untouched by an attack are replaced (thinning): the
        stream's use does not depend on the run, so arms stay aligned.
        Returns the slots renewed and the states their previous occupants had.
        """
        count = int(rng.poisson(rate * self.size))
        slots = rng.integers(0, self.size, count)
        segment, loyalty, voice = self._traits(rng, count)
        _, first = np.unique(slots, return_index=True)
        keep = np.zeros(count, dtype=bool)
        keep[first] = True
        keep &= (self.state[slots] != CUSTOMER) & (self.crisis[slots] == UNAWARE)
        slots = slots[keep]
        previous = self.state[slots].copy()
        self.state[slots] = PROSPECT
        self.segment[slots] = segment[keep]
        self.base_hazard[slots] = self.hazard_by_segment[segment[keep]]
        self.daily_margin[slots] = self.margin_by_segment[segment[keep]]
        self.loyalty[slots] = loyalty[keep]
        self.baseline_loyalty[slots] = loyalty[keep]
        self.voice[slots] = voice[keep]
        self.voice_changed(slots)
        self.open_issues[slots] = 0
        self.attack_damage[slots] = 0.0
        self.renewed[slots] = True
        self.entered_total += len(slots)
        return slots, previous

    def make_customers(self, people: np.ndarray) -> int:
        """Prospects among `people` become customers (a sales lead closed)."""
        people = people[self.state[people] == PROSPECT]
        self.state[people] = CUSTOMER
        self.converted_total += len(people)
        return len(people)
