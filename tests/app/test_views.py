"""The app's live figures: kept for a run, their data replaced day by day."""

from __future__ import annotations

from copy import copy
from dataclasses import replace

import numpy as np
import pytest
from matplotlib.figure import Figure

from sim.app import views
from sim.app.session import Session, run_events
from sim.report.plots import Event

TIME_VIEWS = ("loyalty", "customers", "posts", "service", "attack")


@pytest.fixture(scope="module")
def model():
    """A run of four days (read-only: a test that steps a run makes its own)."""
    return _run(days=4)


def _data_artists(fig) -> int:
    return sum(len(ax.lines) + len(ax.collections) for ax in fig.axes)


@pytest.mark.parametrize("name", TIME_VIEWS)
def test_a_live_figure_is_kept_and_its_data_replaced(name):
    model = _run()
    view = getattr(views, name)
    live = views.Live(view)
    rows = []
    live.update(rows, model.config)
    for day in range(1, 4):
        model.step_day()
        rows = model.rows[:day]
        fig = live.update(rows, model.config)
        if day == 1:
            first, artists = fig, _data_artists(fig)
        # the same figure, the same number of artists (the old data removed, not piled up)
        assert fig is first
        assert _data_artists(fig) == artists
    fresh = view(rows, model.config)
    assert _data_artists(fresh) == artists
    # the drawn lines are today's rows, in the fresh figure's colours
    for kept, built in zip(fig.axes, fresh.axes, strict=True):
        labelled = {line.get_label(): line for line in built.lines}
        data = [line for line in kept.lines if not line.get_label().startswith("_")]
        assert {line.get_label() for line in data} <= set(labelled)
        for a in data:
            b = labelled[a.get_label()]
            np.testing.assert_array_equal(a.get_xdata(), b.get_xdata())
            np.testing.assert_array_equal(a.get_ydata(), b.get_ydata())
            assert a.get_color() == b.get_color()
    assert views.png(fig).startswith(b"\x89PNG")


def test_a_new_event_is_marked_on_the_same_figure_once(model):
    assert len(model.rows) == 4  # the marks are painted over drawn data
    live = views.Live(views.loyalty)
    before = live.update(model.rows, model.config)
    first = Event(day=2.0, label="crisis declared")
    second = Event(day=3.0, label="statement")
    for events in ([first], [first, second], [first, second]):
        after = live.update(model.rows, model.config, events)
        assert after is before
    labels = [t.get_text() for t in after.axes[0].texts]
    assert labels.count("crisis declared") == 1 and labels.count("statement") == 1
    fresh = views.loyalty(model.rows, model.config, [first, second])
    assert sorted(labels) == sorted(t.get_text() for t in fresh.axes[0].texts)


def _pixels(png: bytes) -> np.ndarray:
    from io import BytesIO

    from PIL import Image

    return np.asarray(Image.open(BytesIO(png)).convert("RGBA"), dtype=np.int16)


def _same_picture(a: bytes, b: bytes, name: str) -> None:
    """The same painting, up to a level of rounding in a few antialiased pixels."""
    first, second = _pixels(a), _pixels(b)
    assert first.shape == second.shape, name
    difference = np.abs(first - second)
    assert difference.max() <= 1, name
    assert (difference > 0).any(axis=2).sum() <= 20, name


def test_blitted_picture_equals_a_whole_drawing(quiet_and_busy):
    """The data drawn over the kept frame give the pixels a whole draw of the same
    figure gives (a day on, after the first drawing; and after the y-range grew)."""
    model = quiet_and_busy[1]  # a run of twelve days
    assert len(model.rows) >= 2
    for name in TIME_VIEWS:
        live = views.Live(getattr(views, name))
        live.png(model.rows[:1], model.config)
        for rows in (model.rows[:2], [{**r, "backlog": 1e4, "customers": 1e9} for r in model.rows]):
            _same_picture(live.png(rows, model.config), views.png(live.figure), name)


def _run(strategy: str | None = None, days: int = 0, population: str = "2000"):
    """A run of the app's session `days` long (the session's strategy unless named)."""
    session = Session()
    session.apply(population=population, **({"strategy": strategy} if strategy else {}))
    model = session.new_model()
    model.step_days(days)
    return model


@pytest.fixture(scope="module")
def crisis():
    """A run in which the crisis is declared after day 10 (read-only)."""
    return _run("enterprise", 30)


