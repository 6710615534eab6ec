"""A second, plain-Mesa implementation of the engine's daily rules, to test the engine against.

The engine (`sim.engine`) keeps people in numpy arrays and posts in a post book;
this reference writes the same rules the way an ordinary Mesa 3.5 user would:
every person is a :class:`Person` (a `mesa.Agent` with its own segment,
loyalty, voice propensity, state, open issues, followees and followers), the
model's day is three `model.agents.shuffle_do(...)` passes, and the hub works
through the posts one by one in Python (a heap of pending completions). It
shares no code with the engine: only the parameters, read from the project's
own config object (`sim.load_config("baseline", RESTRICTED_OVERRIDES)`), so both
use the same numbers. Its random numbers are its own (Python's `random` for
the people and the posts, Mesa's numpy `model.rng` for the background counts):
it reproduces the engine in distribution, not draw by draw.

The configuration (`reference_config`): the baseline scenario under the
`reactive_fifo` strategy (the hub answers tagged complaints and questions,
first come first served, fixes what it can itself, no spokes, no listening),
with influencers and reshares switched off::

    strategy=reactive_fifo  influencers.count=0  posts.reshare.share_prob=0

`check_supported` refuses a config outside it. What the reference implements,
in the engine's daily order (sim/engine/clock.py DAY_CLOSE):

* initial people: segment, Beta loyalty (mean, concentration), Beta voice
  propensity around the segment's (concentration 4), state from the initial
  customer and lapsed shares;
* the follower graph: the copying model of `network.kind=preferential_attachment`
  (each newcomer follows `follows_per_person` earlier people, a uniform one with
  probability `uniform_share`, otherwise the target of a uniform earlier follow),
  built edge by edge in Python;
* the day's posts (day open): each customer's problems (incidents, Poisson at
  `incident_rate_per_day` times the weekday's weight, topic by weight), each a
  loyalty hit and an open issue, voiced in public with chance = their voice
  propensity; questions; praise accepted with chance loyalty squared (after the
  day's hits); prospects' sales leads. Complaints and praise tag the brand with
  chance `addressed_share`, otherwise they are mentions. Times of day follow
  `demand.hourly`, volumes `demand.weekly` (day 0 a Monday);
* the posts of the reach outside the simulated sample (`population.reach`):
  they load the hub and move nobody, as in the engine; drawn as Poisson counts
  whose means are the engine's per-template acceptance summed over the sample
  (the thinning of the engine's candidate stream, integrated out);
* the hub: `team.hub.staff` people on staggered shifts, first come first served,
  exponential handling work, authors who give up after an exponential patience.
  A reply lifts its author's loyalty by `reply_gain` times the hyperbolic (or
  exponential) speed factor, restoring only (`recovery_ceiling`), and teaches a
  complainer to voice (`squeaky_wheel`); the hub then fixes a share
  `resolve_share` of complaints and answers a share `answer_share` of questions
  (gain faded by the days since the post, an open issue closed);
* day close: complaints not answered within `ignored_after_hours` may defect to a
  competitor; bystander exposure (followers of today's complainers, praisers and
  answered authors), loyalty drift, issue expiry, churn (hazard
  h_seg * churn_scale * exp(k (L_ref - L)) * M if an issue is open), Bass
  conversion from the share of followees who are customers (exact one-day step
  of the Bass ODE, damped by negative exposure), win-back from lapsed and from a
  competitor, turnover of non-customers.

The metrics (`ReferenceModel.summary`) are defined as in sim/engine/summary.py:
churn (lapsed plus defected) and conversions (prospects plus win-backs) per
customer-year of the daily closing counts; inbound posts (tagged, mentions
excluded, the outside reach's included) per customer-year of the whole reach;
the share of inbound posts answered by the end of the run; the mean first
response (hours, every answered post); the customers' mean loyalty at the last
close; the change in the customers' share of the sample; defections per
customer-year.

Simplifications (deliberate, each one documented here):

* no reshare cascades and no influencers (switched off by the config above; the
  engine's cascades and amplification are not mirrored);
* no brand attack, crisis protocol, defect shocks, hidden problems, seasonal
  peaks, spokes, listening or root-cause fixes (the config has none);
* money (revenue, wages, costs), the horizon value and the sales-lead and
  spoke outcomes are not computed, nor a post's topic (it only routes to spokes);
* the graph is not relabelled at random after building (nothing here depends on
  a person's index);
* a newcomer (turnover) is the same agent with fresh traits, keeping the slot's
  place in the graph, as the engine's newcomer takes the slot over;
* when several hub members could start a post at the same instant, the one idle
  longest takes it (the engine's free list behaves that way up to edge cases at
  shift ends);
* per-person Poisson counts are drawn by inversion with one uniform, and the
  kinds of a person's events split by their rates (superposition), instead of
  the engine's thinning of a shared candidate stream: the same distribution.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict, deque
from dataclasses import dataclass, field
from itertools import accumulate, count

import mesa

import sim
from sim.config.schema import Config

# overrides that put the baseline in the configuration this reference implements
RESTRICTED_OVERRIDES = (
    "strategy=reactive_fifo",
    "influencers.count=0",
    "posts.reshare.share_prob=0",
)

PROSPECT, CUSTOMER, LAPSED, COMPETITOR = "prospect", "customer", "lapsed", "competitor"
HOURS = 24.0
# negativity of the post kinds the reference has: complaints count as negative (>= 0.5)
COMPLAINT_NEGATIVITY = 0.7


def reference_config(people: int, days: int, extra: list[str] | tuple[str, ...] = ()) -> Config:
    """The baseline in the restricted configuration, at `people` x `days`."""
    return sim.load_config(
        "baseline",
        [*RESTRICTED_OVERRIDES, f"population.size={people}", f"days={days}", *extra],
    )


def check_supported(cfg: Config) -> None:
    """Raise ValueError if `cfg` uses a rule this reference does not implement."""
    s, problems = cfg.strategy, []
    if s.routing != "hub_only":
        problems.append(f"strategy.routing={s.routing} (only hub_only)")
    if s.priority != "fifo":
        problems.append(f"strategy.priority={s.priority} (only fifo)")
    if not set(s.answers) <= {"complaint", "question"}:
        problems.append(f"strategy.answers={s.answers} (complaints and questions only)")
    if s.listening > 0:
        problems.append("strategy.listening > 0")
    if cfg.attack.enabled:
        problems.append("attack.enabled")
    if cfg.influencers.count > 0:
        problems.append("influencers.count > 0")
    if cfg.posts.reshare.share_prob > 0:
        problems.append("posts.reshare.share_prob > 0")
    if cfg.events.defects or cfg.events.seasons:
        problems.append("events (defect shocks, seasons)")
    if any(t.hidden_growth_per_day > 0 for t in cfg.posts.topics.values()):
        problems.append("hidden problems")
    if cfg.network.kind != "preferential_attachment":
        problems.append(f"network.kind={cfg.network.kind}")
    if cfg.team.hub.days_per_week != 7:
        problems.append("team.hub.days_per_week != 7")
    if problems:
        raise ValueError("outside the reference's configuration: " + "; ".join(problems))


# ---------------------------------------------------------------- small helpers
def poisson_from_uniform(u: float, mean: float) -> int:
    """The Poisson(mean) count whose CDF first reaches `u` (inversion, one uniform)."""
    k, term = 0, math.exp(-mean)
    total = term
    while u > total and term > 0.0:
        k += 1
        term *= mean / k
        total += term
    return k


def bass_adoption(share: float, p: float, q: float) -> float:
    """Chance that a prospect adopts today when a share `share` of their followees has.

    The Bass ODE dF/dt = (p + qF)(1 - F) keeps y = (1 - F) / (p + qF) decaying as
    exp(-(p + q) t), so after one day F = (1 - p y) / (1 + q y); the prospect's
    chance is the new adopters' share of those who had not adopted.
    """
    share = min(max(share, 0.0), 1.0 - 1e-12)
    y = (1.0 - share) / (p + q * share) * math.exp(-(p + q))
    after = (1.0 - p * y) / (1.0 + q * y)
    return min(max((after - share) / (1.0 - share), 0.0), 1.0)


@dataclass
class Post:
    """One post about the brand; `author` is None for someone outside the simulated sample."""

    kind: str  # complaint, question, praise, lead or mention
    created: float
    addressed: bool
    author: Person | None = None
    problem: bool = False  # a complaint, tagged or not
    loyalty_before: float = math.nan  # the author's loyalty just before the incident
    work: float = 1.0
    patience: float = math.inf
    follow_u: float = 0.0
    defect_u: float = 1.0
    first_response: float = math.nan


@dataclass(order=True)
class _Completion:
    done: float
    seq: int
    post: Post = field(compare=False)


class HubMember:
    """One hub team member's shift (every day) and when they are next free."""

    def __init__(self, start_hour: float, hours: float) -> None:
        self.start_hour = start_hour
        self.hours = hours
        self.free_at = 0.0

    def shift_start(self, time: float) -> float:
        """Start of the shift on which this member can next work at or after `time`."""
        if self.hours >= HOURS:
            return time
        day = math.floor(time / HOURS)
        for d in (day - 1, day, day + 1):
            start = d * HOURS + self.start_hour
            if time < start + self.hours:
                return start
        return (day + 2) * HOURS + self.start_hour

    def available(self, time: float) -> float:
        """Earliest time at or after `time` that this member is free and on shift."""
        time = max(time, self.free_at)
        return max(time, self.shift_start(time))


