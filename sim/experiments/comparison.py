"""Compare response strategies (arms) on one scenario with replications and 95% CIs.

Replication k runs with the same seed in every arm, so every arm meets the
same customers, incidents and attack (common random numbers); the difference
to the reference arm is then estimated from paired differences, whose
interval is much narrower than the unpaired (Welch) one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import ConfigError, arguments, load_config
from sim.engine.metrics import LOWER_IS_BETTER, VALUE_NOTE
from sim.experiments.executors import check as check_executor
from sim.experiments.runs import RunRecord, RunSpec, check_metrics, execute
from sim.experiments.specs import KEY_METRICS
from sim.experiments.uncertainty import beaten_or_tied, deciders, draw_overrides, draws_for
from sim.report.stats import (
    FEW_REPLICATIONS,
    few_replications_note,
    holm,
    mean_ci,
    paired_ci,
    paired_test,
    welch_ci,
    within_bounds,
)

Arms = Mapping[str, Sequence[str]] | Sequence[str]
# the metrics on which every arm's verdict against the reference is spelled out
VERDICT_METRICS = ("relationship_value_horizon", "churn_rate")
# the daily columns a comparison keeps for its time plots
DAILY = ("day", "loyalty_mean", "backlog", "customers", "first_response_p90_h")


def normalise_arms(arms: Arms) -> dict[str, list[str]]:
    """A list of strategy names is shorthand for {name: ["strategy=name"]}."""
    if isinstance(arms, Mapping):
        out = {str(name): list(overrides) for name, overrides in arms.items()}
    else:
        out = {str(name): [f"strategy={name}"] for name in arms}
    if not out:
        raise ConfigError("arms: empty; name at least one arm")
    return out


@dataclass
class Comparison:
    """Runs, per-arm CIs and paired differences against the reference arm."""

    scenario: str
    arms: dict[str, list[str]]
    reference: str
    runs: pd.DataFrame
    daily: pd.DataFrame
    metrics: list[str] = field(default_factory=lambda: list(KEY_METRICS))
    uncertainty: str = "none"  # or the plausible set whose draws the replications used
    draws: pd.DataFrame | None = None  # the parameter set each replication used
    overrides: list[str] = field(default_factory=list)  # applied to every arm
    seed: int = 0
    currency: str = "USD"  # output.currency, the same in every arm

    def ranking(self) -> pd.DataFrame:
        """How stable the ranking of the arms is across replications, per metric.

        `modal_order` is the most frequent order, best first (lower is better for
        churn, costs, response times and the like: `sim.engine.metrics.LOWER_IS_BETTER`),
        `modal_share` the share of replications with exactly that order, and
        `top_share` how often the mean's best arm is best in a replication.
        With parameter uncertainty each replication has its own parameter draw,
        so these say how often the ranking flips across plausible worlds.
        """
        rows = []
        for metric in self.metrics:
            wide = self.runs.pivot(index="replication", columns="arm", values=metric)[
                list(self.arms)
            ]
            if wide.isna().any().any():
                continue
            lower = metric in LOWER_IS_BETTER
            orders = pd.Series(
                [
                    " > ".join(row.sort_values(ascending=lower, kind="stable").index)
                    for _, row in wide.iterrows()
                ],
                index=wide.index,
            )
            modal = orders.mode().iloc[0]
            best = wide.mean().idxmin() if lower else wide.mean().idxmax()
            beaten, tied = beaten_or_tied(wide, best, -1.0 if lower else 1.0)
            rows.append(
                {
                    "metric": metric,
                    "best_on_average": best,
                    # strictly best: a replication where arms tie is no arm's
                    "top_share": float((~beaten & ~tied).mean()),
                    "modal_order": modal,
                    "modal_share": float((orders == modal).mean()),
                }
            )
        return pd.DataFrame(rows)

    def deciders(self) -> pd.DataFrame:
        """Which drawn parameter or assumption turns the top arm's lead around, per metric.

        Empty without uncertainty draws; see `sim.experiments.uncertainty.deciders`.
        """
        return deciders(self.runs, self.draws, list(self.arms), self.metrics, self.reference)

    @property
    def table(self) -> pd.DataFrame:
        """A row per (arm, metric): mean and 95% CI, paired and unpaired difference to reference.

        `diff_p` is the paired t-test's p of each difference; `diff_p_holm` the same after
        Holm's adjustment over every difference in the table (each arm but the reference,
        each metric): where it is at most 0.05, the difference stays clear however many
        arms and metrics were compared, at a 5 % chance of any false one among them.
        """
        rows = []
        ref = self.runs[self.runs["arm"] == self.reference].set_index("replication")
        metrics = [c for c in self.runs.columns if c not in ("arm", "replication", "seed")]
        for arm in self.arms:
            runs = self.runs[self.runs["arm"] == arm].set_index("replication")
            for metric in metrics:
                values = runs[metric].to_numpy(dtype=np.float64)
                mean, low, high, n = mean_ci(values)
                aligned = ref[metric].reindex(runs.index).to_numpy(dtype=np.float64)
                diff, d_low, d_high, _ = paired_ci(values, aligned)
                _, u_low, u_high = welch_ci(values, aligned)
                # a share's interval stays within [0, 1], its difference's within [-1, 1]
                low, high = within_bounds(metric, low, high)
                d_low, d_high = within_bounds(metric, d_low, d_high, difference=True)
                u_low, u_high = within_bounds(metric, u_low, u_high, difference=True)
                rows.append(
                    {
                        "arm": arm,
                        "metric": metric,
                        "n": n,
                        "mean": mean,
                        "ci_low": low,
                        "ci_high": high,
                        "diff": diff,
                        "diff_low": d_low,
                        "diff_high": d_high,
                        "diff_excludes_zero": bool(d_low > 0 or d_high < 0),
                        "diff_unpaired_low": u_low,
                        "diff_unpaired_high": u_high,
                        "diff_p": paired_test(values, aligned) if arm != self.reference else np.nan,
                    }
                )
        table = pd.DataFrame(rows)
        if table.empty:
            return table
        tested = table["diff_p"].notna()
        table["diff_p_holm"] = np.nan
        table.loc[tested, "diff_p_holm"] = holm(table.loc[tested, "diff_p"].tolist())
        return table

    def markdown(self) -> str:
        """The key metrics as one table: arm means with CIs and differences to the reference."""
        frame = self.table  # computed once: every paired test of every metric and arm
        table = frame.set_index(["metric", "arm"])
        lines = [
            f"# Comparison: {self.scenario}",
            "",
            f"{int(self.runs['replication'].nunique())} replications per arm, common random "
            f"numbers; differences are paired against **{self.reference}**, 95% CIs; "
            "`*` marks a difference whose CI excludes zero.",
            "",
            VALUE_NOTE,
            "",
            f"Money is in {self.currency}.",
            "",
            "Every arm ran with: "
            + (", ".join(f"`{o}`" for o in self.overrides) or "the scenario as it is")
            + f"; seeds {self.seed}..{self.seed + int(self.runs['replication'].nunique()) - 1}.",
            "",
        ]
        replications = int(self.runs["replication"].nunique())
        if replications < FEW_REPLICATIONS:
            lines += [f"**{few_replications_note(replications).capitalize()}.**", ""]
        lines += [
            "| metric | " + " | ".join(self.arms) + " |",
            "|---|" + "---:|" * len(self.arms),
        ]
        for metric in self.metrics:
            if metric not in table.index.get_level_values(0):
                continue
            cells = []
            for arm in self.arms:
                r = table.loc[(metric, arm)]
                cell = f"{_fmt(r['mean'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
                if arm != self.reference and np.isfinite(r["diff"]):
                    cell += (
                        f"<br>Δ {_fmt(r['diff'], sign=True)} "
                        f"[{_fmt(r['diff_low'], sign=True)}, {_fmt(r['diff_high'], sign=True)}]"
                        f"{_marks(r)}"
                    )
                cells.append(cell)
            lines.append(f"| {metric} | " + " | ".join(cells) + " |")
        lines += ["", _family_note(frame) + ".", "", self._ranking_note(), ""]
        ranking = self.ranking()
        if len(ranking):
            lines += [
                "| metric | best on average | best in a replication | most frequent order "
                "| its share |"
            ]
            lines += ["|---|---|---:|---|---:|"]
            for _, r in ranking.iterrows():
                lines.append(
                    f"| {r['metric']} | {r['best_on_average']} | {r['top_share']:.0%} | "
                    f"{r['modal_order']} | {r['modal_share']:.0%} |"
                )
        verdicts = self.verdicts()
        if verdicts:
            lines += ["", "Which drawn assumption decides the top arm's lead:", ""]
            lines += [f"- {v}" for v in verdicts]
        lines += ["", "Arms:", ""]
        lines += [
            f"- **{arm}**: `{' '.join(ov) or '(scenario defaults)'}`"
            for arm, ov in self.arms.items()
        ]
        return "\n".join(lines) + "\n"

    def text(self) -> str:
        """The table for a terminal: one block per metric, one line per arm."""
        frame = self.table  # computed once: every paired test of every metric and arm
        table = frame.set_index(["metric", "arm"])
        width = max(len(a) for a in self.arms) + 2
        replications = int(self.runs["replication"].nunique())
        out = [
            f"{self.scenario}: {replications} replications per arm, "
            f"differences paired vs {self.reference} (95% CI)",
            _family_note(frame),
            VALUE_NOTE,
        ]
        if replications < FEW_REPLICATIONS:
            out.append(few_replications_note(replications))
        for metric in self.metrics:
            if metric not in table.index.get_level_values(0):
                continue
            out.append(f"\n{metric}")
            for arm in self.arms:
                r = table.loc[(metric, arm)]
                ci = f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
                line = f"  {arm:{width}s} {_fmt(r['mean']):>11s} {ci}"
                if arm != self.reference and np.isfinite(r["diff"]):
                    marks = (" " + _marks(r)).rstrip()
                    low, high = _fmt(r["diff_low"], sign=True), _fmt(r["diff_high"], sign=True)
                    line += f"   Δ {_fmt(r['diff'], sign=True)} [{low}, {high}]{marks}"
                out.append(line)
        ranking = self.ranking()
        if len(ranking):
            out.append("\n" + self._ranking_note())
            for _, r in ranking.iterrows():
                out.append(
                    f"  {r['metric']:28s} best {r['best_on_average']} in {r['top_share']:.0%} "
                    f"of replications; the most frequent order in {r['modal_share']:.0%}"
                )
        verdicts = self.verdicts()
        if verdicts:
            out.append("\nWhich drawn assumption decides the top arm's lead:")
            out += [f"  {v}" for v in verdicts]
        return "\n".join(out)

    def verdicts(self, found: pd.DataFrame | None = None) -> list[str]:
        """Plain sentences: per metric, whether the top arm's lead holds in every draw or
        which drawn key turns it; then, on the value and churn metrics, each arm against
        the reference. `found`: `deciders()` if the caller has it already."""
        found = self.deciders() if found is None else found
        if found.empty:
            return []
        sentences = []
        for (pair, metric, arm), group in found.groupby(["pair", "metric", "arm"], sort=False):
            if pair == "reference" and metric not in VERDICT_METRICS:
                continue
            first = group.iloc[0]
            ties = float(first["tie_share"])
            share = first["win_share"] if pair == "reference" else 1 - first["flip_rate"] - ties
            tied = f"and ties in {ties:.0%} " if ties > 0 else ""
            head = (
                f"{metric}: {arm} beats {first['versus']} in {share:.0%} of draws {tied}".rstrip()
                if pair == "reference"
                else f"{metric}: {arm} is first in {share:.0%} of draws {tied}"
                f"(runner-up {first['versus']})"
            )
            flipping = group[group["flips"]]
            if ties == 1.0:
                sentences.append(f"{head}: the two do not differ on it in any draw")
            elif share == 0.0 and ties == 0:
                sentences.append(f"{head}: it does worse in every draw")
            elif len(flipping):
                keys = "; ".join(f"{r['key']} ({_ends(r)})" for _, r in flipping.iterrows())
                sentences.append(f"{head}; it turns with {keys}")
            elif share in (0.0, 1.0) and ties == 0:
                sentences.append(f"{head}: robust, in every draw")
            elif abs(first["rho"]) > 2 / np.sqrt(max(len(self.draws) - 1, 1)):
                sentences.append(
                    f"{head}; no single drawn key turns it, the lead moves most with "
                    f"{first['key']} (rank correlation {first['rho']:+.2f}; {_ends(first)})"
                )
            else:
                sentences.append(
                    f"{head}; no drawn key moves the lead beyond noise (every rank "
                    f"correlation within two standard errors of zero): the rest is chance"
                )
        return sentences

    def _ranking_note(self) -> str:
        if self.uncertainty in ("none", "", None):
            return (
                "Ranking stability across replications (simulation noise only; "
                "uncertainty=calibrated, structural or full adds parameter and structural "
                "uncertainty):"
            )
        return (
            f"Ranking stability across replications, each with its own parameter draw "
            f"(uncertainty={self.uncertainty}: the drawn values and noise):"
        )

    def to_json(self) -> dict:
        table = self.table
        found = self.deciders()
        per_metric: dict[str, dict] = {}
        for metric, group in table.groupby("metric", sort=False):
            per_metric[metric] = {
                row["arm"]: {
                    "mean": _num(row["mean"]),
                    "ci": [_num(row["ci_low"]), _num(row["ci_high"])],
                    "n": int(row["n"]),
                    **(
                        {}
                        if row["arm"] == self.reference
                        else {
                            "diff_vs_reference": _num(row["diff"]),
                            "diff_ci_paired": [_num(row["diff_low"]), _num(row["diff_high"])],
                            "diff_ci_unpaired": [
                                _num(row["diff_unpaired_low"]),
                                _num(row["diff_unpaired_high"]),
                            ],
                            "paired_ci_excludes_zero": bool(row["diff_excludes_zero"]),
                            "paired_p": _num(row["diff_p"]),
                            "paired_p_holm": _num(row["diff_p_holm"]),
                        }
                    ),
                }
                for _, row in group.iterrows()
            }
        return {
            "scenario": self.scenario,
            "overrides": self.overrides,
            "seed": self.seed,
            "reference": self.reference,
            "replications": int(self.runs["replication"].nunique()),
            "arms": self.arms,
            "key_metrics": self.metrics,
            "uncertainty": self.uncertainty,
            "currency": self.currency,
            "parameter_draws": None
            if self.draws is None
            else json.loads(self.draws.to_json(orient="records")),
            "ranking": json.loads(self.ranking().to_json(orient="records")),
            "deciders": json.loads(found.to_json(orient="records")),
            "verdicts": self.verdicts(found),
            "metrics": per_metric,
        }

    def save(self, directory: str | Path) -> Path:
        """runs.parquet, daily.parquet, comparison.md, comparison.json, provenance.json, plots."""
        from sim.report.io import atomic_write, write_json
        from sim.report.plots import plot_comparison
        from sim.results import write_provenance

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        write_provenance(
            out,
            "compare",
            scenario=self.scenario,
            arms=self.arms,
            overrides=self.overrides,
            replications=int(self.runs["replication"].nunique()),
            seed=self.seed,
            uncertainty=self.uncertainty,
            currency=self.currency,
        )
        atomic_write(out / "runs.parquet", lambda p: self.runs.to_parquet(p, index=False))
        atomic_write(out / "daily.parquet", lambda p: self.daily.to_parquet(p, index=False))
        atomic_write(out / "comparison.md", lambda p: p.write_text(self.markdown()))
        write_json(out / "comparison.json", self.to_json())
        plot_comparison(self, out)
        atomic_write(out / "report.html", lambda p: p.write_text(self.report_html(out)))
        return out

    def report_html(self, folder: Path) -> str:
        """The comparison as one page to open and share: what was compared, what happened
        in plain words, the table with units, the plots (from `folder`) and a glossary."""
        from functools import partial

        from sim.report import html
        from sim.report.currency import Currency
        from sim.report.headline import short

        short = partial(short, currency=Currency(self.currency))
        frame = self.table  # computed once: every paired test of every metric and arm
        table = frame.set_index(["metric", "arm"])
        replications = int(self.runs["replication"].nunique())
        setup = (
            f"{', '.join(self.arms)} on the scenario {self.scenario}, {replications} "
            f"replications each with common random numbers (seeds {self.seed} to "
            f"{self.seed + replications - 1}), differences paired against {self.reference}; "
            f"every arm ran with {', '.join(self.overrides) or 'the scenario as it is'}."
        )
        prose = [html.paragraph(setup), html.paragraph(VALUE_NOTE, "note")]
        if replications < FEW_REPLICATIONS:
            prose.append(html.paragraph(few_replications_note(replications), "note"))
        happened = self._what_happened(table, short)
        rows = []
        for metric in self.metrics:
            if metric not in table.index.get_level_values(0):
                continue
            cells = [metric]
            for arm in self.arms:
                r = table.loc[(metric, arm)]
                cell = short(metric, r["mean"])
                if arm != self.reference and np.isfinite(r["diff"]):
                    mark = (" " + _marks(r)).rstrip()
                    cell += (
                        f" (Δ {_signed(short(metric, r['diff']))} [{short(metric, r['diff_low'])}"
                        f", {short(metric, r['diff_high'])}]{mark})"
                    )
                cells.append(cell)
            rows.append(cells)
        sections = [
            ("", "".join(prose)),
            ("What happened", "".join(html.paragraph(t) for t in happened)),
            (
                "The metrics",
                html.table(["metric", *self.arms], rows)
                + html.paragraph(
                    "Each cell: the mean over the replications; Δ the paired difference "
                    f"against {self.reference} with its 95 % interval. "
                    + _family_note(frame)
                    + ".",
                    "note",
                ),
            ),
        ]
        verdicts = self.verdicts()
        if verdicts:
            sections.append(
                ("Which assumption decides", "".join(html.paragraph(v) for v in verdicts))
            )
        plots = sorted(Path(folder).glob("*.png"))
        if plots:
            sections.append(("Plots", "".join(html.image(p, p.stem) for p in plots)))
        sections.append(("Glossary", html.glossary(self.metrics, self.currency)))
        return html.document(f"Comparison: {self.scenario}", sections)

    def _what_happened(self, table: pd.DataFrame, short) -> list[str]:
        """Plain sentences on value and churn: the best arm, and each arm against the
        reference, with whether the paired interval excludes zero."""
        sentences = []
        for metric, word in (
            ("relationship_value_horizon", "value to the horizon"),
            ("churn_rate", "churn"),
        ):
            if metric not in table.index.get_level_values(0):
                continue
            means = {arm: table.loc[(metric, arm), "mean"] for arm in self.arms}
            lower = metric in LOWER_IS_BETTER
            best = min(means, key=means.get) if lower else max(means, key=means.get)
            parts = []
            for arm in self.arms:
                if arm == self.reference:
                    continue
                r = table.loc[(metric, arm)]
                if not r["diff_excludes_zero"]:
                    clear = "not clear: the interval spans 0"
                elif r["diff_p_holm"] <= FAMILY_ALPHA:
                    clear = "clear, also after Holm's adjustment for all the differences compared"
                else:
                    clear = (
                        "clear on its own, not after Holm's adjustment for all the "
                        "differences compared: a lead to confirm with more replications"
                    )
                parts.append(
                    f"{arm} {_signed(short(metric, r['diff']))} ({short(metric, r['diff_low'])} "
                    f"to {short(metric, r['diff_high'])}; {clear})"
                )
            sentences.append(
                f"On {word}, {best} does best on average ({short(metric, means[best])}). "
                f"Against {self.reference}: " + "; ".join(parts) + "."
            )
        return sentences


# a difference marked † stays clear after Holm's adjustment over the table's differences
FAMILY_ALPHA = 0.05


def _marks(row: pd.Series) -> str:
    """ "*" where the paired interval excludes 0, "†" too where that survives Holm's
    adjustment over every difference of the table (`diff_p_holm` <= FAMILY_ALPHA)."""
    star = "*" if row["diff_excludes_zero"] else ""
    return star + ("†" if row["diff_p_holm"] <= FAMILY_ALPHA else "")


def _family_note(table: pd.DataFrame) -> str:
    """What the marks mean, with the size of the family the dagger accounts for."""
    family = int(table["diff_p"].notna().sum())
    return (
        f"* the paired 95 % interval excludes 0; † the difference also holds after Holm's "
        f"adjustment over all {family} differences computed (every recorded metric of every "
        "arm, not only those shown: a 5 % chance of any false one among them)"
    )


def _signed(text: str) -> str:
    """A formatted difference with its sign: +$1.2 M, -3.0 %."""
    return text if text.startswith(("-", "n/a")) else f"+{text}"


def _ends(row: pd.Series) -> str:
    """The lead at the two ends of a drawn key: its low and high thirds, or off and on."""
    low, high = _fmt(row["lead_low_third"], sign=True), _fmt(row["lead_high_third"], sign=True)
    if row.get("switch", False):
        return f"lead {low} when off, {high} when on"
    return f"lead {low} in its low third, {high} in its high third"


def _num(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _fmt(x: float, sign: bool = False) -> str:
    if x is None or not np.isfinite(x):
        return "n/a"
    if abs(x) >= 1e4:  # money and counts: whole numbers with separators, not 1.05e+05
        return f"{x:+,.0f}" if sign else f"{x:,.0f}"
    text = f"{x:+,.4g}" if sign else f"{x:,.4g}"
    return text


def compare(
    scenario: str,
    arms: Arms,
    replications: int,
    seed: int = 0,
    jobs: int | None = None,
    overrides: Sequence[str] = (),
    reference: str | None = None,
    metrics: Sequence[str] | None = None,
    progress: bool = False,
    uncertainty: str = "none",
    executor: str = "local",
    address: str | None = None,
) -> Comparison:
    """Run every arm `replications` times (replication k: seed + k in every arm) and compare.

    Args:
        scenario: scenario name or path.
        arms: strategy names, or {arm name: overrides}.
        replications: runs per arm (>= 2).
        seed: replication k uses seed + k in every arm (common random numbers).
        jobs, executor, address: where the runs execute (local pool or Dask).
        overrides: applied to every arm before the arm's own.
        reference: the arm differences are taken against (default: the first).
        metrics: summary metrics to compare (default: `specs.KEY_METRICS`).

    Returns:
        A `Comparison`: per-run table, daily frame, and `table` of means, CIs and
        paired differences; `save(DIR)` writes the report.

    `uncertainty="calibrated"` (or a path to a plausible set, CSV or Parquet, one
    column per config key) draws one parameter set per replication, without
    replacement, from the plausible set of the shipped calibration;
    `uncertainty="structural"` (or a structural set, YAML) draws the assumptions of
    `calibration/structural.yaml` over their ranges as a Latin hypercube; `"full"`
    does both. Every arm of a replication shares its draw (common random numbers),
    so the intervals carry that uncertainty as well as noise, and
    `Comparison.deciders()` says which drawn assumption decides each ranking.
    """
    replications = arguments.integer("replications", replications, 2)
    seed = arguments.seed(seed, replications)
    jobs = arguments.optional_integer("jobs", jobs, 1)
    arguments.text("scenario", scenario)
    check_executor(executor, jobs, address)
    arms = normalise_arms(arms)
    if metrics is not None and (isinstance(metrics, str) or not list(metrics)):
        raise ConfigError(f"metrics={metrics!r}: must be a non-empty list of summary metrics")
    reference = reference or next(iter(arms))
    if reference not in arms:
        raise ConfigError(f"reference={reference}: not an arm; allowed: {', '.join(arms)}")
    _check_not_shadowed(overrides, arms)
    currencies = {}
    for arm, arm_overrides in arms.items():  # bad input fails here, before any run
        try:
            currencies[arm] = load_config(scenario, [*overrides, *arm_overrides]).output.currency
        except ConfigError as exc:
            raise ConfigError(f"arm {arm}: {exc}") from None
    if len(set(currencies.values())) > 1:
        shown = ", ".join(f"{arm}={code}" for arm, code in currencies.items())
        raise ConfigError(
            f"output.currency: the arms differ ({shown}); money is compared in one currency"
        )
    if metrics:
        first = next(iter(arms.values()))
        check_metrics(scenario, [*overrides, *first], [("metrics", m) for m in metrics])
    draws = draws_for(uncertainty, replications, seed, scenario, overrides, arms)
    per_rep = [[] for _ in range(replications)] if draws is None else draw_overrides(draws)
    specs = [
        RunSpec(
            scenario,
            seed + k,
            (*overrides, *per_rep[k], *arm_overrides),
            replication=k,
            labels=(("arm", arm), ("replication", k)),
        )
        for k in range(replications)
        for arm, arm_overrides in arms.items()
    ]
    records: list[RunRecord | None] = [None] * len(specs)
    batch = execute(specs, executor, jobs, address, progress, scenario, daily_columns=DAILY)
    for index, record in batch:
        if not record.ok:
            arm = dict(record.spec.labels)["arm"]
            raise ConfigError(
                f"arm {arm}, replication {record.spec.replication}: run failed: "
                f"{record.row['error']}"
            )
        records[index] = record
    runs = pd.DataFrame(
        [{**dict(r.spec.labels), "seed": r.spec.seed, **r.summary} for r in records]
    )
    daily = pd.concat([r.daily.assign(**dict(r.spec.labels)) for r in records], ignore_index=True)
    chosen = list(metrics) if metrics else [m for m in KEY_METRICS if m in runs.columns]
    unknown = [m for m in chosen if m not in runs.columns]
    if unknown:
        raise ConfigError(f"metrics={unknown[0]}: not a summary metric")
    return Comparison(
        scenario, arms, reference, runs, daily, chosen, uncertainty, draws, list(overrides), seed,
        currency=next(iter(currencies.values())),
    )  # fmt: skip


def _check_not_shadowed(overrides: Sequence[str], arms: Mapping[str, Sequence[str]]) -> None:
    """An override that every arm sets again would be silently ignored: refuse it."""
    if isinstance(overrides, str):
        raise ConfigError(f"overrides={overrides!r}: must be a list of key=value texts")
    for override in overrides:
        key = override.partition("=")[0].lstrip("+")
        if arms and all(any(o.partition("=")[0] == key for o in a) for a in arms.values()):
            raise ConfigError(
                f"{override}: every arm sets {key} itself; drop it, or make it an arm"
            )
