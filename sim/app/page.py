"""The app's page: Solara components (`solara run sim.app.page`).

Every browser session renders its own `Page`, and `Page` creates that
session's `Session` and model with `use_memo`: a classroom shares one server,
and a module-level model would be one run that every student steps at once.

The page is its own frame: an app bar, the sidebar (the scenario's settings
and the run's controls, Play among them) and three tabs named for what they
hold (Run, What if, Story). It used to sit on Mesa's SolaraViz, which shows a
student its developer controls (play and render intervals, threads, an
empty parameters card, the model's clock in hours) and names its tabs
"PAGE 0, 1, 2". Every setting goes through `sim.load_config` and shows its
one-line error; a change of settings builds a new model and stops Play.
Views re-render when `update_counter` (a Solara reactive counter) moves.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import solara
import solara.lab

from sim.app import views
from sim.app.session import (
    POPULATION_RANGE,
    PRESET,
    AppModel,
    Arm,
    Session,
    WhatIf,
    daily_csv,
    download_name,
    has_crisis_protocol,
    horizon,
    run_events,
    whatif_seeds,
)
from sim.app.texts import NO_PROTOCOL, STANCE_TEXT, metric_list, story
from sim.config import catalog
from sim.config.schema import STANCES
from sim.report.currency import currency_of
from sim.report.headline import money
from sim.report.stats import t_quantile

TITLE = "hubspoke: a social-media team in a crisis"

PLAY_DAYS = 5  # days a Play frame advances before the figures are redrawn
FEW_SEEDS = 5  # below this the what-if says its interval means little (as compare does)
PLAY_PAUSE_MS = 100  # pause between Play frames, so a click on Pause is seen at once


# The views read this counter and re-render when it moves; being a Solara reactive,
# each browser session has its own value. Mesa's visualization package has the same
# counter, but importing it loads all of Mesa's visualization (SolaraViz, altair): ~0.35 s
# more at every start of the app, for nothing the page uses.
update_counter = solara.reactive(0)


def force_update() -> None:
    """Re-render the views that read `update_counter`."""
    update_counter.value += 1


def _markdown(text: str):
    """Markdown rendered here, not by solara.Markdown.

    solara.Markdown loads KaTeX from a CDN for formulas, which solara-assets
    does not bundle: offline, the browser logs 404s for it. We have no formulas.
    """
    import markdown

    return solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown(text, extensions=["tables"]))


@solara.component
def LiveFigure(model: AppModel, view: views.TimeView, name: str):
    update_counter.get()
    # kept across runs: a new run of the same scenario keeps the frame (views.Live)
    live = solara.use_memo(lambda: views.Live(view), [view])
    Picture(
        lambda: live.png(model.rows, model.config, run_events(model)),
        [model, len(model.rows)],
        download_name(model, name, "png"),
    )


@solara.component
def Chart(build: Callable, dependencies: list):
    """A figure drawn and encoded again only when `dependencies` change.

    The page re-renders every view whenever anything moves (a step of the
    what-if, a tab change); redrawing seven figures each time costs ~2 s.
    """
    Picture(lambda: views.png(build()), dependencies)


@solara.component
def Picture(encode: Callable[[], bytes], dependencies: list, filename: str | None = None):
    """A PNG made by `encode`, made again only when `dependencies` change; with
    `filename`, a button under it downloads that very picture."""
    image = solara.use_memo(encode, dependencies)
    solara.Image(image, format="png")
    if filename is not None:
        solara.FileDownload(image, filename=filename, label="PNG", mime_type="image/png")


def _people(population) -> str:
    """'6.5 million people in reach (a sample of 25,000 simulated)' or '25,000 people'."""
    if population.reach > population.size:
        return (
            f"{population.reach / 1e6:,.1f} million people in reach "
            f"(a sample of {population.size:,} simulated)"
            if population.reach >= 1e6
            else f"{population.reach:,} people in reach (a sample of {population.size:,})"
        )
    return f"{population.size:,} people"


@solara.component
def Status(model: AppModel, session: Session):
    update_counter.get()
    cfg = model.config
    rows = model.rows
    _markdown(
        f"**{cfg.scenario}** under **{cfg.strategy.name}**, seed {cfg.seed}, "
        f"{_people(cfg.population)} — **day {len(rows)} of {cfg.days}**"
    )
    if rows:
        last = rows[-1]
        value = sum(r["revenue"] - r["cost_to_serve"] for r in rows)
        _markdown(
            f"customers {last['customers']:,.0f} · mean loyalty {last['loyalty_mean']:.3f} · "
            f"NPS-like {last['nps_like']:+.2f} · heard the accusation "
            f"{100 * last['attack_aware_share']:.1f} % · in-window value "
            f"{money(value, currency_of(cfg))}"
        )
    value = model.horizon
    if value:
        _markdown(
            f"horizon value (to day {cfg.value.horizon_days:,}, as of day {value['day']:.0f}): "
            f"**{money(value['relationship_value_horizon'], currency_of(cfg))}**"
        )
    _markdown(
        "**What if**: two strategies on the same seeds. **Story**: the scenario, and what "
        "each number means."
    )


@solara.component
def Money(model: AppModel, session: Session):
    update_counter.get()
    as_of = model.horizon and model.horizon["day"]
    live = solara.use_memo(lambda: views.Live(views.money_view(model.horizon)), [as_of])
    Picture(
        lambda: live.png(model.rows, model.config, run_events(model)),
        [model, len(model.rows), as_of],
        download_name(model, "money", "png"),
    )


@solara.component
def Network(model: AppModel, session: Session):
    update_counter.get()
    live = solara.use_memo(
        lambda: views.Live(views.network_view(session.network_sample(model))), [model]
    )
    people = (model.population.crisis, model.population.loyalty)
    Picture(
        lambda: live.png(people, model.config),
        [model, len(model.rows)],
        download_name(model, "network", "png"),
    )


@solara.component
def Story(model: AppModel):
    with solara.Card("The story"):
        _markdown(story(model.config.scenario))
    with solara.Card("What the numbers mean"):
        _markdown(metric_list())


def _choices(strategy: str, stance: str, prefix: str, on_strategy, on_stance) -> None:
    """A preset and a stance; the stance is disabled, and says why, where the preset has
    no crisis protocol (it would change nothing), and explained in a line where it acts."""
    solara.Select(
        f"{prefix}strategy preset", value=strategy, values=catalog.strategy_names(),
        on_value=on_strategy,
    )  # fmt: skip
    protocol = has_crisis_protocol(strategy)
    solara.Select(
        f"{prefix}crisis stance", value=stance, values=[PRESET, *STANCES], on_value=on_stance,
        disabled=not protocol,
    )  # fmt: skip
    solara.Text(STANCE_TEXT.get(stance, stance) if protocol else NO_PROTOCOL)


@solara.component
def WhatIfPanel(model: AppModel, session: Session):
    """Two strategies on the same seed, their difference growing day by day."""
    update_counter.get()
    arms = session.whatif_arms
    error = solara.use_reactive(None)

    def start(a: Arm = arms[0], b: Arm = arms[1]) -> None:
        session.whatif_arms = (a, b)
        try:
            session.whatif = WhatIf(session, a, b)
        except Exception as exc:  # a ConfigError: one line, in the page
            error.set(str(exc))
            return
        error.set(None)
        force_update()

    def advance(days: int) -> None:
        if session.whatif is None:  # none yet, or the settings changed since
            start()
            if session.whatif is None:
                return
        session.whatif.step_days(days)
        force_update()

    a, b = arms
    with solara.Card("What if: the same people, the same day, another strategy"):
        seeds = whatif_seeds(model.config.population.size)
        _markdown(
            "Both strategies run on this session's scenario, population and hub settings, "
            f"each on the same {seeds} seeds (the session's seed and the next ones; fewer "
            "for a large population, so that a day stays quick). On each seed both draw the "
            "same random numbers, so that seed's difference B - A is the strategy's doing "
            "and that seed's luck; the line is the mean over the seeds and the band its 95 % "
            "interval. Where the band straddles zero, these seeds cannot tell the two apart. "
            "For more seeds, compare the two with `hubspoke compare`."
        )
        if seeds < FEW_SEEDS:
            _markdown(
                f"With {seeds} seeds the interval rests on {seeds - 1} degree(s) of freedom "
                f"(t = {t_quantile(seeds - 1):.1f}): it is wide and says little. Fewer people "
                "simulated allow more seeds."
            )
        with solara.Row():
            with solara.Column():
                _choices(
                    a.strategy, a.stance, "A: ",
                    lambda v: start(Arm(v, a.stance), b), lambda v: start(Arm(a.strategy, v), b),
                )  # fmt: skip
            with solara.Column():
                _choices(
                    b.strategy, b.stance, "B: ",
                    lambda v: start(a, Arm(v, b.stance)), lambda v: start(a, Arm(b.strategy, v)),
                )  # fmt: skip
        with solara.Row():
            solara.Button("Both +1 day", on_click=lambda: advance(1), color="primary")
            solara.Button("Both +10 days", on_click=lambda: advance(10), color="primary")
            solara.Button("Both to the end", on_click=lambda: advance(10**6), color="primary")
        if error.value:
            solara.Error(error.value)
        pair = session.whatif
        if pair is not None:
            label = f"B ({pair.arms[1].label}) - A ({pair.arms[0].label})"
            Chart(
                lambda: views.differences(pair.differences(), pair.configs[0], label),
                [pair, pair.days],
            )
            if pair.days:
                loyalty, customers = pair.last("loyalty_mean"), pair.last("customers")
                diff = pair.differences()
                low, high = diff["value_low"][-1], diff["value_high"][-1]
                currency = currency_of(pair.configs[0])
                _markdown(
                    f"day {pair.days}, mean over {len(pair.seeds)} seeds: mean loyalty "
                    f"A {loyalty[0]:.3f} / B {loyalty[1]:.3f}; customers A {customers[0]:,.0f} / "
                    f"B {customers[1]:,.0f}; in-window value B - A "
                    f"{money(diff['value'][-1], currency)} (95 % interval "
                    f"{money(low, currency)} to {money(high, currency)})"
                )


# settings with a natural range: a slider (name, label, current value, min, max, step)
SLIDERS = (
    (
        "delay_hours", "response delay after detection (h)",
        lambda c: c.strategy.crisis.delay_hours, 0, 72, 1,
    ),
    ("hub_staff", "hub staff (people)", lambda c: c.team.hub.staff, 0, 30, 1),
    ("coverage_hours", "hub coverage (h a day)", lambda c: c.team.hub.coverage_hours, 1, 24, 1),
)  # fmt: skip

# settings without one: typed, each shown whole (a seed of 1234567 read back as
# "1.23457e+06" could not be typed again)
FIELDS = (
    (
        "population",
        "people simulated (a sample of the reach, {:,}-{:,})".format(*POPULATION_RANGE),
        lambda c: f"{c.population.size:,}",
    ),
    ("seed", "seed", lambda c: str(c.seed)),
)


@solara.component
def Controls(session: Session, model: solara.Reactive, playing: solara.Reactive):
    """The scenario's settings and the run's controls; every change is checked by load_config."""
    update_counter.get()
    draft = solara.use_reactive(session.settings)
    error = solara.use_reactive(session.error)
    cfg = session.config

    def change(name: str, value) -> None:
        change_all({name: str(value)})

    def change_all(values: dict[str, str]) -> None:
        draft.set(replace(draft.value, **values))
        if session.apply(**values) is not None:
            error.set(session.error)
            return
        error.set(None)
        playing.set(False)
        model.set(session.new_model())

    def advance(days: int, run: AppModel | None = None) -> None:
        # Play passes its own run: a new run started meanwhile must not be stepped by it
        run = model.value if run is None else run
        run.step_days(days)
        if run.finished:
            run.horizon = horizon(run)
        if run is model.value:  # a stale run's frame must not redraw the page under the new run
            force_update()

    def reset() -> None:
        playing.set(False)
        model.set(session.new_model())

    def value_now() -> None:
        model.value.horizon = horizon(model.value)
        force_update()

    def play() -> None:
        # a thread of its own (use_task): PLAY_DAYS days, a redraw, a short pause, until
        # Pause, a new run or the end
        run = model.value
        while playing.value and model.value is run and not run.finished:
            advance(PLAY_DAYS, run)
            time.sleep(PLAY_PAUSE_MS / 1000)
        if model.value is run:
            playing.set(False)

    solara.lab.use_task(play, dependencies=[playing.value, model.value], prefer_threaded=True)

    with solara.Card("Scenario"):
        solara.Select(
            "scenario", value=draft.value.scenario, values=catalog.scenario_names(),
            on_value=lambda v: change("scenario", v),
        )  # fmt: skip
        _choices(
            draft.value.strategy, draft.value.stance, "",
            lambda v: change("strategy", v), lambda v: change("stance", v),
        )  # fmt: skip
        protocol = has_crisis_protocol(draft.value.strategy)
        for name, label, current, low, high, step in SLIDERS:
            value = current(cfg)
            ignored = name == "delay_hours" and not protocol  # the preset never answers one
            note = (
                " (the preset has no crisis protocol)"
                if ignored
                else ("" if getattr(draft.value, name) else " (preset)")
            )
            # the label above, the slider below at the card's full width (a slider's own
            # label sits beside it and leaves the track a few pixels in a sidebar)
            with solara.Column(gap="0px", classes=["mt-1", "mb-6"]):
                solara.Text(f"{label}: {value:g}{note}", style={"font-size": "0.85em"})
                solara.SliderInt(
                    "", value=round(min(max(value, low), high)),
                    min=low, max=high, step=step, tick_labels="end_points",
                    on_value=lambda v, name=name: change(name, v), disabled=ignored,
                )  # fmt: skip
        if any(getattr(draft.value, name) for name, *_ in SLIDERS):
            solara.Button(
                "Back to the preset's values",
                on_click=lambda: change_all({name: "" for name, *_ in SLIDERS}),
                text=True,
            )
        for name, label, current in FIELDS:
            solara.InputText(
                f"{label} — now {current(cfg)}",
                value=getattr(draft.value, name),
                on_value=lambda v, name=name: change(name, v),
                placeholder="leave empty for the preset's value",
            )
        if error.value:
            solara.Error(error.value)
    finished = model.value.finished
    with solara.Card("Run"):
        with solara.Row():
            if playing.value:
                solara.Button("Pause", on_click=lambda: playing.set(False), color="primary")
            else:
                solara.Button(
                    "Play", on_click=lambda: playing.set(True), color="primary",
                    disabled=finished,
                )  # fmt: skip
            solara.Button(
                "Step one day", on_click=lambda: advance(1), color="primary",
                disabled=playing.value or finished,
            )  # fmt: skip
        with solara.Row():
            solara.Button(
                "+10 days", on_click=lambda: advance(10), color="primary",
                disabled=playing.value or finished,
            )  # fmt: skip
            solara.Button(
                "Run to the end", on_click=lambda: advance(10**6), color="primary",
                disabled=playing.value or finished,
            )  # fmt: skip
        with solara.Row():
            solara.Button("New run", on_click=reset)
            solara.Button("Horizon value now", on_click=value_now, text=True)
        run = model.value
        solara.FileDownload(
            lambda: daily_csv(run),
            filename=download_name(run, "days", "csv"),
            label="Download the days (CSV)",
            mime_type="text/csv",
        )
        with solara.Column():
            solara.Text(f"day {len(model.value.rows)} of {model.value.config.days}")
            _markdown(f"Play moves {PLAY_DAYS} days, redraws the figures, and goes on.")


@solara.component
def RunTab(model: AppModel, session: Session):
    """The run's status and its figures, two to a row."""
    figures = [
        lambda: LiveFigure(model, views.loyalty, "loyalty"),
        lambda: Network(model, session),
        lambda: LiveFigure(model, views.customers, "customers"),
        lambda: LiveFigure(model, views.attack, "accusation"),
        lambda: LiveFigure(model, views.posts, "posts"),
        lambda: LiveFigure(model, views.service, "queue"),
        lambda: Money(model, session),
    ]
    with solara.Card():
        Status(model, session)
    for row in range(0, len(figures), 2):
        with solara.Columns([1, 1]):
            for draw in figures[row : row + 2]:
                draw()


@solara.component
def Page():
    # per session: use_memo runs once for each browser session (each kernel)
    session = solara.use_memo(Session, [])
    first = solara.use_memo(session.new_model, [])
    model = solara.use_reactive(first)
    playing = solara.use_reactive(False)
    solara.Title(TITLE)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar():
        Controls(session, model, playing)
    with solara.lab.Tabs():
        with solara.lab.Tab("Run"):
            RunTab(model.value, session)
        with solara.lab.Tab("What if"):
            WhatIfPanel(model.value, session)
        with solara.lab.Tab("Story"):
            Story(model.value)
