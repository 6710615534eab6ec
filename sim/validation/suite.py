"""`hubspoke validate`: every check at its default parameters, as a table with pass/fail."""

from __future__ import annotations

import json
import math
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from sim.validation import checks, theory

SIGMAS = 3.0  # a check passes within 3 standard errors of theory
# Bass: one run's standard error peaks at ~0.0094 (day 8 of p=0.03, q=0.38, 10,000
# people), so the acceptance criterion (within 0.01 every day) is met by a single run
# only about half the time; on the mean of 16 runs 0.01 is 4.3 standard errors
BASS_REPLICATIONS = 16


@dataclass
class Row:
    check: str
    theory: float
    engine: float
    tolerance: float
    note: str = ""

    @property
    def passed(self) -> bool:
        return abs(self.engine - self.theory) <= self.tolerance

    def as_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed}


QUEUE_METRICS = ("p_wait", "asa_seconds", "service_level_20s", "p_abandon", "utilisation")


def _queue_rows(args: tuple) -> list[Row]:
    arrivals, handle, staff, patience, replications = args
    engine = checks.queue(arrivals, handle, staff, patience, replications=replications)
    if patience is None:
        expected, label = theory.erlang_c(arrivals, handle, staff), "Erlang C"
    else:
        expected, label = theory.erlang_a(arrivals, handle, staff, patience), "Erlang A"
    rows = []
    for name in QUEUE_METRICS:
        if patience is None and name == "p_abandon":
            continue
        se = engine[f"se_{name}"]
        rows.append(
            Row(
                f"queue {label} N={staff} {name}",
                expected[name],
                engine[name],
                SIGMAS * se,
                f"{int(engine['replications'])} replications, SE from replications",
            )
        )
    return rows


def _bass_rows(args: tuple) -> list[Row]:
    p, q, size, days, replications = args
    engine = checks.bass(p, q, size, days, replications=replications)
    expected = theory.bass_curve(p, q, engine.index.to_numpy(dtype=np.float64))
    se = theory.bass_standard_error(p, q, size, days)[engine.index.to_numpy()]
    se /= math.sqrt(replications)
    deviation = np.abs(engine.to_numpy() - expected)
    worst = int(np.argmax(deviation / se))
    return [
        Row(
            f"bass p={p} q={q} n={size}: worst day ({engine.index[worst]})",
            float(expected[worst]),
            float(engine.iloc[worst]),
            SIGMAS * float(se[worst]),
            f"mean of {replications} runs; max |dev| over days 1-{days} = "
            f"{deviation.max():.4f} (acceptance 0.01)",
        ),
        Row(
            f"bass p={p} q={q} n={size}: max abs deviation days 1-{days}",
            0.0,
            float(deviation.max()),
            0.01,
            f"absolute tolerance of the acceptance criterion, on the mean of {replications} runs",
        ),
    ]


def _rumour_rows(args: tuple) -> list[Row]:
    size, replications = args
    values = [checks.rumour(size, seed) for seed in checks.replicate_seeds(0, replications)]
    se = theory.maki_thompson_sd(size) / math.sqrt(replications)
    return [
        Row(
            f"rumour Maki-Thompson n={size} never aware",
            theory.maki_thompson_never_aware(),
            float(np.mean(values)),
            SIGMAS * se,
            f"{replications} replications, SE from Watson's asymptotic variance",
        )
    ]


def _clv_rows(args: tuple) -> list[Row]:
    margin, retention, discount, customers, periods = args
    out = checks.clv(margin, retention, discount, customers, periods)
    return [
        Row(
            f"clv m={margin} r={retention} i={discount} T={periods}",
            out["analytic"],
            out["simulated"],
            SIGMAS * out["se"],
            f"infinite horizon m r/(1+i-r) = {out['analytic_infinite']:.4f}",
        )
    ]


def _cascade_rows(args: tuple) -> list[Row]:
    size, c, runs = args
    out = checks.cascade(size, c, cascades_run=runs)
    s = theory.cascade_giant(c)
    majors = max(out["majors"], 1.0)
    return [
        Row(
            f"cascade n={size} c={c} P(major)",
            s,
            out["p_major"],
            SIGMAS * math.sqrt(s * (1.0 - s) / runs),
            f"{runs} cascades, binomial SE",
        ),
        Row(
            f"cascade n={size} c={c} size of major",
            s,
            out["size_major"],
            SIGMAS * theory.cascade_size_sd(c, size) / math.sqrt(majors),
            f"{int(majors)} major cascades, Reed-Frost CLT SE",
        ),
    ]


def default_plan(scale: float = 1.0) -> list[tuple]:
    """(function, arguments) of every check at the documented default parameters."""
    reps = max(int(20 * scale), 5)
    plan: list[tuple] = []
    for staff in range(11, 16):
        plan.append((_queue_rows, (100.0, 6.0, staff, None, reps)))
    for staff in range(9, 16):
        plan.append((_queue_rows, (100.0, 6.0, staff, 3.0, reps)))
    plan.append((_bass_rows, (0.03, 0.38, 10_000, 20, BASS_REPLICATIONS)))
    plan.append((_rumour_rows, (5000, max(int(20 * scale), 5))))
    plan.append((_clv_rows, (1.0, 0.99, 0.001, 10_000, 2000)))
    plan.append((_cascade_rows, (5000, 1.5, max(int(400 * scale), 100))))
    return plan


def _call(item: tuple) -> list[Row]:
    function, args = item
    return function(args)


def run_all(jobs: int | None = None, scale: float = 1.0) -> list[Row]:
    plan = default_plan(scale)
    if jobs == 1:
        results = [_call(item) for item in plan]
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(_call, plan))
    return [row for rows in results for row in rows]


def table(rows: list[Row]) -> str:
    lines = [
        "| check | theory | engine | tolerance | result | note |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.check} | {r.theory:.5g} | {r.engine:.5g} | ±{r.tolerance:.3g} | "
            f"{'pass' if r.passed else 'FAIL'} | {r.note} |"
        )
    return "\n".join(lines)


def write(rows: list[Row], out: Path) -> None:
    from sim.report.io import atomic_write

    passed = sum(r.passed for r in rows)
    text = f"# Validation\n\n{passed} of {len(rows)} checks pass.\n\n{table(rows)}\n"
    atomic_write(out / "validation.md", lambda p: p.write_text(text))
    payload = {"passed": passed, "total": len(rows), "rows": [r.as_dict() for r in rows]}
    atomic_write(out / "validation.json", lambda p: p.write_text(json.dumps(payload, indent=2)))
