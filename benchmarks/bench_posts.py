"""Run time spent on posts, per post, against issue 18's goal of at most 3 us.

    python benchmarks/bench_posts.py                 # baseline 100k x 365 days, seed 1
    python benchmarks/bench_posts.py --people 1000000

Times the two places where posts cost time, over a whole run: the day's post
generation (`HubspokeModel._open_day`: arrivals, thinning, marks, the batch,
the reshare cascades and exposure) and the team's event loop (`Team.advance`:
the queues, replies, routing, fixes). Prints each per post and the run's total,
and exits 1 when the two together exceed the goal per post.
"""

from __future__ import annotations

import argparse
import sys
import time

import sim
from sim.engine.model import HubspokeModel
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    config = sim.load_config(args.scenario, [f"population.size={args.people}", f"days={args.days}"])
    HubspokeModel(config, args.seed + 1000).run()  # warm caches and imports, untimed
    totals = {"_open_day": 0.0, "advance": 0.0}
    timed(HubspokeModel, "_open_day", totals)
    timed(Team, "advance", totals)
    start = time.perf_counter()
    model = HubspokeModel(config, args.seed)
    model.run()
    run_s = time.perf_counter() - start
    posts = len(model.posts)
    generation, team = totals["_open_day"], totals["advance"]
    per_post = (generation + team) / posts * 1e6
    print(f"{args.scenario} {args.people:,} people x {args.days} days, seed {args.seed}")
    print(f"  posts                 {posts:>10,}")
    print(f"  build and run         {run_s:>10.2f} s")
    for name, seconds in (("post generation", generation), ("team's event loop", team)):
        print(f"  {name:21s} {seconds:>10.2f} s  {seconds / posts * 1e6:6.1f} us a post")
    verdict = "ok" if per_post <= GOAL_US else "SLOW"
    print(f"  posts in all          {per_post:>10.1f} us a post (goal <= {GOAL_US:g})  {verdict}")
    return 0 if per_post <= GOAL_US else 1


if __name__ == "__main__":
    sys.exit(main())
