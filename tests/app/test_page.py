"""The page's components rendered in-process (solara.render, as Mesa's own SolaraViz tests)."""

from __future__ import annotations

import time

import ipyvuetify as v
import pytest

solara = pytest.importorskip("solara")

import comm  # noqa: E402
import solara.comm as solara_comm  # noqa: E402

from sim.app import page  # noqa: E402
from sim.app.page import SLIDERS, Page  # noqa: E402

_RENDERED = []


@pytest.fixture(scope="module", autouse=True)
def _comms_without_their_stacks():
    """Outside a kernel (here) solara gives each widget a dummy comm and keeps it, with
    the stack that made it, for an error message (`solara.comm.orphan_comm_stacks`): ~150
    stacks formatted a page, ~5 % of a render, and every comm kept alive to the end. The
    same dummy comms without the stacks; the app's server has real comms either way."""
    made = getattr(solara_comm, "create_dummy_comm", None)
    dummy = getattr(solara_comm, "DummyComm", None)
    if made is None or dummy is None or getattr(comm, "create_comm", None) is not made:
        yield  # another solara: as it is
        return
    comm.create_comm = dummy
    try:
        yield
    finally:
        comm.create_comm = made


def render():
    # the sidebar is a portal into the app layout: render the page inside one, as `solara run`
    _, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    _RENDERED.append(rc)
    return rc


@pytest.fixture(autouse=True)
def _close_rendered_pages():
    """Close each test's pages, as a browser session's end does: ipywidgets keeps every
    widget until it is closed (~46,000 objects a page), and a worker that kept them all
    spent seconds in the garbage collector, at the end of the run most of all."""
    yield
    while _RENDERED:
        _RENDERED.pop().close()


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def day_line(rc) -> str:
    texts = [w.children[0] for w in rc.find(v.Html, tag="span").widgets if w.children]
    return next(t for t in texts if str(t).startswith("day "))


def enter(rc, label_start: str, text: str) -> None:
    field = next(w for w in rc.find(v.TextField).widgets if w.label.startswith(label_start))
    field.v_model = text
    field.fire_event("keyup.enter", None)


def test_controls_render_with_the_scenario_and_its_choices():
    rc = render()
    scenario = rc.find(v.Select, label="scenario").widget
    assert scenario.v_model == "brand_attack_true"
    assert "seasonal_peak" in scenario.items
    stance = rc.find(v.Select, label="crisis stance").widget
    assert {"preset", "apologise", "deny"} <= set(stance.items)
    labels = [w.label for w in rc.find(v.TextField).widgets]
    assert any(label.startswith("people simulated") for label in labels)
    assert len(rc.find(v.Slider).widgets) == len(SLIDERS)
    assert _slider_label(rc, "hub staff").startswith("hub staff (people): ")
    assert _slider_label(rc, "hub coverage").startswith("hub coverage (h a day): ")
    assert day_line(rc) == "day 0 of 90"


def test_stepping_a_day_adds_a_row_and_redraws():
    rc = render()
    click(rc, "Step one day")
    assert day_line(rc) == "day 1 of 90"
    click(rc, "+10 days")
    assert day_line(rc) == "day 11 of 90"
    click(rc, "New run")
    assert day_line(rc) == "day 0 of 90"


def _eventually(condition, deadline: float = 30.0):
    """`condition()` once it is true (a render from Play's thread may be under way)."""
    start = time.monotonic()
    while not (result := condition()) and time.monotonic() - start < deadline:
        time.sleep(0.05)
    return result


def _settled(rc, quiet: float = 1.0, deadline: float = 30.0) -> str:
    """The day line once it has not changed for `quiet` seconds (a Play frame under way
    lands first; a frame takes well under a second here, more on a loaded machine)."""
    line, since, start = day_line(rc), time.monotonic(), time.monotonic()
    while time.monotonic() - since < quiet and time.monotonic() - start < deadline:
        time.sleep(0.05)
        if day_line(rc) != line:
            line, since = day_line(rc), time.monotonic()
    return line


def test_play_advances_until_paused_and_a_new_run_stops_it(monkeypatch):
    # the longest scenario (180 days), and half a second between frames (18 s to the end):
    # a run of 2,000 people reached its end, and Play turned back, between the first
    # frame seen and the click on Pause, first at 90 days and then, with a faster
    # engine on a loaded machine, at 180 with Play's own pause of 0.1 s
    monkeypatch.setattr(page, "PLAY_PAUSE_MS", 500)
    rc = render()
    rc.find(v.Select, label="scenario").widget.v_model = "journey_stages"
    enter(rc, "people simulated", "2000")
    assert day_line(rc) == "day 0 of 180"
    click(rc, "Play")
    assert _eventually(lambda: day_line(rc) != "day 0 of 180")
    click(rc, "Pause")
    # the button is Play again (once the render of a frame under way has finished)
    assert _eventually(lambda: rc.find(v.Btn, children=["Play"]).widgets)
    paused = _settled(rc)
    assert int(paused.split()[1]) < 180  # paused before the end
    time.sleep(1.0)
    assert day_line(rc) == paused
    click(rc, "Play")
    click(rc, "New run")  # a new run: Play stops, the run starts at day 0
    # a frame of the old run may still be drawing (slowly, on a loaded machine): the page
    # comes to the new run's day 0 and stays there
    assert _eventually(lambda: day_line(rc) == "day 0 of 180"), day_line(rc)
    assert _settled(rc) == "day 0 of 180"
    assert _eventually(lambda: rc.find(v.Btn, children=["Play"]).widgets)


