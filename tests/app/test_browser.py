"""The app in a real browser: the `hubspoke app` command, Chromium driven by Playwright.

Playwright cannot download its own browser here, so the tests drive the
system Chromium (Debian's `chromium`; .ci/run installs it). Without one they
skip, but only outside CI: under CI a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

HUBSPOKE = Path(sys.executable).parent / "hubspoke"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
START_S = 90.0

if CHROMIUM is None and not os.environ.get("CI"):
    pytest.skip(
        "no chromium on PATH and CI is unset: install Debian's chromium to run the browser tests",
        allow_module_level=True,
    )

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """`hubspoke app port=N` as a student starts it; stopped with Ctrl-C (SIGINT) at the end."""
    port = _free_port()
    started = time.perf_counter()
    child = subprocess.Popen(
        [str(HUBSPOKE), "app", f"port={port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = None
    seen = []
    while time.perf_counter() - started < START_S:
        line = child.stdout.readline()
        if not line:
            break
        seen.append(line)
        if line.startswith("hubspoke app: http://"):
            url = line.split()[2]
            break
    if url is None:
        child.kill()
        pytest.fail(f"hubspoke app printed no URL within {START_S:.0f} s: {''.join(seen)}")
    yield url, child, time.perf_counter() - started
    child.send_signal(signal.SIGINT)
    rest, _ = child.communicate(timeout=30)
    assert child.returncode == 0, rest
    assert "hubspoke app: stopped" in rest


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM is not None, "CI=true but no chromium on PATH: .ci/run installs it"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _until_it_takes(act, taken, timeout_ms: int = 10_000, tries: int = 3) -> None:
    """`act()` until `taken` (a locator) appears: an event sent while the page is still
    wiring up its widgets can be lost, and a student would simply try again."""
    for _ in range(tries):
        act()
        try:
            taken.wait_for(timeout=timeout_ms)
            return
        except PlaywrightTimeout:
            continue


def _image_sources(page) -> list[str]:
    return page.eval_on_selector_all("img", "els => els.map(e => e.src)")


def test_change_scenario_step_ten_days_in_the_browser(server, browser, tmp_path):
    url, _, startup = server
    page = browser.new_context(viewport={"width": 1500, "height": 1300}).new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.get_by_role("button", name="+10 days").wait_for(timeout=60_000)
    expect(page.get_by_text("day 0 of 90").first).to_be_visible()

    # a vuetify select: open it, pick the option from its menu
    page.locator(".v-select", has_text="brand_attack_true").first.click()
    page.get_by_role("option", name="seasonal_peak").click()
    page.get_by_text("seasonal_peak under").wait_for(timeout=30_000)
    page.wait_for_function("document.querySelectorAll('img').length >= 7", timeout=30_000)
    before = _image_sources(page)

    page.get_by_role("button", name="+10 days").click()
    page.get_by_text("day 10 of", exact=False).first.wait_for(timeout=30_000)
    page.wait_for_function(
        "old => { const now = Array.from(document.querySelectorAll('img')).map(e => e.src);"
        " return now.length >= 7 && now.filter(s => !old.includes(s)).length >= 6; }",
        arg=before,
        timeout=30_000,
    )
    page.screenshot(path=str(tmp_path / "app.png"))
    assert (tmp_path / "app.png").stat().st_size > 50_000
    assert errors == [], errors
    assert startup < 60


def test_the_days_and_a_figure_download_from_the_browser(server, browser, tmp_path):
    """The Run card's CSV holds a row a day; a figure's PNG button gives that picture."""
    url, _, _ = server
    page = browser.new_context(accept_downloads=True).new_page()
    page.goto(url)
    page.wait_for_function("document.querySelectorAll('img').length >= 7", timeout=60_000)
    page.get_by_role("button", name="+10 days").click()
    page.get_by_text("day 10 of", exact=False).first.wait_for(timeout=30_000)
    with page.expect_download(timeout=30_000) as download:
        page.get_by_role("button", name="Download the days (CSV)").click()
    csv = tmp_path / download.value.suggested_filename
    download.value.save_as(csv)
    assert csv.name.endswith("_day10_days.csv")
    lines = csv.read_text().splitlines()
    assert lines[0].startswith("day,") and len(lines) == 11
    with page.expect_download(timeout=30_000) as download:
        page.get_by_role("button", name="PNG").first.click()
    png = tmp_path / download.value.suggested_filename
    download.value.save_as(png)
    assert png.name.endswith("_day10_loyalty.png")
    assert png.read_bytes().startswith(b"\x89PNG")


def test_play_and_pause_in_the_browser(server, browser):
    """Play moves the day on by itself and redraws the figures; Pause stops it; no errors."""
    url, _, _ = server
    page = browser.new_context().new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.wait_for_function("document.querySelectorAll('img').length >= 7", timeout=60_000)
    # the longest scenario (180 days): on a loaded machine a 90-day run could reach its
    # end, and Play turn back, between day 10 and the click on Pause
    _choose(page, "scenario", "journey_stages")
    page.get_by_text("day 0 of 180").first.wait_for(timeout=30_000)
    page.wait_for_function("document.querySelectorAll('img').length >= 7", timeout=60_000)
    before = _image_sources(page)
    # Play took when its button turns to Pause
    _until_it_takes(
        page.get_by_role("button", name="Play").click, page.get_by_role("button", name="Pause")
    )
    page.wait_for_function(
        "() => { const m = document.body.innerText.match(/day (\\d+) of/);"
        " return m && Number(m[1]) >= 10; }",
        timeout=60_000,
    )
    # clicked in the page the moment it is found: Play's frames re-render the button,
    # and in whole suites on a loaded machine Playwright's click (forced too) found no
    # button to act on until the run had ended (twice, the day past 10 by then)
    page.wait_for_function(
        "() => { const b = [...document.querySelectorAll('button')]"
        ".find(b => b.textContent.trim() === 'Pause');"
        " if (b) b.click(); return Boolean(b); }",
        timeout=30_000,
    )
    page.get_by_role("button", name="Play").wait_for(timeout=30_000)
    page.wait_for_timeout(1500)  # the frame under way lands
    paused = page.locator("body").inner_text()
    page.wait_for_timeout(1500)
    day = [line for line in paused.splitlines() if line.startswith("day ")]
    assert day and day[0] in page.locator("body").inner_text()  # no further days
    assert len(set(_image_sources(page)) - set(before)) >= 6  # the figures were redrawn
    assert errors == [], errors


def test_a_bad_value_shows_one_line_in_the_browser(server, browser):
    url, _, _ = server
    page = browser.new_context().new_page()
    page.goto(url)
    # the whole page first: the field's key handlers are wired once it has rendered
    page.wait_for_function("document.querySelectorAll('img').length >= 7", timeout=60_000)
    field = page.get_by_label("people simulated", exact=False)
    alert = page.locator(".v-alert")

    def enter_minus_one() -> None:
        field.fill("-1")
        field.press("Enter")

    _until_it_takes(enter_minus_one, alert.first)
    text = alert.first.inner_text().strip()
    assert "population.size=-1" in text and "\n" not in text
    assert "Traceback" not in page.locator("body").inner_text()


def _open_app(browser, url: str):
    """The app in a new page, once its figures are drawn; the list collects console errors."""
    page = browser.new_context(viewport={"width": 1500, "height": 1300}).new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    page.wait_for_function("document.querySelectorAll('img').length >= 7", timeout=60_000)
    return page, errors


def _choose(page, label: str, option: str) -> None:
    """Pick `option` in the first vuetify select labelled `label`."""
    page.locator(".v-select", has=page.get_by_text(label, exact=True)).first.click()
    page.get_by_role("option", name=option, exact=True).click()


def test_stances_are_explained_and_ignored_ones_disabled_in_the_browser(server, browser):
    """Each stance chosen says in a line what it does; under a preset without a crisis
    protocol the stance and the delay are disabled and the page says why."""
    from sim.app.texts import NO_PROTOCOL, STANCE_TEXT

    url, _, _ = server
    page, errors = _open_app(browser, url)
    sidebar = page.locator(".v-navigation-drawer")
    expect(sidebar).to_contain_text(STANCE_TEXT["preset"])
    _choose(page, "crisis stance", "deny")
    page.get_by_text(STANCE_TEXT["deny"]).first.wait_for(timeout=30_000)
    stance_select = page.locator(".v-select", has=page.get_by_text("crisis stance", exact=True))
    delay = sidebar.locator(".v-slider").first  # the first slider: the delay
    expect(stance_select.first).not_to_have_class(re.compile(r"v-input--is-disabled"))
    expect(delay).not_to_have_class(re.compile(r"v-slider--disabled"))
    _choose(page, "strategy preset", "hub_and_spoke")
    page.get_by_text(NO_PROTOCOL).first.wait_for(timeout=30_000)
    # the widgets re-render in separate browser ticks: wait for each, do not sample once
    expect(stance_select.first).to_have_class(re.compile(r"v-input--is-disabled"), timeout=30_000)
    expect(delay).to_have_class(re.compile(r"v-slider--disabled"), timeout=30_000)
    expect(sidebar).to_contain_text("no crisis protocol", timeout=30_000)
    assert errors == [], errors


def test_the_what_if_shows_the_difference_with_its_interval_in_the_browser(server, browser):
    """What if: both arms step on the same seeds; the text gives B - A with its 95 %
    interval and the figure its band."""
    url, _, _ = server
    page, errors = _open_app(browser, url)
    field = page.get_by_label("people simulated", exact=False)
    field.fill("1000")  # ten small runs (two arms, five seeds): the smallest allowed
    field.press("Enter")
    page.get_by_text("1,000 simulated", exact=False).first.wait_for(timeout=30_000)
    page.get_by_role("tab", name="What if").click()
    summary = page.get_by_text(", mean over", exact=False).first
    _until_it_takes(
        page.get_by_role("button", name="Both +10 days").click, summary, timeout_ms=20_000
    )
    text = summary.inner_text()
    assert re.match(r"day (10|20|30), mean over", text), text
    assert "5 seeds" in text and "95 % interval" in text and "B - A" in text
    expect(page.locator(".v-window-item--active img")).to_have_count(1)  # the differences' figure
    assert errors == [], errors


def _open_report(browser, path: Path):
    """A report.html opened from disk; the list collects console errors, page errors and
    any request that is not the file itself or an embedded image (nothing is fetched)."""
    page = browser.new_context(viewport={"width": 1200, "height": 2000}).new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "request",
        lambda r: errors.append(r.url) if not r.url.startswith(("file:", "data:")) else None,
    )
    page.goto(path.as_uri())
    return page, errors


def _command_report(
    browser, args: list[str], folder: Path, title: str, headings: tuple, entry_point: bool = False
):
    """Run `hubspoke ARGS` (writing into `folder`), open its report.html in Chromium and
    check its title and headings; the page, its errors, and each image's loaded width.

    In process (`sim.cli.main`, the code the entry point calls) unless `entry_point`: the
    run, compare and sweep commands' real entry points have their own tests
    (tests/cli/test_cli.py, tests/experiments/test_cli_batch.py); roster's is here."""
    if entry_point:
        done = subprocess.run([str(HUBSPOKE), *args], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    else:
        from sim.cli import main

        assert main(args) == 0
    page, errors = _open_report(browser, folder / "report.html")
    assert page.title() == title
    for heading in headings:
        assert page.get_by_role("heading", name=heading).count() == 1
    loaded = page.eval_on_selector_all("img", "els => els.map(e => e.complete && e.naturalWidth)")
    return page, errors, loaded


def test_a_comparison_report_opens_in_the_browser_without_errors(browser, tmp_path):
    """`hubspoke compare experiment=brand_attack_false` writes report.html: one file with
    its plots embedded, which Chromium opens from disk with no console errors."""
    folder = tmp_path / "cmp"
    page, errors, loaded = _command_report(
        browser,
        ["compare", "experiment=brand_attack_false", "replications=2", "population.size=1500",
         "days=30", "jobs=1", f"hydra.run.dir={folder}"],
        folder, "Comparison: brand_attack_false",
        ("What happened", "The metrics", "Plots", "Glossary"),
    )  # fmt: skip
    assert loaded and all(width > 0 for width in loaded)
    assert "deny_fast" in page.locator("table").first.inner_text()
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert errors == [], errors


def test_a_run_report_opens_in_the_browser_without_errors(browser, tmp_path):
    """`hubspoke run` writes report.html: the run's story, headline, plots and provenance in
    one file, which Chromium opens from disk with no console errors and no fetches."""
    folder = tmp_path / "run"
    page, errors, loaded = _command_report(
        browser,
        ["run", "scenario=brand_attack_true", "strategy=enterprise", "population.size=1500",
         "days=30", f"hydra.run.dir={folder}"],
        folder, "Run: brand_attack_true / enterprise",
        ("What happened", "The headline", "Plots", "Glossary"),
    )  # fmt: skip
    assert len(loaded) >= 5 and all(width > 0 for width in loaded)
    assert "accusation" in page.locator("body").inner_text()
    assert errors == [], errors


def test_a_sweep_report_opens_in_the_browser_without_errors(browser, tmp_path):
    """`hubspoke sweep` writes report.html beside its dataset: the design points, what moved
    each metric, the plots; Chromium opens it from disk with no errors and no fetches."""
    folder = tmp_path / "sweep"
    _, errors, loaded = _command_report(
        browser,
        ["sweep", "grid.team.hub.staff=[0,2]", "replications=2", "population.size=800",
         "days=8", "jobs=1", f"out={folder}"],
        folder, "Sweep: baseline",
        ("What moved the metrics", "The design points", "Plots", "Glossary"),
    )  # fmt: skip
    assert len(loaded) == 4 and all(width > 0 for width in loaded)
    assert errors == [], errors


def test_a_roster_report_opens_in_the_browser_without_errors(browser, tmp_path):
    """`hubspoke roster` writes report.html: the verdict, the shifts, the check, the value
    of other rosters and the heatmap; Chromium opens it from disk with no errors."""
    folder = tmp_path / "roster"
    page, errors, loaded = _command_report(
        browser,
        ["roster", "scenario=seasonal_peak", "population.size=1500", "days=14",
         "replications=2", "jobs=1", "targets.answered_within_1h@complaint.at_least=0.8",
         f"out={folder}"],
        folder, "Roster: seasonal_peak",
        ("Shifts", "Targets: how each was planned and whether the simulation meets it",
         "What each roster does for customers", "Plots", "Provenance"),
        entry_point=True,
    )  # fmt: skip
    assert len(loaded) == 1 and all(width > 0 for width in loaded)
    assert "meets every target" in page.locator("body").inner_text()
    assert errors == [], errors