@pytest.mark.parametrize("name", [*TIME_VIEWS, "money"])
def test_events_during_a_run_are_painted_over_the_kept_picture(crisis, name):
    """A crisis declared mid-run (its marks painted over the kept frame, as the data are)
    gives the pixels of a whole drawing of the figure, marks and data in a whole
    drawing's order; and a new run without the events (its marks taken away) those of a
    new figure. (Mid-run a kept figure's ranges are its own: they never shrink.)"""
    view = views.money_view(None) if name == "money" else getattr(views, name)
    events = run_events(crisis)
    assert events and min(event.day for event in events) > 10  # a crisis after day 10
    live = views.Live(view)
    live.png(crisis.rows[:10], crisis.config, [])
    for rows, shown in ((crisis.rows, events), (crisis.rows[:12], events[:1])):
        _same_picture(live.png(rows, crisis.config, shown), views.png(live.figure), name)
    config = copy(crisis.config)  # a new run of the same scenario: no crisis yet
    _same_picture(live.png([], config, []), _anew(view, [], config), name)


@pytest.fixture(scope="module")
def quiet_and_busy():
    """Two runs of the scenario with other ranges of data (read-only)."""
    return _run("silence", 12, "1000"), _run("enterprise", 12, "3000")


@pytest.mark.parametrize("name", [*TIME_VIEWS, "money"])
def test_a_frame_drawn_before_gives_a_new_figure_its_layout_and_picture(
    quiet_and_busy, name, monkeypatch
):
    """Another session's figure of a frame alike takes the first's layout and picture
    (no text measured again), and its pixels are a whole drawing's and those of a figure
    laid out anew, then and a day on; a frame of other ranges takes nothing."""
    view = views.money_view(None) if name == "money" else getattr(views, name)
    quiet, busy = quiet_and_busy
    monkeypatch.setattr(views, "_frames", {})  # nothing kept by other tests
    anew = _anew(view, busy.rows[:5], busy.config)  # laid out, drawn and kept
    second = views.Live(view)
    with monkeypatch.context() as patched:
        patched.setattr(Figure, "tight_layout", _not_measured)
        kept = second.png(busy.rows[:5], busy.config)
    _same_picture(kept, anew, name)
    _same_picture(kept, views.png(second.figure), name)
    _same_picture(second.png(busy.rows[:6], busy.config), views.png(second.figure), name)
    other = views.Live(view)  # quiet's ranges: its own layout and picture
    _same_picture(other.png(quiet.rows, quiet.config), views.png(other.figure), name)


def test_a_frame_with_another_legend_takes_nothing_kept(quiet_and_busy, monkeypatch):
    """The service's target line is in its legend: a frame alike in all but the target
    (its ranges too: replies slower than either target) draws its own picture."""
    _, busy = quiet_and_busy
    monkeypatch.setattr(views, "_frames", {})
    config = busy.config
    slow = [{**row, "first_response_median_h": 10 * config.strategy.sla_hours} for row in busy.rows]
    other = replace(
        config, strategy=replace(config.strategy, sla_hours=2 * config.strategy.sla_hours)
    )
    first = views.Live(views.service)
    first.png(slow, config)
    live = views.Live(views.service)
    _same_picture(live.png(slow, other), views.png(live.figure), "service")
    assert [ax.get_ylim() for ax in live.figure.axes] == [ax.get_ylim() for ax in first.figure.axes]


def test_a_frame_of_other_days_takes_nothing_kept(quiet_and_busy, monkeypatch):
    """Day 0 of two scenarios' frames alike in all but their days (their ranges and
    legends the same): each draws its own picture."""
    _, busy = quiet_and_busy
    monkeypatch.setattr(views, "_frames", {})
    longer = replace(busy.config, days=2 * busy.config.days)
    for name in ("loyalty", "service"):  # one axes, and a twin
        view = getattr(views, name)
        views.Live(view).png([], busy.config)
        live = views.Live(view)
        _same_picture(live.png([], longer), views.png(live.figure), name)


def _anew(view, rows, config) -> bytes:
    """A new figure's picture, laid out and drawn anew: no frame kept by another figure
    taken (its own is kept for the others)."""
    live = views.Live(view)
    kept_frame = views._kept_frame
    views._kept_frame = lambda key: None
    try:
        return live.png(rows, config)
    finally:
        views._kept_frame = kept_frame


def _not_measured(*args, **kwargs):
    raise AssertionError("a kept frame's layout was measured again")


