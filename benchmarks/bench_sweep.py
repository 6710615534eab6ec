"""Sweep throughput: a 200-run baseline sweep with jobs=1 against jobs=2.

    python benchmarks/bench_sweep.py              # 200 runs each way
    python benchmarks/bench_sweep.py --runs 40    # quicker

Target: jobs=2 reaches at least 85 % of the speed-up the machine itself gives two
processes (1.7x where the two cores are whole cores). The machine's own figure is
measured first: a pure-Python loop alone, then two at once in separate processes.
Virtual cores can share a physical one: on one machine of the CI's kind two such
loops each ran at 67 % of one alone (1.35x in all), and no sweep can beat that.
Each sweep goes into a fresh temporary folder; the two datasets are checked equal.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
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


EFFICIENCY = 0.85  # of the machine's own speed-up for two processes


def _burn(_: int = 0) -> tuple[int, float]:
    """(process id, seconds) of a fixed pure-Python loop (interpreter work, like a run's)."""
    start, total = time.perf_counter(), 0
    for i in range(20_000_000):
        total += i
    return os.getpid(), time.perf_counter() - start


def machine_speed_up(repeats: int = 3) -> float:
    """Throughput of two processes at once against one alone, on this machine now (the
    median of `repeats` tries: a shared machine's figure varies from minute to minute)."""
    context = multiprocessing.get_context("spawn")
    ratios = []
    with context.Pool(2) as pool:
        pool.map(_burn, range(2), chunksize=1)  # start both workers
        for _ in range(repeats):
            alone = pool.apply(_burn)[1]
            both = pool.map(_burn, range(2), chunksize=1)
            if len({pid for pid, _ in both}) < 2:  # one worker took both: not at once
                continue
            ratios.append(2.0 * alone / max(seconds for _, seconds in both))
    # never measured at once (unlikely): hold the sweep to whole cores, the strict target
    return float(statistics.median(ratios)) if ratios else 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    ceiling = machine_speed_up()
    target = EFFICIENCY * ceiling
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
    print(f"machine       {ceiling:8.2f}x   two pure-Python processes against one")
    verdict = "ok" if ratio >= target else "MISSED"
    print(
        f"speed-up      {ratio:8.2f}x   target >= {target:.2f}x "
        f"({EFFICIENCY:.0%} of the machine's): {verdict}"
    )
    print("datasets      identical")
    if ratio < target:
        sys.exit(1)


if __name__ == "__main__":
    main()
