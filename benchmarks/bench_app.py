"""The app's pace in a real browser at its largest size (issue 18).

    python benchmarks/bench_app.py                  # 50,000 people, Play for 10 s
    python benchmarks/bench_app.py --people 20000 --play-seconds 20

Starts `hubspoke app` as a student would, opens it in the system Chromium
through Playwright, sets the population to `--people` (default: the app's
largest allowed size), and measures what a student sees:

- **+10 days**, three times from day 0: from the click until the day counter
  reads ten days on and the figures on the page have been replaced (server
  step, redraw, encoding and the browser's update, all in);
- **Play**: days advanced per second of wall-clock time while playing (for
  `--play-seconds` or until the run ends), and how many times a second the
  figures were replaced.

Exit status 1 if +10 days takes longer than `--max-ten-days` seconds (default 1)
or Play advances fewer than `--min-days-per-second` (default 5) days a second.
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from sim.app.session import POPULATION_RANGE

HUBSPOKE = Path(sys.executable).parent / "hubspoke"
TEN_DAY_CLICKS = 3  # days 0-10 (the first drawing of the run), 10-20, 20-30
DAY = re.compile(r"day (\d+) of (\d+)")
# counts every replaced figure (a new src on an <img>) from the moment it is installed
COUNT_FIGURES = """() => {
  window.__figures = 0;
  new MutationObserver(records => {
    for (const r of records) if (r.attributeName === 'src') window.__figures += 1;
  }).observe(document.body, {attributes: true, subtree: true, attributeFilter: ['src']});
}"""


def find_chromium(who: str) -> str:
    """The system Chromium (Playwright cannot download its own here), or exit saying so."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit(f"{who}: no chromium on PATH (Debian: apt-get install chromium)")
    return chromium


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    child = subprocess.Popen(
        [str(HUBSPOKE), "app", f"port={port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for line in child.stdout:
        if line.startswith("hubspoke app: http://"):
            return child, line.split()[2]
    child.kill()
    raise SystemExit("bench_app: the app printed no URL")


def day_now(page) -> int:
    match = DAY.search(page.locator("body").inner_text())
    if match is None:
        raise SystemExit("bench_app: no 'day N of M' on the page")
    return int(match.group(1))


def day_total(page) -> int:
    return int(DAY.search(page.locator("body").inner_text()).group(2))


def images(page) -> list[str]:
    return page.eval_on_selector_all("img", "els => els.map(e => e.src)")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=POPULATION_RANGE[1])
    parser.add_argument("--play-seconds", type=float, default=10.0)
    parser.add_argument("--max-ten-days", type=float, default=1.0)
    parser.add_argument("--min-days-per-second", type=float, default=5.0)
    args = parser.parse_args()
    chromium = find_chromium("bench_app")
    from playwright.sync_api import sync_playwright

    child, url = start_app()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_context(viewport={"width": 1500, "height": 1300}).new_page()
            page.goto(url)
            page.wait_for_function("document.querySelectorAll('img').length >= 7", timeout=90_000)
            field = page.get_by_label("people simulated", exact=False)
            field.fill(str(args.people))
            field.press("Enter")
            page.get_by_text(f"now {args.people:,}", exact=False).first.wait_for(timeout=60_000)
            page.wait_for_function("document.querySelectorAll('img').length >= 7", timeout=60_000)
            time.sleep(1.0)  # let the first drawing settle

            ten_days = []
            for _ in range(TEN_DAY_CLICKS):
                before, start_day = images(page), day_now(page)
                started = time.perf_counter()
                page.get_by_role("button", name="+10 days").click()
                page.get_by_text(f"day {start_day + 10} of", exact=False).first.wait_for(
                    timeout=60_000
                )
                page.wait_for_function(
                    "old => Array.from(document.querySelectorAll('img')).map(e => e.src)"
                    ".filter(s => !old.includes(s)).length >= 6",
                    arg=before,
                    timeout=60_000,
                )
                ten_days.append(time.perf_counter() - started)

            page.evaluate(COUNT_FIGURES)
            first, days = day_now(page), day_total(page)
            started = time.perf_counter()
            page.get_by_role("button", name="Play").click()
            # play for --play-seconds or until the run ends, whichever comes first
            last, played = first, 0.0
            while played < args.play_seconds and last < days:
                page.wait_for_timeout(100)
                last, played = day_now(page), time.perf_counter() - started
            figures = page.evaluate("window.__figures")
            if last < days:
                page.get_by_role("button", name="Pause").click()
            browser.close()
    finally:
        child.send_signal(signal.SIGINT)
        child.communicate(timeout=30)

    pace = (last - first) / played
    print(f"app at {args.people:,} people ({url})")
    print(
        "  +10 days: "
        + ", ".join(f"{t:.2f}" for t in ten_days)
        + f" s from the click to new figures, days 0-{10 * len(ten_days)} "
        f"(target <= {args.max_ten_days:g} s each)"
    )
    print(
        f"  Play: {last - first} days in {played:.1f} s = {pace:.1f} days a second "
        f"(target >= {args.min_days_per_second:g}); "
        f"figures replaced {figures / played:.1f} times a second"
    )
    missed = (max(ten_days) > args.max_ten_days) + (pace < args.min_days_per_second)
    print("ok" if not missed else f"{missed} target(s) missed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
