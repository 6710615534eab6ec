"""Importing a post log of a million rows, against issue 24's target of under 20 s.

    python benchmarks/bench_import_log.py              # 1,000,000 rows
    python benchmarks/bench_import_log.py --rows 200000

Writes a synthetic log (sim/imports/synthetic.py, rates scaled to the row
count, eight weeks) as CSV into a temporary folder, then times
`sim.imports.import_log` on it: reading, parsing the times in the brand's
zone, estimating, and writing the scenario and its companions. Exits 1 when
the import takes longer than the target.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sim.imports import import_log
from sim.imports.synthetic import SyntheticLog, synthetic_log

TARGET_S = 20.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    base = SyntheticLog()
    scale = args.rows / (sum(base.per_day.values()) * base.days)
    truth = SyntheticLog(per_day={k: v * scale for k, v in base.per_day.items()})
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "log.csv"
        start = time.perf_counter()
        synthetic_log(truth, seed=0).to_csv(log, index=False)
        made = time.perf_counter() - start
        start = time.perf_counter()
        fit = import_log(
            log,
            Path(folder) / "brand.yaml",
            truth.timezone,
            {"sales lead": "lead"},
            topic_map={"Payments": "billing"},
        )
        took = time.perf_counter() - start
    ok = took < TARGET_S
    print(f"log of {fit.rows:,} rows over {fit.days} days (written in {made:.1f} s)")
    print(f"import: {took:.1f} s (target < {TARGET_S:g} s)  {'ok' if ok else 'SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
