"""Regenerate the app's screenshots in docs/img (docs/app.md shows them).

    python scripts/app_screenshots.py

Starts `hubspoke app`, drives it in the system Chromium through Playwright as
a student would (brand_attack_true, the enterprise preset, 10,000 people, seed
1) and saves: the Run tab at day 30 with the stance apologise and with deny,
the What if tab (enterprise/deny minus enterprise/apologise) at day 30, and the
Story tab.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_app import day_now, find_chromium, start_app  # noqa: E402

IMG = ROOT / "docs" / "img"
VIEWPORT = {"width": 1440, "height": 1500}


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the vuetify select labelled `label` (the first one)."""
    page.locator(".v-select", has=page.get_by_text(label, exact=True)).first.click()
    page.get_by_role("option", name=option, exact=True).click()


def ten_days(page, times: int) -> None:
    for _ in range(times):
        start = day_now(page)
        page.get_by_role("button", name="+10 days").click()
        page.get_by_text(f"day {start + 10} of", exact=False).first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # the figures land


def main() -> None:
    chromium = find_chromium("app_screenshots")
    from playwright.sync_api import sync_playwright

    child, url = start_app()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            for stance in ("apologise", "deny"):
                page = browser.new_context(viewport=VIEWPORT).new_page()
                page.goto(url)
                page.get_by_role("button", name="+10 days").wait_for(timeout=90_000)
                choose(page, "crisis stance", stance)
                page.get_by_text(f"{stance}:", exact=False).first.wait_for(timeout=30_000)
                ten_days(page, 3)
                page.screenshot(path=str(IMG / f"app_brand_attack_true_{stance}.png"))
                page.close()
            page = browser.new_context(viewport=VIEWPORT).new_page()
            page.goto(url)
            page.get_by_role("tab", name="What if").click()
            page.get_by_role("button", name="Both +10 days").wait_for(timeout=60_000)
            for _ in range(3):
                page.get_by_role("button", name="Both +10 days").click()
                page.wait_for_timeout(2500)
            page.get_by_text("day 30, mean over", exact=False).wait_for(timeout=60_000)
            page.screenshot(path=str(IMG / "app_what_if.png"))
            page.get_by_role("tab", name="Story").click()
            page.get_by_text("What the numbers mean", exact=False).first.wait_for(timeout=30_000)
            page.wait_for_timeout(500)
            page.screenshot(path=str(IMG / "app_story.png"))
            browser.close()
    finally:
        child.send_signal(signal.SIGINT)
        child.communicate(timeout=30)
    for name in sorted(IMG.glob("app_*.png")):
        print(f"wrote {name.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
