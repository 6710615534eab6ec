"""Engine speed and memory against the targets of the engine issue.

    python benchmarks/bench_engine.py            # all three cases
    python benchmarks/bench_engine.py --quick    # the first two only

Each case runs in a fresh subprocess so that its peak memory (max RSS) is its own.
Targets (2-core machine): baseline 10k x 90 days < 1 s; 100k x 180 days with a
brand attack < 15 s; 1M x 365 days < 180 s with peak memory < 2 GB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CASES = [
    ("baseline 10k x 90d", "baseline", 10_000, 90, 1.0, None),
    ("attack 100k x 180d", "brand_attack_false", 100_000, 180, 15.0, None),
    ("baseline 1M x 365d", "baseline", 1_000_000, 365, 180.0, 2.0),
]

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
    cases = CASES[:2] if args.quick else CASES
    missed = 0
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
        ok = m["total_s"] < target_s and (target_gb is None or m["peak_gb"] < target_gb)
        missed += not ok
        print(
            f"{name:22s} {m['build_s']:8.2f} {m['run_s']:8.2f} {m['total_s']:8.2f} "
            f"{target_s:9.0f} {m['posts']:9d} {m['peak_gb']:8.2f}  {'ok' if ok else 'SLOW'}"
        )
    if missed:
        print(f"{missed} case(s) missed their target")
        sys.exit(1)


if __name__ == "__main__":
    main()
