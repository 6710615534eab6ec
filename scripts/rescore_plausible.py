"""Rescore the calibration's candidate points and rebuild the shipped plausible set.

    python scripts/rescore_plausible.py                     # score and print, write nothing
    python scripts/rescore_plausible.py --write             # and replace the shipped set
    python scripts/rescore_plausible.py --replications 8 --jobs 2

`calibration/published_candidates.csv` holds the points the published calibration
kept (the fit's two waves and the edge points added for the wrong-world test; see
docs/calibration.md). Every engine change that moves the model's draws moves the
model means, and points near the line (max I ~ 3) change side: this reruns each
point against every target of `published` with common random numbers (seeds seed,
seed + 1, ...), prints each point's largest implausibility, the plausible ranges and
the targets that rule points out, and with `--write` replaces
`calibration/published_plausible.csv` (the set `uncertainty=calibrated` draws from)
with the points whose max I <= 3. The runs are kept under `--out` and resume.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments import calibration as cal

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = ROOT / "calibration" / "published_candidates.csv"
SHIPPED = ROOT / "calibration" / cal.SHIPPED_PLAUSIBLE
CUT_OFF = 3.0  # Pukelsheim's three-sigma rule, as the calibration's (docs/calibration.md)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--replications", type=int, default=8, help="runs per point and group")
    parser.add_argument("--seed", type=int, default=0, help="first seed")
    parser.add_argument("--jobs", type=int, default=2, help="local worker processes")
    parser.add_argument("--out", type=Path, default=ROOT / "outputs" / "rescore_plausible")
    parser.add_argument("--write", action="store_true", help=f"replace {SHIPPED.name}")
    args = parser.parse_args()
    if args.replications < 2:
        parser.error("--replications must be at least 2 (the model's variance)")

    candidates = pd.read_csv(CANDIDATES)
    keys = [c for c in candidates.columns if c != "origin"]
    points = [{k: float(row[k]) for k in keys} for _, row in candidates.iterrows()]
    targets = cal.in_scenario(cal.load_targets("published"))  # as `hubspoke calibrate` runs it
    print(
        f"{len(points)} points x {args.replications} replications (seed {args.seed}) "
        f"against {len(targets.targets)} targets of '{targets.name}'",
        flush=True,
    )
    start = time.perf_counter()
    evaluated = cal.evaluate(
        targets,
        points,
        args.replications,
        args.seed,
        args.out,
        (),
        {"jobs": args.jobs, "executor": "local", "address": None, "progress": False},
    )
    scored = cal.implausibility(targets, evaluated)
    print(f"{time.perf_counter() - start:.0f} s")
    scored.to_csv(args.out / "scored.csv", index=False)

    worst = scored.groupby("point")["I"].max()
    frame = candidates[keys].copy()
    frame["max_I"] = worst.reindex(range(len(frame))).to_numpy()
    plausible = frame[frame["max_I"] <= CUT_OFF]
    shipped = pd.read_csv(SHIPPED)
    # the shipped set is written to six significant digits: match within that
    in_shipped = [
        bool(np.isclose(shipped[keys].to_numpy(), row, rtol=1e-5, atol=0).all(axis=1).any())
        for row in plausible[keys].to_numpy()
    ]
    print(
        f"plausible: {len(plausible)} of {len(frame)} "
        f"({sum(in_shipped)} of them in the shipped set of {len(shipped)})"
    )
    for key in keys:
        print(f"  {key:34s} [{plausible[key].min():.3g}, {plausible[key].max():.3g}]")
    ruled_out = scored[scored["I"] > CUT_OFF].groupby("target")["point"].nunique()
    print("points each target rules out:")
    for target, count in ruled_out.sort_values(ascending=False).items():
        print(f"  {target:34s} {count}")
    if args.write:
        plausible.to_csv(SHIPPED, index=False, float_format="%.6g")
        print(f"wrote {SHIPPED.relative_to(ROOT)} ({len(plausible)} points)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