class Hub:
    """The hub's first-come-first-served line, worked post by post.

    Under first come, first served a post's start depends on the posts before it
    only, so each post is placed on arrival: the member who can start it first
    (among ties the one idle longest) takes it, unless its author has given up
    by then. Its completion waits on a heap until the day that contains it closes.
    """

    def __init__(self, cfg: Config) -> None:
        hub = cfg.team.hub
        spread = max(hub.coverage_hours - hub.shift_hours, 0.0)
        starts = [
            hub.coverage_start_hour + (spread * i / (hub.staff - 1) if hub.staff > 1 else 0.0)
            for i in range(hub.staff)
        ]
        self.members = [HubMember(s % HOURS, hub.shift_hours) for s in starts]
        self.answers = set(cfg.strategy.answers)
        self.handle_hours = {k: m / 60.0 for k, m in cfg.posts.handle_minutes.items()}
        self.completions: list[_Completion] = []
        self.seq = count()
        self.abandoned = 0

    def arrive(self, post: Post) -> None:
        if post.kind not in self.answers or not post.addressed:
            return  # listening is off: the hub sees tagged posts only
        best, best_key = None, None
        for member in self.members:
            start = member.available(post.created)
            idle_since = max(member.free_at, member.shift_start(start))
            key = (start, idle_since)
            if best_key is None or key < best_key:
                best, best_key = member, key
        start = best_key[0]
        if start >= post.created + post.patience:
            self.abandoned += 1
            return
        done = start + post.work * self.handle_hours[post.kind]
        best.free_at = done
        heapq.heappush(self.completions, _Completion(done, next(self.seq), post))

    def finished_by(self, time: float) -> list[Post]:
        """Posts whose reply goes out by `time`, in order."""
        out = []
        while self.completions and self.completions[0].done <= time:
            done = heapq.heappop(self.completions)
            done.post.first_response = done.done
            out.append(done.post)
        return out


