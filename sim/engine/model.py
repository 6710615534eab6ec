"""The Mesa model: wires population, graph, posts, team, strategy and crisis, and runs the clock.

Time is in hours (`model.time`). Mesa's event list drives the run:

* a recurring day event (every 24 h) closes the day that ends — the continuous
  processes (rumour, hub and spoke queues) are advanced to that instant, the
  slow dynamics (exposure, loyalty, churn, conversion, money) update once, the
  day's metrics are recorded — and opens the next day by generating its posts;
* one-off events apply defect shocks and launch the brand attack.

Within a day, posts arrive at exact times and the queues run in continuous
time, so response times do not depend on the day tick.
"""

from __future__ import annotations

import math

import mesa
import numpy as np
from mesa.time import Priority, Schedule

from sim.config.errors import ConfigError
from sim.config.schema import POST_KINDS, Config
from sim.engine import native
from sim.engine.arrivals import PostGenerator
from sim.engine.clock import DAY_CLOSE, HOURS_PER_DAY
from sim.engine.crisis import Firestorm
from sim.engine.day_posts import CompiledDay
from sim.engine.defects import Defects
from sim.engine.diffusion import cascades_weighed
from sim.engine.influencers import Influencer, pick_influencers
from sim.engine.metrics import Ledger, loyalty_stats, quantiles, response_stats
from sim.engine.network import build_graph
from sim.engine.pages import keep_freed_memory, without_huge_pages
from sim.engine.population import COMPETITOR, CUSTOMER, LAPSED, SPREADING, Population
from sim.engine.posts import (
    ATTACK,
    COMPLAINT,
    KIND,
    NEGATIVITY,
    DayReading,
    PostBook,
    assemble,
    marks,
    read_day,
)
from sim.engine.strategy import Rules
from sim.engine.streams import LowUniforms, Streams
from sim.engine.team import Team
from sim.engine.volume import rates_for_inbound

DAY = HOURS_PER_DAY


# measured peak memory per person of reach (bench_engine: 1.16 GB at 1M people over a year)
BYTES_PER_PERSON = 1_300


def check_memory(size: int) -> None:
    """Refuse a population that cannot fit before allocating it (not a MemoryError later)."""
    try:
        with open("/proc/meminfo") as info:
            fields = dict(line.split(":", 1) for line in info)
        available = int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):  # not Linux: nothing to check against
        return
    needed = size * BYTES_PER_PERSON
    if needed > 0.9 * available:
        raise ConfigError(
            f"population.size={size}: needs about {needed / 1e9:.1f} GB of memory; "
            f"{available / 1e9:.1f} GB are available here"
        )


