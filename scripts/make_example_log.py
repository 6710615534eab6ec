"""Write examples/post_log_example.csv: a SYNTHETIC post log for the import-log walk-through.

    python scripts/make_example_log.py

Not a real brand's data: eight weeks drawn from known rates and rhythm
(sim/imports/synthetic.py, seed 0), in the shape a social-care tool's export
has (docs/import_log.md). `hubspoke import-log` recovers the rates within
their sampling error (tests/imports).
"""

from __future__ import annotations

from pathlib import Path

from sim.imports.synthetic import synthetic_log

OUT = Path(__file__).resolve().parent.parent / "examples" / "post_log_example.csv"


def main() -> None:
    OUT.parent.mkdir(exist_ok=True)
    synthetic_log(seed=0).to_csv(OUT, index=False)
    print(f"wrote {OUT.name}: {sum(1 for _ in OUT.open()) - 1:,} rows")


if __name__ == "__main__":
    main()
