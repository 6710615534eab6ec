"""Run time spent on posts, per post, against issue 18's goal of at most 3 us.

    python benchmarks/bench_posts.py                 # baseline 100k x 365 days, seed 1
    python benchmarks/bench_posts.py --people 1000000
    python benchmarks/bench_posts.py --people 10000 --marginal
    python benchmarks/bench_posts.py --people 10000 --seeds 5   # the median of five runs

Times the two places where posts cost time, over a whole run: the day's post
generation (`HubspokeModel._open_day`: arrivals, thinning, marks, the batch,
the reshare cascades and exposure) and the team's event loop (`Team.advance`:
the queues, replies, routing, fixes). Prints each per post and the run's total,
and exits 1 when the two together exceed the goal per post.

Those two include the day's fixed costs of generating posts (the candidates'
draws, the batch, the book), which do not grow with the number of posts.
`--marginal` also measures what one more post costs: whole runs with the reach
outside the sample doubled and quadrupled (more posts from the same simulated
people; two seeds each), and the slope of run time on posts by least squares.
It is printed for information; the exit status stays with the average above.

The simulated people's own incidents (bad experiences, each hitting its author's
loyalty whether voiced in public or not) are drawn in the same pass as the posts,
so their cost is in "post generation" too; the benchmark prints how many the
sample expects a day and per post. They grow with the sample, the posts with the
brand's reach: at 1M people the sample has ~5,000 a day for ~150 posts.

A single run's figure moves by about a tenth with the machine's hour (and a day's
fixed costs with what ran between two days); `--seeds K` runs K seeds one after
another and judges their median, with each run's figure printed.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import sim
from sim.engine.arrivals import PostGenerator
from sim.engine.model import HubspokeModel
from sim.engine.posts import COMPLAINT
from sim.engine.team import Team

GOAL_US = 3.0


def timed(owner: type, name: str, totals: dict[str, float]) -> None:
    """Wrap `owner.name` so that its wall time adds up in `totals[name]`."""
    original = getattr(owner, name)

    def wrapper(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            totals[name] += time.perf_counter() - start

    setattr(owner, name, wrapper)


def count_sample_incidents(tally: list[float]) -> None:
    """Add each day's expected incidents of the simulated sample (`PostGenerator.plan`
    for the sample: no `people` given) to `tally[0]`."""
    original = PostGenerator.plan

    def wrapper(self, *args, **kwargs):
        plan = original(self, *args, **kwargs)
        if kwargs.get("people") is None:
            kinds, expected = plan[0], plan[1]
            tally[0] += float(expected[kinds == COMPLAINT].sum())
        return plan

    PostGenerator.plan = wrapper


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--seed", type=int, default=1, help="the first seed")
    parser.add_argument("--seeds", type=int, default=1, help="runs, seed, seed+1, ...")
    parser.add_argument("--marginal", action="store_true", help="also the cost of one more post")
    args = parser.parse_args()
    config = sim.load_config(args.scenario, [f"population.size={args.people}", f"days={args.days}"])
    HubspokeModel(config, args.seed + 1000).run()  # warm caches and imports, untimed
    totals = {"_open_day": 0.0, "advance": 0.0}
    timed(HubspokeModel, "_open_day", totals)
    timed(Team, "advance", totals)
    incidents = [0.0]
    count_sample_incidents(incidents)
    print(f"{args.scenario} {args.people:,} people x {args.days} days")
    figures = []
    for seed in range(args.seed, args.seed + max(args.seeds, 1)):
        totals.update({"_open_day": 0.0, "advance": 0.0})
        incidents[0] = 0.0
        start = time.perf_counter()
        model = HubspokeModel(config, seed)
        model.run()
        run_s = time.perf_counter() - start
        posts = len(model.posts)
        generation, team = totals["_open_day"], totals["advance"]
        figures.append((generation + team) / posts * 1e6)
        print(f"seed {seed}")
        print(f"  posts                 {posts:>10,}")
        print(f"  build and run         {run_s:>10.2f} s")
        for name, seconds in (("post generation", generation), ("team's event loop", team)):
            print(f"  {name:21s} {seconds:>10.2f} s  {seconds / posts * 1e6:6.1f} us a post")
        per_day = incidents[0] / args.days
        print(
            f"  the sample's incidents {per_day:>9,.0f} a day expected, "
            f"{incidents[0] / posts:.1f} a post (in the generation's time)"
        )
    per_post = float(np.median(figures))
    verdict = "ok" if per_post <= GOAL_US else "SLOW"
    which = f", the median of {len(figures)}" if len(figures) > 1 else ""
    goal = f"(goal <= {GOAL_US:g}{which})"
    print(f"  posts in all          {per_post:>10.1f} us a post {goal}  {verdict}")
    if args.marginal:
        slope, fixed = marginal_cost(args)
        print(f"  one more post         {slope:>10.1f} us (the slope of run time on posts)")
        print(f"  the run without posts {fixed:>10.2f} s (the intercept)")
    return 0 if per_post <= GOAL_US else 1


def marginal_cost(args: argparse.Namespace) -> tuple[float, float]:
    """Microseconds of run time per extra post, and the intercept in seconds: runs at
    1, 2 and 4 times the reach outside the sample, two seeds each, least squares."""
    base = sim.load_config(args.scenario, [f"population.size={args.people}"])
    posts, seconds = [], []
    for factor in (1, 2, 4):
        reach = max(base.population.reach, args.people) * factor
        config = sim.load_config(
            args.scenario,
            [f"population.size={args.people}", f"days={args.days}", f"population.reach={reach}"],
        )
        for seed in (args.seed, args.seed + 1):
            start = time.perf_counter()
            model = HubspokeModel(config, seed)
            model.run()
            seconds.append(time.perf_counter() - start)
            posts.append(len(model.posts))
    slope, intercept = np.polyfit(np.array(posts, dtype=float), np.array(seconds), 1)
    return slope * 1e6, intercept


if __name__ == "__main__":
    sys.exit(main())