class HubspokeModel(mesa.Model):
    """One run of one scenario under one strategy."""

    def __init__(self, config: Config, seed: int | None = None) -> None:
        seed = config.seed if seed is None else int(seed)
        check_memory(config.population.size)
        keep_freed_memory()  # see sim.engine.pages: a run's arrays reuse the last run's pages
        super().__init__(rng=seed)
        # Mesa 3.5 schedules a step every time unit, an hour here: the day's work is all
        # scheduled events, so those 24 empty steps a day only cost time
        default_steps = getattr(self, "_default_schedule", None)
        if default_steps is not None:
            default_steps.stop()
        self.config = cfg = config
        self.seed = seed
        self.streams = Streams(seed)
        size = cfg.population.size
        # each simulated person stands for `scale` people of the brand's reach
        self.scale = max(cfg.population.reach, size) / size
        with without_huge_pages():  # see sim.engine.pages: a fresh process builds faster
            self.graph = build_graph(size, cfg.network, self.streams.graph)
            self.population = Population(cfg.population, size, self.streams.population)
        self.topics = list(cfg.posts.topics)
        self.defects = Defects(cfg)
        self.posts = PostBook()
        self.ledger = Ledger(size)
        self.rules = Rules(cfg.strategy)
        # the brand's stated volume (demand.inbound_per_day) sets those kinds' rates
        self.post_config = rates_for_inbound(
            cfg.posts, cfg.demand.inbound_per_day, self.population, self.scale, self.defects.level
        )
        self.generator = PostGenerator(self.post_config, size, self.defects.bound(), cfg.demand)
        if self.scale > 1.0:  # the reach's voiced incidents: below a voice bound and above it
            pop = self.population
            pop.track_loud(self.generator.bound_voice(pop.voice, (self.scale - 1.0) * size))
        # a day's posts in one compiled pass where the kernels can (sim.engine.day_posts)
        self._day_compiles = CompiledDay.usable(self.population, self.graph.follower_counts)
        self._compiled: CompiledDay | None = None
        self.team = Team(
            self,
            cfg,
            self.rules,
            self.posts,
            self.population,
            self.defects,
            [cfg.posts.topics[t].department for t in self.topics],
            self.ledger,
        )
        # temporary staff for their date windows: the crisis surge's mechanism, planned ahead
        for temps in cfg.team.hub.temps:
            if temps.staff > 0 and temps.days > 0 and self.rules.staffs_hub:
                self.team.add_surge(
                    temps.staff, DAY * temps.start_day, temps.days, shift=temps.shift
                )
        self.influencers: list[Influencer] = pick_influencers(
            self, self.graph.follower_counts, cfg.influencers.count
        )
        self._influencer_nodes = np.array([i.node for i in self.influencers], dtype=np.int64)
        if cfg.strategy.engage_influencers:
            for influencer in self.influencers:
                influencer.engaged = True
        for influencer, u in zip(
            self.influencers, self.streams.outreach.random(len(self.influencers)), strict=True
        ):
            influencer.outreach_u = float(u)
        self.attack_origins: set[int] = set()
        self.firestorm = self._make_firestorm() if cfg.attack.enabled else None
        if self.firestorm is not None:
            self.firestorm.resistant = np.zeros(size, dtype=bool)
            self._update_resistance()
            stance = self.firestorm.stance
            self.team.attack_reply_goodwill = (
                stance != "silence" and self.firestorm.effect.loyalty_shift > 0
            )
        # addressed complaints, watched until it is known whether they were ignored
        self._watch_ids = np.empty(0, dtype=np.int64)
        self.crisis_declared = False
        self.rows: list[dict[str, float]] = []
        self.day = 0
        steps = {
            "rumour": self._advance_rumour,
            "queues": self.team.advance,
            "ignored_complaints": self._ignored_complaints,
            "slow_dynamics": self._daily_dynamics,
            "hidden_problems": lambda now: self.defects.grow_hidden(),
            "record": self._record,
            "next_day": self._next_day,
        }
        self._day_close = [steps[name] for name, _ in DAY_CLOSE]
        self.schedule_recurring(
            self._close_day,
            Schedule(interval=DAY, start=DAY, end=DAY * cfg.days),
            priority=Priority.DEFAULT,
        )
        for start in sorted({shock.start_day for shock in cfg.events.defects}):
            self.schedule_event(self._apply_shocks, at=DAY * start, priority=Priority.HIGH)
        if self.firestorm is not None and cfg.attack.start_day < cfg.days:
            self.schedule_event(
                self._launch_attack, at=self.firestorm.start, priority=Priority.HIGH
            )
        self._open_day()

    # ---------------------------------------------------------------- set-up
    def _make_firestorm(self) -> Firestorm:
        return Firestorm(
            self.config.attack,
            self.config.strategy.crisis,
            self.graph,
            self.population,
            self.streams.attack,
        )

    def season(self, day: int) -> float:
        factor = 1.0
        for peak in self.config.events.seasons:
            if peak.start_day <= day < peak.start_day + peak.days:
                factor *= peak.multiplier
        return factor

    # ---------------------------------------------------------------- running
    def run(self) -> None:
        """Run every day of the scenario."""
        self.run_until(DAY * self.config.days)

    def _apply_shocks(self) -> None:
        self.defects.shock(self.time / DAY)

    def _launch_attack(self) -> None:
        storm = self.firestorm
        rng = self.streams.attack
        if self.config.attack.origin == "influencer" and self.influencers:
            origins = np.array([self.influencers[int(rng.integers(len(self.influencers)))].node])
        else:
            # customers at the start: the same people whatever the strategy did since
            customers = np.flatnonzero(self.population.initial_state == CUSTOMER)
            pool = customers if len(customers) else np.arange(self.population.size)
            count = min(self.config.attack.initial_spreaders, len(pool))
            origins = rng.choice(pool, count, replace=False)
        self.attack_origins = {int(o) for o in origins}
        for post in storm.launch(origins):
            self._attack_post(post.author, post.time)

    def _attack_post(self, author: int, time: float) -> None:
        cfg = self.config
        batch = assemble(
            [
                {
                    "kind": np.array([ATTACK], dtype=np.int8),
                    "author": np.array([author]),
                    "created": np.array([time]),
                    "topic": np.array([self.topics.index(cfg.attack.topic)]),
                    # a stream per author: the post is the same in every arm
                    **marks(self.streams.for_item("attack_post", author), 1, cfg.posts),
                }
            ],
            self.graph.follower_counts,
            self.population.platform,
        )
        ids = self.posts.extend(**batch.columns)
        self.ledger.posts_by_kind[ATTACK] += 1
        self.ledger.negative_posts += 1
        post = int(ids[0])
        seen = self.rules.sees(bool(self.posts.addressed[post]), float(self.posts.listen_u[post]))
        self.firestorm.notice(time, seen)
        self.team.take_up(ids)
        detected = self.firestorm.detected_at
        if not self.crisis_declared and not math.isnan(detected):
            self.crisis_declared = True
            self._declare_crisis(detected)

    def _declare_crisis(self, time: float) -> None:
        """The protocol's first moves, whatever the stance: surge staff and influencer outreach."""
        crisis = self.config.strategy.crisis
        if crisis.surge_staff > 0:
            self.team.add_surge(crisis.surge_staff, time, crisis.surge_days)
        if crisis.influencer_outreach:
            self._engage_influencers()

    def _update_resistance(self) -> None:
        """Engaged influencers check with the brand before passing an accusation on."""
        if self.config.influencers.engaged_stifles:
            for influencer in self.influencers:
                self.firestorm.resistant[influencer.node] = influencer.engaged

    def _engage_influencers(self) -> None:
        """Outreach during a crisis: influencers stop spreading and vouch for the brand.

        The accusation's origin is not won over; an influencer already spreading
        it is, with chance `influencers.recruit_spreader_prob`. One engaged before
        the crisis (`strategy.engage_influencers`) is asked too, and vouches: the
        relationship is what "be prepared" buys.
        """
        cfg, state = self.config.influencers, self.population.crisis
        for influencer in self.influencers:
            spreading = state[influencer.node] == SPREADING
            started_it = influencer.node in self.attack_origins
            already = influencer.engaged and not started_it
            if not already and not influencer.answer_outreach(
                spreading, started_it, cfg.recruit_spreader_prob
            ):
                continue
            if cfg.engaged_stifles:
                if spreading:
                    self.firestorm.stifle(influencer.node)
                self.ledger.weigh(self.ledger.positive_weight, influencer.node, 1.0)
        self._update_resistance()

    def _open_day(self) -> None:
        """Generate the posts of the day starting now, and their reshare cascades."""
        start = self.time
        season = self.season(self.day)
        if self._day_compiles and native.KERNELS is not None:
            if self._compiled is None:
                self._compiled = CompiledDay(self.generator)
            ids = self._compiled.posts(
                start=start,
                season=season,
                scale=self.scale,
                sample_rng=self.streams.posts,
                background_rng=self.streams.background,
                population=self.population,
                defect_level=self.defects.level,
                hit=self.config.posts.incident_loyalty_hit,
                book=self.posts,
                follower_counts=self.graph.follower_counts,
                marks_cfg=self.post_config,
            )
        else:
            ids = self._day_posts(start, season)
        self._took_up(ids)

    def _day_posts(self, start: float, season: float) -> np.ndarray:
        """The day's posts into the book (their ids), the incidents' authors hit: what
        `CompiledDay` does in one compiled pass."""
        pop = self.population
        today = self.generator.day(
            self.streams.posts, start, season, self.defects.level, pop.state, pop.loyalty, raw=True
        )
        incident = today["kind"] == COMPLAINT
        authors = today["author"][incident]
        today["loyalty_before"] = np.where(incident, pop.loyalty[today["author"]], np.nan)
        pop.shift_loyalty(authors, -self.config.posts.incident_loyalty_hit)
        np.add.at(pop.open_issues, authors, pop.open_issues.dtype.type(1))  # see shift_loyalty
        # an incident is a post only when voiced in public
        posted = ~incident | (today["voice_u"] < pop.voice[today["author"]])
        parts = [{name: values[posted] for name, values in today.items()}]
        if self.scale > 1.0:
            parts.append(self._background_posts(start, season))
        return self.posts.extend_parts(
            parts, self.graph.follower_counts, pop.platform, self.post_config
        )

    def _took_up(self, ids: np.ndarray) -> None:
        """The day's posts `ids` (the book's last) to the team, the ledger and the cascades."""
        posts, ledger = self.posts, self.ledger
        self.team.take_up(ids)
        day = read_day(posts, len(posts) - len(ids), len(ids), ledger.posts_by_kind)
        self._watch_ids = np.concatenate([self._watch_ids, day.complaints])
        ledger.negative_posts += day.negative_posts
        ledger.negative_mentions += day.negative_mentions
        self._spread(day)

    def _background_posts(self, start: float, season: float) -> dict[str, np.ndarray]:
        """Today's posts by the people of the reach outside the simulated sample.

        They arrive at the per-person rates of the sample's own posts, from the
        (scale - 1) x size people the sample does not simulate; each borrows a
        simulated person as its template (whether they are a customer, their
        loyalty, voice, followers and platform), on a stream of its own, so the
        sample's posts are the same with or without them. Their authors are
        outside the sample: no simulated person's loyalty moves, and their
        audiences are outside it too (the sample's own network carries exposure).
        """
        pop = self.population
        part = self.generator.day(
            self.streams.background,
            start,
            season,
            self.defects.level,
            pop.state,
            pop.loyalty,
            people=(self.scale - 1.0) * pop.size,
            voice=pop.voice,
            loud=pop.loud,
            raw=True,
        )
        part["background"] = np.ones(len(part["author"]), dtype=bool)
        return part

    def _spread(self, day: DayReading) -> None:
        """Reshare cascades and influencer amplification: who sees today's posts (the
        sampled ones that spread, as `read_day` found them)."""
        cfg, ledger = self.config, self.ledger
        author = day.spread_author
        if len(author):
            resharer = cascades_weighed(
                self.graph, author, day.spread_negativity, day.spread_negative,
                day.spread_praise, cfg.posts.reshare, self.streams.cascades,
                ledger.negative_weight, ledger.positive_weight,
            )  # fmt: skip
            ledger.reshares += len(resharer)
            # written past Ledger.weigh: the day's close and the reset read these people
            ledger.touched.append(np.concatenate([author, resharer]))
        if not len(day.negative_authors) or not self.influencers:
            return  # no complaint to see: every influencer passes on none, drawing nothing
        # how many of today's complainers each influencer has among its followers
        seen = self.graph.followers_among(self._influencer_nodes, day.negative_authors)
        for influencer, count in zip(self.influencers, seen.tolist(), strict=True):
            amplified = influencer.amplify(count, cfg.influencers, self.streams.influencers)
            if amplified:  # nothing passed on weighs nothing: no one to write or clear
                ledger.weigh(
                    ledger.negative_weight,
                    influencer.node,
                    amplified * NEGATIVITY[KIND["complaint"]],
                )

    def _close_day(self) -> None:
        """End of a day: the steps of `clock.DAY_CLOSE`, in that order."""
        now = self.time
        for step in self._day_close:
            step(now)

    def _advance_rumour(self, now: float) -> None:
        if self.firestorm is not None:
            self.firestorm.advance(now, self._attack_post)

    def _next_day(self, now: float) -> None:
        self.day += 1
        self.ledger.reset()
        if self.day < self.config.days:
            self._open_day()

    def _ignored_complaints(self, now: float) -> None:
        """Complainers who got no reply in time may defect to a competitor."""
        pop, posts = self.population, self.posts
        ids = self._watch_ids
        due = posts.created[ids] + pop.cfg.ignored_after_hours
        settled = due <= now
        done = ids[settled]
        self._watch_ids = ids[~settled]
        ignored = ~(posts.first_response[done] <= due[settled])  # NaN: never answered
        leaving = done[ignored & (posts.defect_u[done] < pop.cfg.ignored_defect_prob)]
        self.ledger.defected = pop.defect(posts.author[leaving]) if len(leaving) else 0

    def _daily_dynamics(self, now: float) -> None:
        cfg, pop, graph, ledger = self.config, self.population, self.graph, self.ledger
        pc = cfg.posts
        # the weights sit on today's few posters and repliers: read and spread theirs only
        people = ledger.people_touched()
        seen = (
            pc.bystander_positive_gain * ledger.positive_weight[people]
            + pc.bystander_reply_gain * ledger.reply_weight[people]
            - pc.bystander_negative_hit * ledger.negative_weight[people]
        )
        # what the few exposed saw, in loyalty, held sparse: (people, shifts); none, no shift
        exposed = shifts = None
        if seen.any():
            posters = seen != 0
            exposed, shifts = graph.exposure_sparse(people[posters], seen[posters])
        negative = ledger.negative_weight[people]
        negative_exposure = None  # nobody exposed: conversion's damping is a factor of 1
        if negative.any():
            posters = negative != 0
            negative_exposure = graph.exposure_sparse(people[posters], negative[posters])
        pop.drift(exposed, shifts)
        # each person's uniforms below the day's bounds only, each process on its own
        # stream: forgetting and churn have bounds set by the population's config alone
        # (the same in every arm); conversion's grows with the arm's company posts, so
        # the draws below every arm's bound are shared and the band above drawn apart
        streams = self.streams
        pop.forget_issues(LowUniforms(streams.forget, pop.size, pop.forget_probability))
        ledger.churned = len(pop.churn(LowUniforms(streams.churn, pop.size, pop.churn_bound)))
        conv = cfg.population.conversion
        innovation = (
            conv.innovation_per_day + conv.content_per_post * cfg.strategy.broadcast_per_day
        )
        customer = pop.state == CUSTOMER
        conversion = LowUniforms.layered(
            streams.conversion,
            streams.conversion_extra,
            pop.size,
            pop.conversion_bound(conv.innovation_per_day),  # without company posts
            pop.conversion_bound(innovation),
        )
        adopting, ledger.won_back, ledger.won_back_competitor = pop.convert(
            conversion,
            lambda people: graph.followee_share(customer, people),
            innovation,
            negative_exposure,
        )
        ledger.converted = len(adopting)
        slots, previous = pop.turnover(self.streams.turnover, cfg.population.turnover_per_day)
        ledger.entered = len(slots)
        ledger.left_lapsed = int((previous == LAPSED).sum())
        ledger.left_competitor = int((previous == COMPETITOR).sum())

    def brand(self, count: float) -> float:
        """A count of simulated people (or their money) as the brand's: times `scale`."""
        return count * self.scale if self.scale != 1.0 else count

    def _costs(self) -> dict[str, float]:
        cfg = self.config
        hub, spokes = self.team.wages(self.day)
        listening = cfg.team.listening_cost_per_day * cfg.strategy.listening
        content = cfg.team.content_cost_per_post * cfg.strategy.broadcast_per_day
        engaged = sum(1 for i in self.influencers if i.engaged)
        outreach = cfg.team.outreach_cost_per_influencer_day * engaged
        return {
            "wages_hub": hub,
            "wages_spokes": spokes,
            "tools": listening,
            "content": content,
            "outreach": outreach,
            "compensation": self.ledger.compensation,
            "root_cause_fixes": self.ledger.root_cause_fixes * cfg.team.root_cause_fix_cost,
        }

    def _record(self, now: float) -> None:
        pop, ledger = self.population, self.ledger
        # the customers' loyalty and margins gathered once for the revenue and loyalty stats
        (prospects, customers, lapsed, competitor), loyalty, margins = pop.census()
        revenue = self.brand(pop.revenue_sum(margins, loyalty))
        costs = self._costs()
        cost = sum(costs.values())
        people = {
            "prospects": prospects,
            "customers": customers,
            "lapsed": lapsed,
            "competitor": competitor,
            "churned": ledger.churned + ledger.defected,
            "defected": ledger.defected,
            "converted": ledger.converted,
            "won_back": ledger.won_back,
            "won_back_competitor": ledger.won_back_competitor,
            "entered": ledger.entered,
            "left_lapsed": ledger.left_lapsed,
            "left_competitor": ledger.left_competitor,
            "leads_closed": ledger.leads_closed,
        }
        row: dict[str, float] = {
            "day": self.day + 1,
            "time_h": now,
            **{name: self.brand(count) for name, count in people.items()},
            **loyalty_stats(loyalty),
        }
        for kind, name in enumerate(POST_KINDS):
            row[f"posts_{name}"] = int(ledger.posts_by_kind[kind])
        total_posts = int(ledger.posts_by_kind.sum())
        row["negative_mentions"] = ledger.negative_mentions
        row["negative_share"] = ledger.negative_posts / total_posts if total_posts else math.nan
        row["reshares"] = self.brand(ledger.reshares)
        row.update(response_stats(ledger.response_hours, self.config.strategy.sla_hours))
        row["backlog"] = self.team.backlog(now)
        row["spoke_backlog"] = self.team.spoke_backlog()
        hub_busy = self.team.hub_busy_hours_today(now)
        staffed = self.team.staffed_hours(self.day)
        slot_hours = self.team.spoke_slot_hours(self.day)
        spoke_busy = self.team.spoke_busy_hours_today(now)
        row["hub_busy_h"] = hub_busy
        row["hub_staffed_h"] = staffed
        row["hub_utilisation"] = hub_busy / staffed if staffed > 0 else math.nan
        row["spoke_busy_h"] = spoke_busy
        row["spoke_slot_h"] = slot_hours
        row["spoke_utilisation"] = spoke_busy / slot_hours if slot_hours > 0 else math.nan
        row["root_cause_fix_count"] = ledger.root_cause_fixes
        row["resolved"] = ledger.resolved
        row["routed"] = ledger.routed
        row["broken_promises"] = ledger.broken
        row["abandoned"] = ledger.abandoned
        row["resolution_median_h"] = (
            quantiles(ledger.resolution_hours, (0.5,))[0] if ledger.resolution_hours else math.nan
        )
        for topic, level in zip(self.topics, self.defects.level, strict=True):
            row[f"defect_{topic}"] = float(level)
        storm = self.firestorm
        row["attack_aware_share"] = storm.ever_aware / pop.size if storm else 0.0
        row["attack_spreaders"] = self.brand(len(storm.spreaders)) if storm else 0
        row["revenue"] = revenue
        row.update(costs)
        row["cost_to_serve"] = cost
        row["relationship_value"] = revenue - cost
        self.rows.append(row)
