"""The company team: hub staff and department liaisons (spokes) as Mesa agents.

The hub is one :class:`ServerPool` served by :class:`HubStaff`; each department
is a pool served by its :class:`Liaison` agents (each works several cases at
once). The :class:`Team` triages what the hub finishes: reply, fix it in the
hub, or route it to the department; spokes resolve (or fail to follow through)
and, when the strategy closes the loop, each department resolution is also a
root-cause fix that lowers its topic's defect level (at a cost, down to a floor).

What a reply or a fix is worth depends on when it comes: a reply's loyalty gain
falls with the delay (hyperbolic by default, see `reply_value`), a fix's with
the days since the complaint (`resolution_value_days`).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.config.schema import POST_KINDS, WEEKDAY_NAMES, Hub, RosterShift
from sim.engine import native
from sim.engine.clock import HOURS_PER_DAY
from sim.engine.population import CUSTOMER
from sim.engine.posts import ATTACK, LEAD, OUTCOME, QUESTION, SEVERITY, SLA_FACTOR, PostBook
from sim.engine.queueing import NAN_ORDER, CompiledPool, pool_class
from sim.engine.shifts import Shift, staggered_starts
from sim.engine.strategy import Rules
from sim.engine.team_kernel import CompiledCallbacks

if TYPE_CHECKING:
    from sim.config.schema import Config
    from sim.engine.defects import Defects
    from sim.engine.metrics import Ledger
    from sim.engine.population import Population

REPLIED, ROUTED, RESOLVED = OUTCOME["replied"], OUTCOME["routed"], OUTCOME["resolved"]
BROKEN, ABANDONED = OUTCOME["broken_promise"], OUTCOME["abandoned"]


# the queue orders the kernel pool_take_up knows (Rules.priority_order); churn_risk
# reads the population's hazards, and stays in numpy
_KERNEL_RULES = {"fifo": 0, "visibility": 1, "severity": 2, "deadline": 3}
# what pool_take_up reads of the book after the kinds, tags and listening draws
_TAKE_UP_COLUMNS = ("created", "handle_work", "patience", "followers", "negativity")


class HubStaff(mesa.Agent):
    """A hub team member: works a shift, takes the next post by the strategy's priority."""

    def __init__(self, model: mesa.Model, shift: Shift, wage_per_hour: float, pay: Hub) -> None:
        super().__init__(model)
        self.shift = shift
        self.wage_per_hour = wage_per_hour
        self.night_premium, self.weekend_premium = pay.night_premium, pay.weekend_premium
        # the queue asks at every event: the shift answers directly
        self.available_from = shift.available_from

    def wages(self, day: int) -> float:
        """Pay for day `day`: every rostered hour, with the night and weekend premiums."""
        pay = self.shift.hours_in(day)
        if self.night_premium or self.weekend_premium:
            night, weekend = self.shift.premium_hours(day)
            pay += self.night_premium * night + self.weekend_premium * weekend
        return pay * self.wage_per_hour


def hub_shifts(hub: Hub) -> list[Shift]:
    """The hub's shifts: the roster as written, or `staff` staggered over the coverage."""
    if hub.roster:
        return [
            Shift(
                shift.start_hour % HOURS_PER_DAY,
                shift.hours,
                weekdays=frozenset(WEEKDAY_NAMES.index(d) for d in shift.days),
            )
            for shift in hub.roster
            for _ in range(shift.staff)
        ]
    starts = staggered_starts(
        hub.staff, hub.coverage_start_hour, hub.coverage_hours, hub.shift_hours
    )
    return [
        Shift(start % HOURS_PER_DAY, hub.shift_hours, hub.days_per_week, rotation=i)
        for i, start in enumerate(starts)
    ]


class Liaison(mesa.Agent):
    """A department's social media liaison: resolves routed cases during business hours.

    Paid for watching the spoke's queue on business days, plus the working
    hours of each case it takes up (`effort_hours`).
    """

    def __init__(
        self,
        model: mesa.Model,
        department: str,
        shift: Shift,
        paid_hours: float,
        wage: float,
        effort_hours: float,
    ) -> None:
        super().__init__(model)
        self.department = department
        self.shift = shift
        self.paid_hours = paid_hours
        self.wage_per_hour = wage
        self.effort_hours = effort_hours
        self.case_hours_today = 0.0

    def take_case(self) -> None:
        self.case_hours_today += self.effort_hours

    def wages(self, day: int) -> float:
        """Pay for day `day`; the day's case hours are then settled (call once a day)."""
        standing = self.paid_hours if self.shift.works_on(day) else 0.0
        pay = (standing + self.case_hours_today) * self.wage_per_hour
        self.case_hours_today = 0.0
        return pay