def test_tabs_are_named_for_what_they_hold_and_no_developer_controls_show():
    rc = render()
    tabs = [w.children[0] for w in rc.find(v.Tab).widgets]
    assert tabs == ["Run", "What if", "Story"]
    labels = {str(w.label) for w in rc.find(v.Slider).widgets} | {
        str(w.label) for w in rc.find(v.Checkbox).widgets
    }
    assert not labels & {"Play Interval (ms)", "Render Interval (steps)", "Use Threads"}
    cards = {w.children[0] for w in rc.find(v.CardTitle).widgets if w.children}
    assert "Model Parameters" not in cards and "Information" not in cards


def test_a_bad_value_shows_one_line_and_keeps_the_run():
    rc = render()
    click(rc, "Step one day")
    enter(rc, "people simulated", "-1")
    alert = rc.find(v.Alert).widget
    message = alert.children[0]
    assert "population.size=-1" in message and "\n" not in message
    assert day_line(rc) == "day 1 of 90"  # the run in progress is kept
    enter(rc, "people simulated", "3000")
    assert not rc.find(v.Alert).widgets
    assert day_line(rc) == "day 0 of 90"  # a valid change starts a new run
    labels = [w.label for w in rc.find(v.TextField).widgets]
    assert any(label.endswith("now 3,000") for label in labels), labels
    # a seed reads back whole, as typed (not "1.23457e+06")
    enter(rc, "seed", "1234567")
    labels = [w.label for w in rc.find(v.TextField).widgets]
    assert any(label.endswith("now 1234567") for label in labels), labels


def _texts(rc) -> list[str]:
    return [str(w.children[0]) for w in rc.find(v.Html, tag="span").widgets if w.children]


def _slider_label(rc, label_start: str) -> str:
    """The line above a slider (its label)."""
    return next(t for t in _texts(rc) if t.startswith(label_start))


def _slider(rc, label_start: str):
    """A slider, found by its label's start (the sliders come in the order of SLIDERS)."""
    index = next(i for i, row in enumerate(SLIDERS) if row[1].startswith(label_start))
    return rc.find(v.Slider).widgets[index]


def test_a_slider_sets_its_value_and_the_preset_comes_back():
    rc = render()
    click(rc, "Step one day")
    assert _slider_label(rc, "hub staff").endswith("(preset)")
    _slider(rc, "hub staff").v_model = 7
    assert day_line(rc) == "day 0 of 90"  # a new run, with seven
    assert _slider_label(rc, "hub staff") == "hub staff (people): 7"
    click(rc, "Back to the preset's values")
    assert _slider_label(rc, "hub staff").endswith("(preset)")
    assert not rc.find(v.Btn, children=["Back to the preset's values"]).widgets


def test_the_delay_slider_is_disabled_under_a_preset_without_a_crisis_protocol():
    rc = render()
    assert not _slider(rc, "response delay").disabled  # enterprise has a protocol
    rc.find(v.Select, label="strategy preset").widget.v_model = "hub_and_spoke"
    assert _slider(rc, "response delay").disabled
    assert "no crisis protocol" in _slider_label(rc, "response delay")


def test_changing_the_scenario_starts_a_new_run_of_it():
    rc = render()
    click(rc, "Step one day")
    rc.find(v.Select, label="scenario").widget.v_model = "seasonal_peak"
    assert day_line(rc).startswith("day 0 of ")
    status = " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
    assert "seasonal_peak" in status


def test_two_sessions_have_their_own_models():
    first, second = render(), render()
    click(first, "+10 days")
    assert day_line(first) == "day 10 of 90"
    assert day_line(second) == "day 0 of 90"


def test_what_if_page_runs_both_arms():
    rc = render()
    enter(rc, "people simulated", "2000")  # ten runs (two arms, five seeds): keep them small
    rc.find(v.Tabs).widget.v_model = 1
    click(rc, "Both +10 days")
    notes = " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
    assert "day 10, mean over 5 seeds: mean loyalty A" in notes
    assert "degree(s) of freedom" not in notes  # five seeds: no warning
    enter(rc, "people simulated", "200000")  # two seeds at the largest size: warned
    notes = " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
    assert "With 2 seeds the interval rests on 1 degree(s) of freedom (t = 12.7)" in notes
    assert "95 % interval" in notes


def test_the_stance_is_explained_and_disabled_where_the_preset_has_no_protocol():
    rc = render()
    stance = rc.find(v.Select, label="crisis stance").widget
    texts = [str(w.children[0]) for w in rc.find(v.Html, tag="span").widgets if w.children]
    if stance.disabled:  # the starting preset: whichever it is, the page says why
        assert any("no crisis protocol" in t for t in texts)
    strategy = rc.find(v.Select, label="strategy preset").widget
    strategy.v_model = "reactive_fifo"  # answers, but never declares a crisis
    stance = rc.find(v.Select, label="crisis stance").widget
    assert stance.disabled
    texts = [str(w.children[0]) for w in rc.find(v.Html, tag="span").widgets if w.children]
    assert any("no crisis protocol" in t for t in texts)
    strategy.v_model = "enterprise"
    stance = rc.find(v.Select, label="crisis stance").widget
    assert not stance.disabled
    stance.v_model = "deny"
    texts = [str(w.children[0]) for w in rc.find(v.Html, tag="span").widgets if w.children]
    assert any(t.startswith("deny: reject the accusation") for t in texts)