# ---------------------------------------------------------------- agents
class Person(mesa.Agent):
    """Someone in the brand's reach: a prospect, customer, lapsed customer or competitor's."""

    def __init__(self, model: ReferenceModel) -> None:
        super().__init__(model)
        self.followees: list[Person] = []
        self.followers: list[Person] = []
        self.state = PROSPECT
        self.was_customer = False  # state after today's churn, read by followers' conversion
        self.newcomer()

    def newcomer(self) -> None:
        """Fresh traits: a new person (at the start, or taking over a slot)."""
        m = self.model
        self.segment = m.random.choices(range(len(m.segment_share)), m.segment_share)[0]
        mean, k = m.pc.initial_loyalty_mean, m.pc.initial_loyalty_concentration
        self.loyalty = m.random.betavariate(mean * k, (1 - mean) * k) if 0 < mean < 1 else mean
        self.baseline = self.loyalty
        v = min(max(m.segment_voice[self.segment], 1e-6), 1 - 1e-6)
        self.voice = m.random.betavariate(v * 4.0, (1.0 - v) * 4.0)
        self.open_issues = 0

    # ---- day open
    def post(self) -> None:
        """Today's problems and posts (day open)."""
        m = self.model
        if self.state == CUSTOMER:
            m.voice_sum += self.voice  # for the reach outside the sample (counted before today)
            u = m.random.random()
            if u >= m.customer_quiet:
                self._customer_events(poisson_from_uniform(u, m.customer_mean))
            m.praise_sum += self.loyalty**2
            m.customers_open += 1
        elif self.state == PROSPECT:
            m.prospects_open += 1
            u = m.random.random()
            if u >= m.prospect_quiet:
                for _ in range(poisson_from_uniform(u, m.prospect_mean)):
                    m.new_post(Post("lead", m.post_time(), True, self))

    def _customer_events(self, n: int) -> None:
        m = self.model
        kinds = m.random.choices(("incident", "question", "praise"), m.customer_rates, k=n)
        before = self.loyalty
        for _ in range(kinds.count("incident")):
            if not m.pc.freeze_loyalty:
                self.loyalty = max(0.0, self.loyalty - m.posts_cfg.incident_loyalty_hit)
            self.open_issues += 1
            if m.random.random() < self.voice:
                tagged = m.random.random() < m.posts_cfg.addressed_share
                post = Post("complaint" if tagged else "mention", m.post_time(), tagged, self)
                post.problem = True
                post.loyalty_before = before
                m.new_post(post)
                m.negative[self] += COMPLAINT_NEGATIVITY
        for _ in range(kinds.count("question")):
            m.new_post(Post("question", m.post_time(), True, self))
        for _ in range(kinds.count("praise")):
            if m.random.random() < self.loyalty**2:  # promoters praise
                tagged = m.random.random() < m.posts_cfg.addressed_share
                m.new_post(Post("praise" if tagged else "mention", m.post_time(), tagged, self))
                m.positive[self] += 1.0

    # ---- day close
    def settle(self) -> None:
        """Bystander exposure, drift, issue expiry and churn (day close, first pass)."""
        m, pc = self.model, self.model.pc
        if not pc.freeze_loyalty:
            seen = m.exposure.get(self)
            if seen:
                self.loyalty = min(1.0, max(0.0, self.loyalty + seen))
            self.loyalty += pc.loyalty_drift_per_day * (self.baseline - self.loyalty)
        if self.open_issues and m.random.random() < m.forget_prob:
            self.open_issues -= 1
        if self.state == CUSTOMER:
            hazard = m.segment_hazard[self.segment] * math.exp(
                pc.churn_loyalty_sensitivity * (pc.churn_reference_loyalty - self.loyalty)
            )
            if self.open_issues:
                hazard *= pc.open_issue_churn_multiplier
            if m.random.random() < -math.expm1(-hazard):
                self.state = LAPSED
                m.churned_today += 1
        self.was_customer = self.state == CUSTOMER

    def adopt(self) -> None:
        """Conversion, win-back and turnover (day close, second pass: after everyone's churn)."""
        m, conv = self.model, self.model.pc.conversion
        u = m.random.random()
        if self.state == PROSPECT:
            follow = self.followees
            share = sum(f.was_customer for f in follow) / len(follow) if follow else 0.0
            chance = bass_adoption(share, m.innovation, conv.imitation_per_day)
            negative = m.negative_exposure.get(self)
            if negative:
                chance *= math.exp(-conv.negative_sensitivity * negative)
            if u < chance:
                self.state = CUSTOMER
                m.converted += 1
        else:
            back = {LAPSED: conv.winback_per_day, COMPETITOR: conv.competitor_winback_per_day}
            if u < back.get(self.state, 0.0):
                self.state = CUSTOMER
                m.converted += 1
        if self.state != CUSTOMER and m.random.random() < m.turnover_prob:
            self.state = PROSPECT
            self.newcomer()
        if self.state == CUSTOMER:
            m.customers_close += 1
            m.loyalty_close += self.loyalty