def reply_value(delay_hours: float, form: str, scale_hours: float) -> float:
    """Share of an instant reply's value that a reply after `delay_hours` keeps."""
    if form == "exponential":
        # math.exp (the C library's), as a compiled event loop would call: numpy's
        # vectorised exp differs in the last bit for ~5 % of arguments (docs/performance.md)
        return math.exp(-delay_hours / scale_hours)
    return 1.0 / (1.0 + delay_hours / scale_hours)


class CaseSlot:
    """One of the cases a liaison can work on at once (a server of the spoke's pool)."""

    def __init__(self, liaison: Liaison) -> None:
        self.liaison = liaison
        self.shift = liaison.shift
        self.available_from = liaison.shift.available_from  # asked at every queue event


class Team:
    """Hub and spokes, their queues, and what happens when they finish a post."""

    def __init__(
        self,
        model: mesa.Model,
        cfg: Config,
        rules: Rules,
        posts: PostBook,
        population: Population,
        defects: Defects,
        topic_department: list[str],
        ledger: Ledger,
    ) -> None:
        self.cfg, self.rules, self.posts = cfg, rules, posts
        self.population, self.defects, self.ledger = population, defects, ledger
        # the root-cause floor is set from the everyday levels, before any shock
        hub = cfg.team.hub
        # shrinkage: the share of rostered time not on posts stretches each post's handling
        self.handle_hours = np.array(
            [cfg.posts.handle_minutes[k] / 60.0 for k in POST_KINDS], dtype=np.float64
        ) / (1.0 - hub.shrinkage)
        self.staff: list[HubStaff] = []
        if rules.staffs_hub:
            for shift in hub_shifts(hub):
                self.staff.append(HubStaff(model, shift, hub.wage_per_hour, hub))
        pool = pool_class()  # the compiled queue when the kernels are built
        self.hub = pool(
            list(self.staff),
            on_start=self._hub_start,
            on_complete=self._hub_complete,
            on_abandon=self._abandoned,
        )
        self.departments = list(cfg.team.spokes)
        self.topic_spoke = np.array([self.departments.index(d) for d in topic_department])
        self.liaisons: list[Liaison] = []
        self.spokes: list = []
        for name in self.departments:
            spoke = cfg.team.spokes[name]
            shift = Shift(
                cfg.team.spoke_start_hour, cfg.team.spoke_day_hours, cfg.team.spoke_days_per_week
            )
            slots = []
            if rules.staffs_spokes:
                for _ in range(spoke.liaisons):
                    liaison = Liaison(
                        model,
                        name,
                        shift,
                        spoke.hours_per_day,
                        spoke.wage_per_hour,
                        spoke.effort_hours,
                    )
                    self.liaisons.append(liaison)
                    slots.extend(CaseSlot(liaison) for _ in range(spoke.cases_per_liaison))
            self.spokes.append(
                pool(
                    slots,
                    on_start=self._spoke_start,
                    on_complete=self._spoke_complete,
                )
            )
        self.resolution_hours = np.array(
            [cfg.team.spokes[d].resolution_hours for d in self.departments]
        )
        self.follow_through = np.array(
            [cfg.team.spokes[d].follow_through for d in self.departments]
        )
        self.sales = self.departments.index("sales") if "sales" in self.departments else -1
        # the case slots' shifts, counted: the slots of a department share one
        self._slot_shifts = Counter(
            slot.liaison.shift for spoke in self.spokes for slot in spoke.servers
        )
        self.model = model
        # what the hub's callbacks read of each post it holds, as Python values: a card
        # per queued post (numpy's scalar reads cost several times a tuple's), made in
        # `take_up` as (kind, author, created, outside the sample, follow-up
        # draw, problem, topic) and dropped when the hub answers or loses the post
        self._card: dict[int, tuple] = {}
        self._topic_spoke = self.topic_spoke.tolist()
        routing = rules.strategy.routing
        self._routing = routing
        self._spin = cfg.posts.spin_gain_factor if routing == "pr_only" else 1.0
        self._hub_lead_close = cfg.posts.lead_close_rate * cfg.posts.hub_lead_factor
        # bystanders credit replies to attack posts only when the stance suits the truth
        self.attack_reply_goodwill = False
        self._hub_busy_seen = 0.0
        # on-shift hours the spokes' slots held their completed cases, and as last read
        self._spoke_held = 0.0
        self._spoke_busy_seen = 0.0
        # with the compiled queues, the callbacks run compiled too (the methods below stay
        # the reference, and run with the Python queues)
        self._compiled = CompiledCallbacks(self) if isinstance(self.hub, CompiledPool) else None

    # ---------------------------------------------------------------- intake
    def take_up(self, ids: np.ndarray) -> None:
        """Queue at the hub the posts among `ids` that the strategy answers and sees."""
        p = self.posts
        if self._compiled is not None and self._take_up_compiled(ids):
            return
        kind, addressed, listen_u = p.kind[ids], p.addressed[ids], p.listen_u[ids]
        queued = ids[self.rules.takes_up(kind, addressed, listen_u)] if len(ids) else ids
        p.queued[queued] = True
        p.outcome[ids] = OUTCOME["unanswered"]
        p.outcome[queued] = OUTCOME["pending"]
        if not len(queued):
            return
        pop = self.population
        authors = p.author[queued]
        if self.rules.strategy.priority == "churn_risk":  # the only key that reads it
            risk = pop.daily_hazard(authors) * pop.revenue_per_day(authors)
        else:
            risk = np.zeros(len(queued))
        kinds, created = p.kind[queued], p.created[queued]
        work = p.handle_work[queued] * self.handle_hours[kinds]
        primary, secondary = self.rules.priority_order(
            created, kinds, p.followers[queued], p.negativity[queued], risk
        )
        self.hub.arrive_many(
            created, queued, work, primary, secondary, created + p.patience[queued]
        )
        if self._compiled is not None:  # the compiled callbacks read the post book itself
            return
        cards = zip(
            kinds.tolist(),
            authors.tolist(),
            created.tolist(),
            p.background[queued].tolist(),
            p.follow_u[queued].tolist(),
            p.problem[queued].tolist(),
            p.topic[queued].tolist(),
            strict=True,
        )
        self._card.update(zip(queued.tolist(), cards, strict=True))

    def _take_up_compiled(self, ids: np.ndarray) -> bool:
        """`take_up` by the kernel pool_take_up, for the book's newest posts `ids` (as
        the day's booking gives them) and an order the kernel knows: the same posts
        queued, in the same order, with the same places in line. False where it cannot."""
        p, rules = self.posts, self.rules
        rule = _KERNEL_RULES.get(rules.strategy.priority)
        count, total = len(ids), len(p)
        if rule is None or not count or ids[0] != total - count or ids[-1] != total - 1:
            return False
        taken = self.hub.take_up(
            total - count,
            count,
            *(p.address(name) for name in ("kind", "addressed", "listen_u")),
            rules.strategy.listening,
            native.address(rules.answers),
            native.address(self.handle_hours),
            *(p.address(name) for name in _TAKE_UP_COLUMNS),
            rule,
            native.address(SEVERITY),
            rules.strategy.sla_hours,
            native.address(SLA_FACTOR),
            p.address("queued"),
            p.address("outcome"),
            OUTCOME["unanswered"],
            OUTCOME["pending"],
        )
        if taken == -2:
            raise ValueError(NAN_ORDER)
        if taken < 0:
            raise MemoryError("the hub's arrivals")
        return True

    def add_surge(
        self, count: int, start: float, days: float, shift: RosterShift | None = None
    ) -> list[HubStaff]:
        """Temporary hub staff for [start, start + days): on the hub's regular shift
        pattern (a crisis surge), or all on `shift` (temps planned for a peak)."""
        hub = self.cfg.team.hub
        until = start + HOURS_PER_DAY * days
        if shift is not None:
            weekdays = frozenset(WEEKDAY_NAMES.index(d) for d in shift.days)
            shifts = [
                Shift(
                    shift.start_hour % HOURS_PER_DAY,
                    shift.hours,
                    weekdays=weekdays,
                    active_from=start,
                    active_until=until,
                )
                for _ in range(count)
            ]
        else:
            starts = staggered_starts(
                count, hub.coverage_start_hour, hub.coverage_hours, hub.shift_hours
            )
            shifts = [
                Shift(
                    hour % HOURS_PER_DAY,
                    hub.shift_hours,
                    hub.days_per_week,
                    rotation=i,
                    active_from=start,
                    active_until=until,
                )
                for i, hour in enumerate(starts)
            ]
        new = []
        for member_shift in shifts:
            member = HubStaff(self.model, member_shift, hub.wage_per_hour, hub)
            self.staff.append(member)
            self.hub.add_server(member, start)
            new.append(member)
        return new

    # ---------------------------------------------------------------- engine
    def advance(self, until: float) -> None:
        if self._compiled is not None:
            self._compiled.advance(self.hub, until)
            return
        self.hub.advance(until)
        for spoke in self.spokes:
            spoke.advance(until)

    def backlog(self, time: float) -> int:
        if self._compiled is not None:
            self._compiled.drain(self.hub, time)
            return self.hub.waiting
        return self.hub.backlog(time)

    def spoke_backlog(self) -> int:
        return sum(s.waiting for s in self.spokes)

    def spoke_backlog_by_department(self) -> dict[str, int]:
        return {name: s.waiting for name, s in zip(self.departments, self.spokes, strict=True)}

    def wages(self, day: int) -> tuple[float, float]:
        hub = sum(member.wages(day) for member in self.staff)
        spokes = sum(liaison.wages(day) for liaison in self.liaisons)
        return hub, spokes

    def staffed_hours(self, day: int) -> float:
        return sum(member.shift.hours_in(day) for member in self.staff)

    def hub_busy_hours_today(self, now: float) -> float:
        """Hub hours of work done since the last call, up to `now` (a post answered across
        midnight counts on each day for its hours there)."""
        through = self.hub.busy_through(now)
        before, self._hub_busy_seen = self._hub_busy_seen, through
        return max(0.0, through - before)  # not -1e-13 where the sums round apart

    def spoke_busy_hours_today(self, now: float) -> float:
        """On-shift hours the spokes' case slots were held since the last call, up to `now`
        (a case held over several days counts on each for its hours there)."""
        posts = self.posts
        through = self._spoke_held
        for spoke in self.spokes:
            for post, slot in spoke.under_way():
                through += slot.liaison.shift.on_shift_hours(float(posts.spoke_start[post]), now)
        before, self._spoke_busy_seen = self._spoke_busy_seen, through
        return max(0.0, through - before)  # not -1e-13 where the sums round apart

    def spoke_slot_hours(self, day: int) -> float:
        """Case-slot hours on shift on day `day`: the spokes' capacity to hold cases."""
        return sum(shift.hours_in(day) * count for shift, count in self._slot_shifts.items())

    # ---------------------------------------------------------------- hub callbacks
    def _hub_start(self, post: int, time: float, server: HubStaff) -> None:
        self.posts.service_start[post] = time

    def _abandoned(self, post: int, time: float) -> None:
        del self._card[post]
        self.posts.outcome[post] = ABANDONED
        self.ledger.abandoned += 1

    def _hub_complete(self, post: int, time: float, server: HubStaff) -> None:
        kind, author, created, outside, follow_u, problem, topic = self._card.pop(post)
        posts = self.posts
        posts.first_response[post] = time
        self.ledger.response(time - created)
        routing, spin = self._routing, self._spin
        posts.outcome[post] = REPLIED
        if kind == ATTACK:  # the crisis stance acts through the rumour (sim.engine.crisis)
            if self.attack_reply_goodwill:
                self.ledger.weigh(self.ledger.reply_weight, author, spin)
            return
        # outside: its author is not a simulated person
        if not outside:
            self._reply_lifts(post, author, time - created, spin, problem)
        if kind == LEAD:
            if routing == "hub_and_spoke" and self.sales >= 0 and self.spokes[self.sales].servers:
                self._route(post, self.sales, time)
            # an outside lead is work for the team; the sample's own leads make the customers
            elif not outside and follow_u < self._hub_lead_close:
                self.ledger.leads_closed += self.population.make_customers(np.array([author]))
            return
        if routing == "pr_only" or not (kind == QUESTION or problem):
            return
        if follow_u < self._hub_share(problem):
            self._resolve(
                post,
                time,
                False,
                author=author,
                created=created,
                outside=outside,
                problem=problem,
                topic=topic,
            )
        elif routing == "hub_and_spoke":
            self._route(post, self._topic_spoke[topic], time)

    def _reply_lifts(
        self, post: int, author: int, delay: float, spin: float, problem: bool
    ) -> None:
        """A public reply: the author's followers see it; the author's loyalty rises."""
        self.ledger.weigh(self.ledger.reply_weight, author, spin)
        pc = self.cfg.posts
        speed = reply_value(delay, pc.reply_speed_form, pc.reply_speed_scale_hours)
        pop = self.population
        if problem:
            pop.learn_to_voice(np.array([author]))
        before = pop.revenue_of(author)
        pop.shift_one(author, self._restoring(post, author, pc.reply_gain * speed * spin))
        if pop.state[author] == CUSTOMER and before > 0:
            self.posts.reply_uplift[post] = pop.revenue_of(author) / before - 1.0

    def _restoring(self, post: int, author: int, gain: float) -> float:
        """The loyalty a reply or a fix adds; with `posts.recovery_ceiling`, it restores only.

        With the ceiling a complaint's author regains at most the loyalty they had just
        before its incident (no recovery paradox for repurchase: de Matos, Henrique &
        Rossi 2007), and anyone else at most their own baseline loyalty (no published
        figure lifts people with no problem above it).
        """
        pop = self.population
        if not self.cfg.posts.recovery_ceiling:
            return gain
        ceiling = self.posts.loyalty_before[post]
        if np.isnan(ceiling):
            ceiling = pop.baseline_loyalty[author]
        return float(min(gain, max(0.0, ceiling - pop.loyalty[author])))

    def _hub_share(self, problem: bool) -> float:
        """Share of such posts the hub settles itself (questions: an answer; problems: a fix).

        Complaints (tagged or found by listening) and questions need a fix or an answer.
        """
        hub = self.cfg.team.hub
        return hub.resolve_share if problem else hub.answer_share

    def _route(self, post: int, spoke: int, time: float) -> None:
        posts = self.posts
        if not self.spokes[spoke].servers:  # nobody staffs that department: a reply is all
            return
        posts.outcome[post] = ROUTED
        posts.routed_to[post] = spoke
        work = float(posts.spoke_work[post]) * float(self.resolution_hours[spoke])
        self.spokes[spoke].arrive(time, post, work, (time, time))
        self.ledger.routed += 1

    # ---------------------------------------------------------------- spoke callbacks
    def _spoke_start(self, post: int, time: float, slot: CaseSlot) -> None:
        slot.liaison.take_case()
        self.posts.spoke_start[post] = time

    def _spoke_complete(self, post: int, time: float, slot: CaseSlot) -> None:
        posts = self.posts
        spoke = int(posts.routed_to[post])
        # a slot can take up cases only on shift: count the business hours it was held
        self._spoke_held += slot.liaison.shift.on_shift_hours(posts.spoke_start[post], time)
        outside = bool(posts.background[post])
        if int(posts.kind[post]) == LEAD:
            posts.outcome[post] = RESOLVED
            posts.resolved_at[post] = time
            if not outside and posts.follow_u[post] < self.cfg.posts.lead_close_rate:
                self.ledger.leads_closed += self.population.make_customers(
                    np.array([posts.author[post]])
                )
            return
        # a routed post had follow_u >= the hub's share: rescaled, it is uniform again
        problem = bool(posts.problem[post])
        hub_share = self._hub_share(problem)
        u = (posts.follow_u[post] - hub_share) / max(1.0 - hub_share, 1e-12)
        if u < self.follow_through[spoke]:
            self._resolve(
                post,
                time,
                True,
                author=int(posts.author[post]),
                created=float(posts.created[post]),
                outside=outside,
                problem=problem,
                topic=int(posts.topic[post]),
            )
        else:
            posts.outcome[post] = BROKEN
            self.ledger.broken += 1
            if outside:
                return
            self.population.shift_one(int(posts.author[post]), -self.cfg.posts.broken_promise_hit)

    def _resolve(
        self,
        post: int,
        time: float,
        by_spoke: bool,
        *,
        author: int,
        created: float,
        outside: bool,
        problem: bool,
        topic: int,
    ) -> None:
        """A complaint fixed (or a question answered) for good."""
        posts = self.posts
        posts.outcome[post] = RESOLVED
        posts.resolved_at[post] = time
        pop = self.population
        self.ledger.resolved += 1
        self.ledger.resolution_hours.append(time - created)
        # a late fix or answer is worth less: the customer has moved on
        days = (time - created) / HOURS_PER_DAY
        fade = math.exp(-days / self.cfg.posts.resolution_value_days)  # see reply_value
        if not outside:  # a simulated author: their loyalty and open issue
            gain = self.cfg.posts.resolution_gain if problem else self.cfg.posts.answer_gain
            pop.shift_one(author, self._restoring(post, author, gain * fade))
            if problem:
                posts.loyalty_after_fix[post] = pop.loyalty[author]
                if pop.open_issues[author] > 0:
                    pop.open_issues[author] -= 1
        if not problem:
            return
        self.ledger.compensation += self.cfg.team.compensation_per_resolution
        if not by_spoke:  # the hub fixes the customer's case, not the cause
            return
        self.defects.department_fixed(topic, time)
        if self.rules.strategy.close_loop and self.defects.fix_root_cause(topic):
            self.ledger.root_cause_fixes += 1