@pytest.mark.parametrize("name", [*TIME_VIEWS, "money"])
def test_a_new_run_on_the_kept_frame_is_a_new_figures_picture(quiet_and_busy, name):
    """A new run of the same scenario (another preset, other people: other ranges of
    data) keeps the figure, and its picture is the one a new figure draws: on its day
    0, days on, and after the other run."""
    view = views.money_view(None) if name == "money" else getattr(views, name)
    quiet, busy = quiet_and_busy
    live = views.Live(view)
    live.png(busy.rows, busy.config)
    figure = live.figure
    for model, rows in (
        (quiet, []),  # day 0: no data, the ranges a new figure starts with
        (quiet, quiet.rows[:6]),
        (busy, busy.rows),
        (quiet, quiet.rows),  # smaller figures than the run before: the ranges shrink
    ):
        config = model.config
        if not rows:  # a new run: a config of its own, alike for the frame
            config = copy(config)
        kept = live.png(rows, config)
        assert live.figure is figure, name  # the frame was kept
        _same_picture(kept, _anew(view, rows, config), name)


def test_a_new_run_of_another_scenario_or_target_builds_a_new_frame():
    """What the frame shows of a config (the days, the events, the service's target
    line in the legend) changes: a new figure."""
    first = _run("enterprise", 3)
    live = views.Live(views.service)
    live.update(first.rows, first.config)
    figure = live.figure
    config = first.config
    other_target = replace(config, strategy=replace(config.strategy, sla_hours=4.0))
    assert views.frame_reads(other_target) == views.frame_reads(config)
    live.update(first.rows, other_target)
    assert live.figure is not figure
    legends = [ax.get_legend() for ax in live.figure.axes if ax.get_legend()]
    assert "target 4 h" in [t.get_text() for legend in legends for t in legend.get_texts()]
    session = Session()
    session.apply(population="2000", scenario="seasonal_peak")
    other_scenario = session.new_model()
    assert views.frame_reads(other_scenario.config) != views.frame_reads(first.config)
    figure = live.figure
    live.update(other_scenario.rows, other_scenario.config)
    assert live.figure is not figure


def test_the_layout_is_redone_when_tick_labels_grow_wider():
    session = Session()
    session.apply(population="2000")
    model = session.new_model()
    model.step_days(2)
    live = views.Live(views.customers)
    small = {"customers": 50.0, "lapsed": 10.0, "competitor": 1.0}
    live.update([{**row, **small} for row in model.rows], model.config)
    left = live.figure.subplotpars.left
    large = {key: count * 1000 for key, count in small.items()}
    live.update([{**row, **large} for row in model.rows], model.config)
    assert live.figure.subplotpars.left > left  # room made for the longer labels


def test_live_money_view_carries_the_horizon_in_its_title(model):
    horizon = {"relationship_value_horizon": 2.5e6, "day": 3.0}
    fig = views.Live(views.money_view(horizon)).update(model.rows, model.config)
    assert "horizon value $2.5 M" in fig.axes[0].get_title()
    assert run_events(model) == run_events(model)


def test_the_network_view_keeps_its_links_and_redraws_the_people(model):
    from sim.app.session import Session

    sample = Session().network_sample(model)
    live = views.Live(views.network_view(sample))
    pop = model.population
    first = live.png((pop.crisis, pop.loyalty), model.config)
    fig = live.figure
    model.step_day()
    crisis = pop.crisis.copy()
    crisis[sample.nodes[:5]] = 1  # five of the drawn people start spreading
    second = live.png((crisis, pop.loyalty), model.config)
    assert live.figure is fig and first != second
    (ax,) = [a for a in fig.axes if a.get_label() != "<colorbar>"]
    assert len(ax.collections) == 2  # the links and today's people, nothing piled up
    assert not ax.texts and not ax.lines  # no event markers on a network


def test_a_live_figure_drawn_from_two_threads_while_the_run_steps():
    """Play steps the run and redraws in a thread of its own while a click redraws in
    another: each drawing sees one day's rows whole, and two drawings of one figure
    take turns (they share its kept frame and artists)."""
    import threading

    session = Session()
    session.apply(population="1000")
    run = session.new_model()
    live = views.Live(views.loyalty)
    errors: list[BaseException] = []
    stepping = threading.Event()
    stepping.set()

    def step() -> None:
        while stepping.is_set() and not run.finished:
            run.step_day()
        stepping.clear()

    def draw() -> None:
        try:
            while stepping.is_set():
                assert live.png(run.rows, run.config).startswith(b"\x89PNG")
        except BaseException as exc:  # an error in a thread: failed here, below
            errors.append(exc)
            stepping.clear()

    threads = [threading.Thread(target=f) for f in (step, draw, draw)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