# ---------------------------------------------------------------- model
class ReferenceModel(mesa.Model):
    """The restricted baseline, one `step()` per day."""

    def __init__(self, config: Config, seed: int) -> None:
        check_supported(config)
        super().__init__(rng=seed)
        self.cfg = cfg = config
        self.pc, self.posts_cfg = cfg.population, cfg.posts
        segments = list(self.pc.segments.values())
        self.segment_share = [s.share for s in segments]
        self.segment_voice = [s.voice_propensity for s in segments]
        self.segment_hazard = [
            self.pc.churn_scale * -math.log1p(-s.churn_per_year) / 365.0 for s in segments
        ]
        size = self.pc.size
        self.outside = max(self.pc.reach, size) - size  # people the sample stands for
        self.forget_prob = -math.expm1(-1.0 / self.pc.open_issue_days)
        self.turnover_prob = -math.expm1(-self.pc.turnover_per_day)
        conv = self.pc.conversion
        self.innovation = conv.innovation_per_day + conv.content_per_post * (
            cfg.strategy.broadcast_per_day
        )
        hourly = cfg.demand.hourly
        self.hour_cumulative = list(accumulate(hourly))
        self.weekly = [w / (sum(cfg.demand.weekly) / 7.0) for w in cfg.demand.weekly]
        # incidents scale with the topics' defect levels (constant here: no shocks)
        topics = list(cfg.posts.topics.values())
        weight = sum(t.weight for t in topics)
        self.defect = sum(t.weight * t.defect_level for t in topics) / weight
        self.hub = Hub(cfg)
        self.day = 0
        for _ in range(size):
            Person(self)
        self.people: list[Person] = list(self.agents)
        for person in self.people:
            u = self.random.random()
            if u < self.pc.initial_customer_share:
                person.state = CUSTOMER
            elif u < self.pc.initial_customer_share + self.pc.initial_lapsed_share:
                person.state = LAPSED
        self.customers_start = sum(p.state == CUSTOMER for p in self.people)
        self._build_graph()
        # what the run counts
        self.inbound = 0
        self.inbound_answered = 0
        self.response_hours: list[float] = []
        self.customer_days = 0
        self.churned = 0
        self.converted = 0
        self.defected = 0
        self.loyalty_final = math.nan
        self.watch: deque[Post] = deque()  # tagged complaints, until ignored or not

    def _build_graph(self) -> None:
        """Copying model: newcomers follow earlier people, uniformly or copying a follow."""
        net, people, rnd = self.cfg.network, self.people, self.random
        n = len(people)
        m = min(net.follows_per_person, max(n - 1, 1))
        targets: list[int] = []  # every follow's followee, in creation order
        follows: list[set[int]] = [set() for _ in range(n)]
        for i in range(min(m + 1, n)):  # a small complete core
            for j in range(min(m + 1, n)):
                if i != j:
                    targets.append(j)
                    follows[i].add(j)
        for t in range(m + 1, n):
            earlier = len(targets)  # copies point at follows made before t's own
            for _ in range(m):
                if rnd.random() < net.uniform_share:
                    j = int(rnd.random() * t)
                else:
                    j = targets[int(rnd.random() * earlier)]
                targets.append(j)
                follows[t].add(j)
        for i, followees in enumerate(follows):
            people[i].followees = [people[j] for j in followees]
            for j in followees:
                people[j].followers.append(people[i])

    # ---- posts
    def post_time(self) -> float:
        """A time within today, by the demand's hour-of-day weights."""
        hour = self.random.choices(range(24), cum_weights=self.hour_cumulative)[0]
        return self.day * HOURS + hour + self.random.random()

    def new_post(self, post: Post) -> None:
        pc = self.posts_cfg
        post.work = self.random.expovariate(1.0)
        if pc.patience_hours > 0:
            post.patience = self.random.expovariate(1.0 / pc.patience_hours)
        post.follow_u = self.random.random()
        post.defect_u = self.random.random()
        self.today.append(post)
        if post.addressed and post.kind != "mention":
            self.inbound += 1

    def _outside_posts(self, factor: float) -> None:
        """Today's posts by the reach outside the sample: Poisson counts, no one moved."""
        pc, size, rng = self.posts_cfg, self.pc.size, self.rng
        per = self.outside * factor / size  # outside people per simulated template
        means = {
            "incident": pc.incident_rate_per_day * self.defect * per * self.voice_sum,
            "question": pc.question_rate_per_day * per * self.customers_open,
            "praise": pc.praise_rate_per_day * per * self.praise_sum,
            "lead": pc.lead_rate_per_day * per * self.prospects_open,
        }
        for what, mean in means.items():
            for _ in range(int(rng.poisson(mean))):
                kind, tagged = what, True
                if what in ("incident", "praise"):
                    tagged = self.random.random() < pc.addressed_share
                    kind = {"incident": "complaint", "praise": "praise"}[what]
                    kind = kind if tagged else "mention"
                post = Post(kind, self.post_time(), tagged)
                post.problem = what == "incident"
                self.new_post(post)

    # ---- the day
    def step(self) -> None:
        pc = self.posts_cfg
        factor = self.weekly[self.day % 7]
        rates = (
            pc.incident_rate_per_day * self.defect,
            pc.question_rate_per_day,
            pc.praise_rate_per_day,
        )
        self.customer_rates = rates
        self.customer_mean = sum(rates) * factor
        self.customer_quiet = math.exp(-self.customer_mean)
        self.prospect_mean = pc.lead_rate_per_day * factor
        self.prospect_quiet = math.exp(-self.prospect_mean)
        self.today: list[Post] = []
        self.negative: defaultdict[Person, float] = defaultdict(float)
        self.positive: defaultdict[Person, float] = defaultdict(float)
        self.reply: defaultdict[Person, float] = defaultdict(float)
        self.voice_sum = self.praise_sum = 0.0
        self.customers_open = self.prospects_open = 0
        # day open: every person's problems and posts, then the outside reach's
        self.agents.shuffle_do("post")
        self._outside_posts(factor)
        self.today.sort(key=lambda p: p.created)
        for post in self.today:
            self.hub.arrive(post)
            if post.kind == "complaint" and post.author is not None:
                self.watch.append(post)
        # day close: the hub's replies up to the close, then the ignored complaints
        close = (self.day + 1) * HOURS
        for post in self.hub.finished_by(close):
            self._replied(post)
        self._ignored(close)
        # bystanders see what the people they follow posted, and the brand's replies
        self.exposure: defaultdict[Person, float] = defaultdict(float)
        self.negative_exposure: defaultdict[Person, float] = defaultdict(float)
        for author in set(self.negative) | set(self.positive) | set(self.reply):
            seen = (
                pc.bystander_positive_gain * self.positive.get(author, 0.0)
                + pc.bystander_reply_gain * self.reply.get(author, 0.0)
                - pc.bystander_negative_hit * self.negative.get(author, 0.0)
            )
            negative = self.negative.get(author, 0.0)
            for follower in author.followers:
                self.exposure[follower] += seen
                if negative:
                    self.negative_exposure[follower] += negative
        self.churned_today = 0
        self.customers_close = 0
        self.loyalty_close = 0.0
        self.agents.shuffle_do("settle")
        self.agents.shuffle_do("adopt")
        self.churned += self.churned_today + self.defected_today
        self.customer_days += self.customers_close
        self.loyalty_final = (
            self.loyalty_close / self.customers_close if self.customers_close else math.nan
        )
        self.day += 1

    def _replied(self, post: Post) -> None:
        """What a reply (and a fix by the hub) does for a simulated author."""
        pc, hub = self.posts_cfg, self.cfg.team.hub
        delay = post.first_response - post.created
        self.response_hours.append(delay)
        if post.addressed and post.kind != "mention":
            self.inbound_answered += 1
        author = post.author
        if author is None:
            return  # someone outside the sample: the reply is work, and moves no one
        self.reply[author] += 1.0
        if pc.reply_speed_form == "exponential":
            speed = math.exp(-delay / pc.reply_speed_scale_hours)
        else:
            speed = 1.0 / (1.0 + delay / pc.reply_speed_scale_hours)
        if post.problem:
            author.voice = min(1.0, author.voice * (1.0 + self.pc.squeaky_wheel))
        self._lift(post, pc.reply_gain * speed)
        if post.follow_u < (hub.resolve_share if post.problem else hub.answer_share):
            fade = math.exp(-delay / HOURS / pc.resolution_value_days)
            self._lift(post, (pc.resolution_gain if post.problem else pc.answer_gain) * fade)
            if post.problem and author.open_issues > 0:
                author.open_issues -= 1

    def _lift(self, post: Post, gain: float) -> None:
        """Raise the author's loyalty; with the ceiling, only back to where they were."""
        author = post.author
        if self.pc.freeze_loyalty:
            return
        if self.posts_cfg.recovery_ceiling:
            ceiling = author.baseline if math.isnan(post.loyalty_before) else post.loyalty_before
            gain = min(gain, max(0.0, ceiling - author.loyalty))
        author.loyalty = min(1.0, max(0.0, author.loyalty + gain))

    def _ignored(self, close: float) -> None:
        """Tagged complaints with no reply within the window may send their author away."""
        self.defected_today = 0
        window = self.pc.ignored_after_hours
        while self.watch and self.watch[0].created + window <= close:
            post = self.watch.popleft()
            due = post.created + window
            answered = post.first_response <= due  # NaN: never answered
            author = post.author
            if (
                not answered
                and post.defect_u < self.pc.ignored_defect_prob
                and author.state == CUSTOMER
            ):
                author.state = COMPETITOR
                self.defected_today += 1
        self.defected += self.defected_today

    # ---- results
    def summary(self) -> dict[str, float]:
        """The metrics the benchmark compares, defined as in sim/engine/summary.py."""
        customer_years = self.customer_days * (self.outside + self.pc.size) / self.pc.size / 365
        nan = math.nan
        return {
            "churn_per_customer_year": self.churned / (self.customer_days / 365)
            if self.customer_days
            else nan,
            "inbound_per_customer_year": self.inbound / customer_years if customer_years else nan,
            "inbound_answered_share": self.inbound_answered / self.inbound if self.inbound else nan,
            "first_response_mean_h": sum(self.response_hours) / len(self.response_hours)
            if self.response_hours
            else nan,
            "loyalty_mean_final": self.loyalty_final,
            "customer_share_change": (self.customers_close - self.customers_start) / self.pc.size,
            "converted_per_customer_year": self.converted / (self.customer_days / 365)
            if self.customer_days
            else nan,
            "defected_per_customer_year": self.defected / (self.customer_days / 365)
            if self.customer_days
            else nan,
        }


def run_reference(config: Config, seed: int) -> dict[str, float]:
    """Run the reference for `config.days` days; its summary metrics."""
    model = ReferenceModel(config, seed)
    for _ in range(config.days):
        model.step()
    return model.summary()
