"""Engine speed and memory against the targets of the engine issues.

    python benchmarks/bench_engine.py            # all cases
    python benchmarks/bench_engine.py --quick    # without the million-customer cases

Each case runs in a fresh subprocess so that its peak memory (max RSS) is its own.
Targets (2-core machine): baseline 10k x 90 days < 1 s; 100k x 180 days with a
brand attack < 15 s; a million customers x 365 days < 30 s with peak memory < 2 GB,
and at most 11 times the time of 100k x 365 days (issue 18: a realistic brand in
seconds, scaling linearly).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

# name, scenario, people, days, target seconds (None: measured for the ratio), target GB
CASES = [
    ("baseline 10k x 90d", "baseline", 10_000, 90, 1.0, None),
    ("attack 100k x 180d", "brand_attack_false", 100_000, 180, 15.0, None),
    ("baseline 100k x 365d", "baseline", 100_000, 365, None, None),
    ("baseline 1M x 365d", "baseline", 1_000_000, 365, 30.0, 2.0),
]
SCALING_TARGET = 11.0  # time(1M x 365) / time(100k x 365)

CHILD = """
import json, resource, sys, time
import sim
from sim.engine.model import HubspokeModel
scenario, size, days = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
config = sim.load_config(scenario, [f"population.size={size}", f"days={days}"])
t0 = time.perf_counter()
model = HubspokeModel(config, 1)
t1 = time.perf_counter()
model.run()
t2 = time.perf_counter()
result = sim.results.collect(model)
t3 = time.perf_counter()
print(json.dumps({"build_s": t1 - t0, "run_s": t2 - t1, "collect_s": t3 - t2,
                  "total_s": t3 - t0, "posts": len(model.posts),
                  "edges": model.graph.edges,
                  "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the 1M-customer case")
    args = parser.parse_args()
    cases = CASES[:3] if args.quick else CASES
    missed = 0
    totals = {}
    print(
        f"{'case':22s} {'build s':>8s} {'run s':>8s} {'total s':>8s} {'target s':>9s} "
        f"{'posts':>9s} {'peak GB':>8s}  verdict"
    )
    for name, scenario, size, days, target_s, target_gb in cases:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, scenario, str(size), str(days)],
            capture_output=True,
            text=True,
            check=True,
        )
        m = json.loads(out.stdout.strip().splitlines()[-1])
        totals[(scenario, size, days)] = m["total_s"]
        ok = (target_s is None or m["total_s"] < target_s) and (
            target_gb is None or m["peak_gb"] < target_gb
        )
        missed += not ok
        target = "-" if target_s is None else f"{target_s:.0f}"
        verdict = "-" if target_s is None and target_gb is None else ("ok" if ok else "SLOW")
        print(
            f"{name:22s} {m['build_s']:8.2f} {m['run_s']:8.2f} {m['total_s']:8.2f} "
            f"{target:>9s} {m['posts']:9d} {m['peak_gb']:8.2f}  {verdict}"
        )
    large, small = ("baseline", 1_000_000, 365), ("baseline", 100_000, 365)
    if large in totals and small in totals:
        ratio = totals[large] / totals[small]
        ok = ratio <= SCALING_TARGET
        missed += not ok
        print(
            f"scaling: time(1M)/time(100k) = {ratio:.1f} (target <= {SCALING_TARGET:g})  "
            f"{'ok' if ok else 'MISSED'}"
        )
    if missed:
        print(f"{missed} target(s) missed")
        sys.exit(1)


if __name__ == "__main__":
    main()
