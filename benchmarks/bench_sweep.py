"""Sweep throughput: a 200-run baseline sweep with jobs=1 against jobs=2.

    python benchmarks/bench_sweep.py              # 200 runs each way
    python benchmarks/bench_sweep.py --runs 40    # quicker

Target on the 2-core machine: jobs=2 reaches at least 1.7x the throughput of jobs=1.
Each sweep goes into a fresh temporary folder; the two datasets are checked equal.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from sim.experiments.sweeps import load, sweep


def timed(runs: int, jobs: int, out: Path) -> float:
    started = time.perf_counter()
    sweep("baseline", grid={"team.hub.staff": [2]}, replications=runs, out=out, jobs=jobs)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        serial = timed(args.runs, 1, Path(tmp) / "serial")
        parallel = timed(args.runs, 2, Path(tmp) / "parallel")
        a, b = load(Path(tmp) / "serial"), load(Path(tmp) / "parallel")
        drop = ["wall_seconds", "provenance"]
        pd.testing.assert_frame_equal(a.drop(columns=drop), b.drop(columns=drop))
    print(f"runs          {args.runs}")
    print(f"jobs=1        {serial:8.1f} s   {args.runs / serial:6.2f} runs/s")
    print(f"jobs=2        {parallel:8.1f} s   {args.runs / parallel:6.2f} runs/s")
    ratio = serial / parallel
    print(f"speed-up      {ratio:8.2f}x   target >= 1.7x: {'ok' if ratio >= 1.7 else 'MISSED'}")
    print("datasets      identical")
    if ratio < 1.7:
        sys.exit(1)


if __name__ == "__main__":
    main()
