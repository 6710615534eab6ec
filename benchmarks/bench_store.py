"""Sweep store speed: `load()` and `Store.finished()` over 2,000 one-row run files.

    python benchmarks/bench_store.py                 # 2,000 files, best of 2
    python benchmarks/bench_store.py --files 500     # quicker

The files are real rows: one small run (and one failing run) through the
sweep's own `perform`, replicated under 2,000 planned run ids and written by
`Store.write`, as a sweep writes them. The first files, by name and by plan
order, hold failed runs (no metric columns), so `load()` must unify the
schemas of all files rather than take the first one's.

Targets on the 2-core machine, for 2,000 files (scaled with --files): load < 6 s,
finished < 3 s. Measured there, interleaved on the same folder while other jobs
shared the machine: the per-file pandas loop this store replaced took 8.2-11.0 s
to load and 3.2-5.1 s for finished(); the dataset-based store 2.4-2.9 s and
1.1-1.3 s. The targets leave about 2.5x headroom for a busier machine and still
fail on a return to reading file by file with pandas.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

from sim.experiments.runs import RunSpec, perform
from sim.experiments.sweeps import Store, load

SMALL = ("population.size=300", "days=5")
STAFF = "team.hub.staff"
TARGETS = {"load": 6.0, "finished": 3.0}  # seconds, for 2,000 files


def make_sweep(root: Path, files: int, failed: int) -> set[str]:
    """A sweep folder with `files` run files, the first `failed` of them failed runs."""
    good = perform(RunSpec("baseline", 0, SMALL, ((STAFF, 2),))).row
    bad = perform(RunSpec("baseline", 0, SMALL, ((STAFF, -1),))).row
    if good["status"] != "ok" or bad["status"] != "failed":
        raise SystemExit("bench_store: the template runs did not come out as expected")
    specs = [RunSpec("baseline", k, SMALL, ((STAFF, 2),), k) for k in range(files)]
    run_ids = sorted(s.run_id for s in specs)  # plan order = name order: a failed file first
    manifest = {
        "scenario": "baseline",
        "parameters": [STAFF],
        "grid": {STAFF: [2]},
        "samples": None,
        "replications": files,
        "seed": 0,
        "overrides": list(SMALL),
        "planned": files,
        "fingerprint": hashlib.sha256(json.dumps(run_ids).encode()).hexdigest()[:20],
        "run_ids": run_ids,
    }
    store = Store(root)
    store.open(manifest)
    for k, run_id in enumerate(run_ids):
        row = dict(bad if k < failed else good)
        row.update(run_id=run_id, seed=k, replication=k)
        store.write(row)
    return set(run_ids[failed:])


def best(function, repeat: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - started)
    return min(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--failed", type=int, default=20, help="failed runs among the files")
    parser.add_argument("--repeat", type=int, default=2, help="timings per figure (best kept)")
    args = parser.parse_args()
    scale = args.files / 2000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "sweep"
        started = time.perf_counter()
        ok_ids = make_sweep(root, args.files, args.failed)
        written = time.perf_counter() - started
        load_s, data = best(lambda: load(root), args.repeat)
        finished_s, done = best(lambda: Store(root).finished(), args.repeat)
    checks = {
        "rows": len(data) == args.files,
        "metrics": "relationship_value_total" in data and "churn_rate" in data,
        "failed first": data["status"].iloc[0] == "failed",
        "finished": done == ok_ids,
    }
    print(f"files         {args.files} ({args.failed} failed, written in {written:.1f} s)")
    missed = 0
    for name, seconds in (("load", load_s), ("finished", finished_s)):
        target = TARGETS[name] * scale
        verdict = "ok" if seconds < target else "MISSED"
        missed += seconds >= target
        print(f"{name:12s}  {seconds:8.2f} s   target < {target:5.1f} s: {verdict}")
    for name, good in checks.items():
        print(f"{name:12s}  {'ok' if good else 'WRONG'}")
    if missed or not all(checks.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
