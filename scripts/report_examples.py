"""Regenerate the example dashboards and report screenshot in docs/img (README shows them).

    python scripts/report_examples.py

Runs three scenarios at their defaults (seed 0) as `hubspoke run` does, copies
each run's dashboard.png to docs/img/dashboard_<scenario>.png, and opens the
brand_attack_true run's report.html in the system Chromium (Playwright) to save
the top of the page as docs/img/report_brand_attack_true.png.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_app import find_chromium  # noqa: E402

import sim  # noqa: E402

IMG = ROOT / "docs" / "img"
RUNS = (
    ("baseline", []),
    ("brand_attack_true", ["strategy=enterprise", "strategy.crisis.stance=deny"]),
    ("seasonal_peak", []),
)


def main() -> None:
    chromium = find_chromium("report_examples")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        folders = {}
        for scenario, overrides in RUNS:
            result = sim.run(sim.load_config(scenario, overrides))
            folders[scenario] = result.save(Path(scratch) / scenario)
            target = IMG / f"dashboard_{scenario}.png"
            shutil.copyfile(folders[scenario] / "dashboard.png", target)
            print(f"wrote {target.relative_to(ROOT)}")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1200, "height": 1400})
            page.goto((folders["brand_attack_true"] / "report.html").as_uri())
            target = IMG / "report_brand_attack_true.png"
            page.screenshot(path=str(target))
            browser.close()
            print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
