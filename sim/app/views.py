"""The app's live figures, drawn from the model's daily rows (`model.rows`, one dict a day).

Each function returns a matplotlib `Figure` built without pyplot: pyplot keeps
global state, and a classroom's sessions draw at the same time in threads of
one server. The axes run over the whole scenario from the first day, so the
event markers (attack, defect shocks, peaks) show what is coming and the
lines grow into a fixed frame. The run report's conventions are reused
(sim.report.plots): quantity and unit on every axis, dollars on money, event
markers, legends below the data.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure, SubplotParams
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from sim.config.schema import POST_KINDS, Config
from sim.engine.population import SPREADING, STIFLED
from sim.report.currency import currency_of
from sim.report.plots import (
    Event,
    decorate,
    legend_below,
    mark_events,
    people_axis,
    scenario_events,
)

SIZE = (6.4, 3.5)  # two to a row of the Run tab on a laptop screen
CMAP = "RdYlGn"  # loyalty: red (low) to green (high)


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes for the page, drawn once by Agg (`savefig` costs ~1.5
    times as much for these figures)."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return _encode(canvas)


def _column(rows: Sequence[dict], key: str) -> np.ndarray:
    return np.array([row.get(key, np.nan) for row in rows], dtype=float)


@dataclass(frozen=True)
class TimeView:
    """A live time figure: its `frame` (axes, labels, limits), drawn once for a run, and
    its `data`, drawn from the daily rows onto those axes.

    `draw` builds the whole figure at once; `Live` keeps it for a run and replaces
    only the data as days pass, which is what lets Play redraw six of them a frame.
    """

    frame: Callable[[Config], tuple[Figure, list]]
    data: Callable[[list, Sequence[dict], Config], None]
    columns: int = 3  # legend columns
    timeline: bool = True  # x is the day: the scenario's events are marked
    # what the frame reads of a config: two configs alike in it draw the same frame, so
    # a new run of either keeps the frame (None: every config draws its own)
    reads: Callable[[Config], Hashable] | None = None

    def __call__(
        self, rows: Sequence[dict], config: Config, events: Sequence[Event] = ()
    ) -> Figure:
        """The figure of these rows, built from scratch."""
        fig, axes = self.frame(config)
        self.data(axes, rows, config)  # no rows: empty artists, so the legend is complete
        marked = [*scenario_events(config), *events] if self.timeline else []
        decorate(axes[0], marked, *axes[1:], columns=self.columns)
        _fit_limits([ax for ax in axes if ax.get_autoscaley_on()], Live.HEADROOM, force=True)
        fig.tight_layout()
        return fig


class Live:
    """One `TimeView`'s figure kept across the days of a run, drawn by blitting.

    The frame (axes, ticks, labels, legend, layout) is drawn once and kept as a
    picture; a new day removes the data artists, adds today's and draws only them,
    with the events' marks and the axes' outline, over the kept picture (~10 ms
    where a whole figure takes ~65 ms). The frame is drawn again when it changes:
    the first day's data (the legend's entries), or data outside the y-range; an
    event that comes during a run is a mark painted over it, as the data are. The y-ranges
    are set here, with headroom (`HEADROOM`), and never shrink within a run, so
    the lines grow into a frame that seldom moves.

    A new run (another config) builds a new figure, unless the view's `reads`
    find the config alike (a student's slider or preset, a new seed): then the
    figure is kept, its y-ranges start as a new figure's do, and the layout is
    redone only where a range moved, so a new run of the same scenario shows in
    about the time of a day (a new figure measures every text again).
    """

    HEADROOM = 0.25  # share of the data's span added above (and below, if negative)

    def __init__(self, view: TimeView) -> None:
        self.view = view
        self._key: int | None = None  # the config's id: a new config, a new run
        self._reads: Hashable = None  # what the frame read of its config (view.reads)
        self._initial_ylim: list = []  # the managed axes' ranges before any data
        self.figure: Figure | None = None
        self._events: tuple | None = None
        self._marks: list = []  # the event markers' artists
        self._axes: list = []
        self._managed: list = []  # the axes whose y-range follows the data
        self._data: list = []
        self._canvas: FigureCanvasAgg | None = None
        self._background = None  # the frame's pixels, without data
        self._drawn_key: Hashable = None  # the frame's key, kept once its picture is drawn
        # Play draws in a thread of its own while a click draws in another: the two
        # share the kept frame and its artists, so they take turns
        self._lock = threading.Lock()

    def update(self, rows: Sequence[dict], config: Config, events: Sequence[Event] = ()) -> Figure:
        """Today's data on the kept frame (a new frame for another config)."""
        if self.figure is not None and id(config) != self._key and self._alike(config):
            self._key = id(config)
            if self._new_run(rows, config, events):
                return self.figure
        if self.figure is None or id(config) != self._key:
            self._key = id(config)
            self._reads = self.view.reads(config) if self.view.reads else None
            self.figure, self._axes = self.view.frame(config)
            self._managed = [ax for ax in self._axes if ax.get_autoscaley_on()]
            self._initial_ylim = [ax.get_ylim() for ax in self._managed]
            self._canvas = FigureCanvasAgg(self.figure)
            self._data = self._draw_data(rows, config)
            decorate(self._axes[0], (), *self._axes[1:], columns=self.view.columns)  # legend
            self._events, self._marks = None, []
            self._mark(config, events)
            _fit_limits(self._managed, self.HEADROOM, force=True)
            self._layout_frame()
            return self.figure
        for artist in self._data:
            artist.remove()
        self._data = self._draw_data(rows, config)
        self._mark(config, events)
        if _fit_limits(self._managed, self.HEADROOM):
            self._layout_frame()  # the tick labels may be wider
        return self.figure

    def _alike(self, config: Config) -> bool:
        return self.view.reads is not None and self.view.reads(config) == self._reads

    def _new_run(self, rows: Sequence[dict], config: Config, events: Sequence[Event]) -> bool:
        """A new run's data on the kept frame, its y-ranges fitted as a new figure's; False,
        having changed nothing worth keeping, where its legend would differ."""
        labels = [artist.get_label() for artist in self._data]
        limits = [ax.get_ylim() for ax in self._managed]
        for artist in self._data:
            artist.remove()
        for ax in self._axes:  # the data limits of the new run alone (as Axes.relim)
            ax.dataLim.ignore(True)
            ax.dataLim.set_points(Bbox.null().get_points())
            ax.ignore_existing_data_limits = True
        for ax, initial in zip(self._managed, self._initial_ylim, strict=True):
            ax.set_ylim(initial, auto=True)  # as a new figure's, before its data
        self._data = self._draw_data(rows, config)
        if [artist.get_label() for artist in self._data] != labels:
            self.figure = None  # another legend (the service's target line): a new frame
            return False
        self._mark(config, events)
        _fit_limits(self._managed, self.HEADROOM, force=True)
        if [ax.get_ylim() for ax in self._managed] != limits:
            self._layout_frame()  # the tick labels may differ
        return True

    def _layout_frame(self) -> None:
        """The frame's layout as a new figure's (`_lay_out`), and a new picture of it to
        come; or, where a frame alike was laid out and drawn before (another session's, an
        earlier run's), its layout and picture (`_kept_frame`)."""
        key = self._frame_key()
        kept = _kept_frame(key)
        if kept is None:
            _lay_out(self.figure)
            self._background, self._drawn_key = None, key
            return
        margins, self._background = kept
        self.figure.subplots_adjust(**margins)
        self._drawn_key = None

    def _frame_key(self) -> Hashable:
        """What the frame's layout and picture follow from: the view, what its frame
        read of the config, the figure's size, the y-ranges and the legend's entries (the
        events' marks, the data and the axes' outline are painted over the picture).
        None where the view does not say what its frame reads."""
        if self.view.reads is None:
            return None
        return (
            self.view,
            self._reads,
            tuple(self.figure.get_size_inches()),
            self.figure.dpi,
            tuple(ax.get_ylim() for ax in self._axes),
            tuple(artist.get_label() for artist in self._data),
        )

    def _mark(self, config: Config, events: Sequence[Event]) -> None:
        """The scenario's and the run's events on the frame, marked again when they change
        (on the same figure: a new one would measure every text again)."""
        if tuple(events) == self._events or not self.view.timeline:
            return
        self._events = tuple(events)
        for artist in self._marks:
            artist.remove()
        ax = self._axes[0]
        before = {id(a) for a in ax.get_children()}
        mark_events(ax, [*scenario_events(config), *events])
        # painted over the kept picture (`_png`): the picture stays
        self._marks = [a for a in ax.get_children() if id(a) not in before]

    def png(self, rows: Sequence[dict], config: Config, events: Sequence[Event] = ()) -> bytes:
        """`update`, then the figure as PNG bytes: the data drawn over the kept frame.

        Safe to call from several threads while the run steps: the rows are read once
        (a run appends a day while another thread draws), and drawings take turns."""
        with self._lock:
            return self._png(list(rows), config, tuple(events))

    def _png(self, rows: list[dict], config: Config, events: tuple[Event, ...]) -> bytes:
        self.update(rows, config, events)
        canvas = self._canvas
        # the data, the events' marks and the axes' frame are left out of the kept picture
        # and painted over it each time: a whole drawing paints the frame and the events'
        # labels over the data, and an event that comes during a run (a crisis declared)
        # then needs no new picture of the frame (~80 ms a figure)
        over = self._data + self._marks
        over += [spine for ax in self._axes for spine in ax.spines.values()]
        if self._background is None:
            for artist in over:
                artist.set_visible(False)
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            for artist in over:
                artist.set_visible(True)
            _keep_frame(self._drawn_key, self.figure, self._background)
            self._drawn_key = None
        else:
            canvas.restore_region(self._background)
        renderer = canvas.get_renderer()
        painted = {id(artist) for artist in over}
        for ax in self._axes:  # a host and its twin, each in a whole drawing's order
            for artist in _painting_order(ax):
                if id(artist) in painted:
                    artist.draw(renderer)
        return _encode(canvas)

    def _draw_data(self, rows: Sequence[dict], config: Config) -> list:
        """Draw the rows' data; the artists added."""
        before = {id(a) for ax in self._axes for a in ax.get_children()}
        self.view.data(self._axes, rows, config)
        return [a for ax in self._axes for a in ax.get_children() if id(a) not in before]


def _painting_order(ax) -> list:
    """The axes' artists in the order `Axes.draw` paints them: its children by zorder,
    those of equal zorder in the order they were added (a stable sort)."""
    return sorted(ax.get_children(), key=lambda artist: artist.get_zorder())


# the layouts and pictures of frames drawn in this process, by `Live._frame_key`: a new
# session (a browser tab, a reload) or a new run's new figure of a frame alike starts
# from them instead of measuring every text and drawing the frame again (~75 ms a figure)
_KEPT_FRAMES = 32
_frames: dict[Hashable, tuple[dict[str, float], object]] = {}
_frames_lock = threading.Lock()
_MARGINS = ("left", "right", "bottom", "top", "wspace", "hspace")


def _kept_frame(key: Hashable) -> tuple[dict[str, float], object] | None:
    if key is None:
        return None
    with _frames_lock:
        return _frames.get(key)


def _keep_frame(key: Hashable, fig: Figure, background: object) -> None:
    """Keep a frame's layout (the figure's margins) and picture (read-only: a canvas
    restores it, none changes it)."""
    if key is None:
        return
    with _frames_lock:
        if len(_frames) >= _KEPT_FRAMES:
            _frames.pop(next(iter(_frames)))  # the oldest
        _frames[key] = ({name: getattr(fig.subplotpars, name) for name in _MARGINS}, background)


def _lay_out(fig: Figure) -> None:
    """`tight_layout` from a new figure's margins: it measures the legend below the axes
    where the current margins put it, so a layout redone from other margins comes out
    a few pixels apart from a new figure's."""
    fresh = SubplotParams()
    fig.subplots_adjust(
        left=fresh.left, bottom=fresh.bottom, right=fresh.right, top=fresh.top,
        wspace=fresh.wspace, hspace=fresh.hspace,
    )  # fmt: skip
    fig.tight_layout()


def frame_reads(config: Config) -> tuple:
    """What the time views' frames read of a config: the days (the x-range), whether an
    attack comes (the accusation's note), the currency (money's axes) and the events
    marked. Strategies, staff, seeds and sizes are the data's, not the frame's."""
    return (
        config.days,
        config.attack.enabled,
        config.output.currency,
        tuple(scenario_events(config)),
    )


def _fit_limits(axes: list, headroom: float, force: bool = False) -> bool:
    """Set each axis's y-range to its data with headroom when the data left it (or
    `force`); whether any range changed. Non-negative data keep 0 as the floor."""
    changed = False
    for ax in axes:
        low, high = ax.dataLim.intervaly
        if not (np.isfinite(low) and np.isfinite(high)):
            continue
        bottom, top = ax.get_ylim()
        if not force and bottom <= low and high <= top:
            continue
        span = max(high - low, abs(high), abs(low), 1.0)
        floor = 0.0 if low >= 0 else low - headroom * span
        ceiling = high + headroom * span if high > 0 else 0.0 + headroom * span
        ax.set_ylim(floor, ceiling)
        changed = True
    return changed


def _encode(canvas: FigureCanvasAgg) -> bytes:
    """The canvas's pixels as PNG, compressed lightly (level 1: ~5 ms, files ~1.5 times
    the size of the default level's, still tens of kB)."""
    from PIL import Image

    out = io.BytesIO()
    Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).save(
        out, format="png", compress_level=1
    )
    return out.getvalue()


def _frame(config: Config, title: str, ylabel: str) -> tuple[Figure, list]:
    fig = Figure(figsize=SIZE, dpi=100)
    ax = fig.add_subplot()
    ax.set(xlabel="day", ylabel=ylabel, title=title, xlim=(0, config.days + 1))
    ax.title.set_fontsize(10)
    return fig, [ax]


def _twin_frame(
    config: Config, title: str, ylabel: str, right: str, **right_axis
) -> tuple[Figure, list]:
    """A figure with a second quantity on the right axis (its label and limits)."""
    fig, (ax,) = _frame(config, title, ylabel)
    ax2 = ax.twinx()
    ax2.set(ylabel=right, **right_axis)
    return fig, [ax, ax2]


def _loyalty_frame(config: Config) -> tuple[Figure, list]:
    fig, axes = _frame(config, "Loyalty of customers", "loyalty (0-1) / NPS-like (-1 to +1)")
    axes[0].set_ylim(-1.0, 1.0)  # the NPS-like score runs from -1 to +1 (loyalty 0 to 1)
    return fig, axes


def _loyalty_data(axes: list, rows: Sequence[dict], config: Config) -> None:
    (ax,) = axes
    day = _column(rows, "day")
    ax.fill_between(
        day,
        _column(rows, "loyalty_p10"),
        _column(rows, "loyalty_p90"),
        alpha=0.25,
        color="tab:blue",
        label="p10-p90 band",
    )
    ax.plot(day, _column(rows, "loyalty_mean"), color="tab:blue", label="mean loyalty")
    ax.plot(day, _column(rows, "nps_like"), "--", color="tab:orange", label="NPS-like")


loyalty = TimeView(_loyalty_frame, _loyalty_data, reads=frame_reads)


def _customers_frame(config: Config) -> tuple[Figure, list]:
    fig, axes = _twin_frame(config, "Customers and churn", "people", "churned (people a day)")
    for ax in axes:
        people_axis(ax.yaxis)
    return fig, axes


def _customers_data(axes: list, rows: Sequence[dict], config: Config) -> None:
    ax, ax2 = axes
    day = _column(rows, "day")
    for key, label, color in (
        ("customers", "customers", "tab:blue"),
        ("lapsed", "lapsed", "tab:orange"),
        ("competitor", "with a competitor", "tab:green"),
    ):
        ax.plot(day, _column(rows, key), color=color, label=label)
    ax2.fill_between(
        day, _column(rows, "churned"), step="mid", color="tab:red", alpha=0.3,
        label="churned a day",
    )  # fmt: skip


customers = TimeView(_customers_frame, _customers_data, columns=4, reads=frame_reads)


def _posts_frame(config: Config) -> tuple[Figure, list]:
    return _twin_frame(
        config, "Inbound posts by kind", "posts a day", "negative share of posts (%)", ylim=(0, 100)
    )


def _posts_data(axes: list, rows: Sequence[dict], config: Config) -> None:
    ax, ax2 = axes
    day = _column(rows, "day")
    # one stacked area per kind, not a bar per kind per day: a year of bars is
    # thousands of patches, and each redraw of the live figure paid for them
    counts = [np.nan_to_num(_column(rows, f"posts_{kind}")) for kind in POST_KINDS]
    colors = [f"C{i}" for i in range(len(POST_KINDS))]
    ax.stackplot(day, *counts, labels=POST_KINDS, colors=colors, step="mid")
    ax2.plot(day, 100 * _column(rows, "negative_share"), color="black", label="negative %")


posts = TimeView(_posts_frame, _posts_data, columns=4, reads=frame_reads)


def _service_frame(config: Config) -> tuple[Figure, list]:
    return _twin_frame(
        config, "The hub's queue", "backlog (posts waiting)", "first response, median (h)"
    )


def _service_data(axes: list, rows: Sequence[dict], config: Config) -> None:
    ax, ax2 = axes
    day = _column(rows, "day")
    ax.fill_between(
        day, _column(rows, "backlog"), step="mid", color="tab:gray", alpha=0.5, label="backlog"
    )
    ax2.plot(
        day,
        _column(rows, "first_response_median_h"),
        color="tab:blue",
        marker=".",
        label="median first response",
    )
    ax2.axhline(
        config.strategy.sla_hours,
        color="tab:blue",
        linestyle=":",
        linewidth=0.8,
        label=f"target {config.strategy.sla_hours:g} h",
    )


service = TimeView(_service_frame, _service_data, reads=frame_reads)


def _attack_frame(config: Config) -> tuple[Figure, list]:
    fig, axes = _twin_frame(
        config, "The accusation", "heard it (% of everyone in reach)", "spreading it now (people)"
    )
    if not config.attack.enabled:
        axes[0].text(
            0.5, 0.5, "no attack in this scenario", transform=axes[0].transAxes, ha="center"
        )
    return fig, axes


def _attack_data(axes: list, rows: Sequence[dict], config: Config) -> None:
    ax, ax2 = axes
    day = _column(rows, "day")
    ax.plot(day, 100 * _column(rows, "attack_aware_share"), color="tab:purple", label="aware")
    ax2.plot(day, _column(rows, "attack_spreaders"), color="tab:red", label="spreaders")


attack = TimeView(_attack_frame, _attack_data, reads=frame_reads)


def _money_frame(config: Config, horizon: dict | None = None) -> tuple[Figure, list]:
    currency = currency_of(config)
    title = "Money"
    if horizon:
        value = currency.amount(horizon["relationship_value_horizon"])
        title += f" — horizon value {value} (as of day {horizon['day']:.0f})"
    fig, axes = _twin_frame(
        config,
        title,
        currency.label("a day"),
        currency.label("in-window value, cumulative"),
    )
    for ax in axes:
        ax.yaxis.set_major_formatter(currency.formatter)
    return fig, axes


def _money_data(axes: list, rows: Sequence[dict], config: Config) -> None:
    ax, ax2 = axes
    day = _column(rows, "day")
    revenue, cost = _column(rows, "revenue"), _column(rows, "cost_to_serve")
    ax.plot(day, revenue, color="tab:green", label="revenue")
    ax.plot(day, cost, color="tab:red", label="cost to serve")
    ax2.plot(day, np.cumsum(revenue - cost), color="black", label="in-window value")


def money_view(horizon: dict | None = None) -> TimeView:
    """The money figure; its title carries the horizon value once it is computed."""
    return TimeView(lambda config: _money_frame(config, horizon), _money_data, reads=frame_reads)


def differences(diff: dict[str, np.ndarray], config: Config, label: str) -> Figure:
    """What-if: B minus A, day by day, on three stacked axes."""
    fig = Figure(figsize=(6.4, 6.4), dpi=100)
    axes = fig.subplots(3, 1, sharex=True)
    currency = currency_of(config)
    panels = (
        ("loyalty_mean", "mean loyalty, B - A (0-1 scale)", None),
        ("customers", "customers, B - A (people)", None),
        ("value", currency.label("in-window value, B - A"), currency.formatter),
    )
    for ax, (key, ylabel, formatter) in zip(axes, panels, strict=True):
        if len(diff["day"]):
            ax.fill_between(
                diff["day"], diff[f"{key}_low"], diff[f"{key}_high"], color="tab:blue",
                alpha=0.2, linewidth=0, label="95 % interval over the seeds",
            )  # fmt: skip
            ax.plot(diff["day"], diff[key], color="tab:blue", label="mean over the seeds")
        ax.axhline(0.0, color="black", linewidth=0.6)
        ax.set_ylabel(ylabel, fontsize=8)
        if formatter is not None:
            ax.yaxis.set_major_formatter(formatter)
        mark_events(ax, scenario_events(config))
    axes[0].set_title(f"What if: {label}", fontsize=10)
    axes[-1].set(xlabel="day", xlim=(0, config.days + 1))
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:  # under the panels, off the data
        fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.04 if handles else 0, 1, 1))
    return fig


def _network_frame(sample) -> tuple[Figure, list]:
    """The sampled follower network's frame: its links, the colour bar, the legend."""
    fig = Figure(figsize=(5.6, 3.7), dpi=100)
    ax = fig.add_subplot()
    if len(sample.edges):
        from matplotlib.collections import LineCollection

        segments = sample.xy[sample.edges]  # (k, 2, 2)
        ax.add_collection(LineCollection(segments, colors="0.8", linewidths=0.4, zorder=1))
    colorbar = fig.colorbar(ScalarMappable(Normalize(0.0, 1.0), CMAP), ax=ax, shrink=0.7, pad=0.02)
    colorbar.set_label("loyalty (0-1)")
    note = "complete graph: links not drawn" if sample.complete else "grey lines: follows"
    ax.set_title(f"{len(sample.nodes)} people of the follower network ({note})", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    low, high = sample.xy.min(axis=0), sample.xy.max(axis=0)
    pad = 0.05 * np.maximum(high - low, 1e-9)
    ax.set(xlim=(low[0] - pad[0], high[0] + pad[0]), ylim=(low[1] - pad[1], high[1] + pad[1]))
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor="white",
            markeredgecolor=c,
            markeredgewidth=1.6,
            label=label,
        )
        for c, label in (
            ("0.6", "has not heard it"),
            ("tab:red", "spreading"),
            ("black", "heard it, stopped"),
        )
    ]
    legend_below(ax, handles, [h.get_label() for h in handles], columns=3)
    return fig, [ax]


def _network_data(axes: list, sample, crisis: np.ndarray, loyalty: np.ndarray) -> None:
    """The sampled people: fill = loyalty, ring = where they stand with the rumour."""
    (ax,) = axes
    state = crisis[sample.nodes]
    ring = np.where(state == SPREADING, "tab:red", np.where(state == STIFLED, "black", "0.6"))
    ax.scatter(
        sample.xy[:, 0],
        sample.xy[:, 1],
        c=loyalty[sample.nodes],
        cmap=CMAP,
        norm=Normalize(0.0, 1.0),
        s=np.where(state == SPREADING, 46, 22),
        edgecolors=ring,
        linewidths=np.where(state == 0, 0.3, 1.6),
        zorder=2,
    )


def network_view(sample) -> TimeView:
    """The sampled follower network as a live view; what it draws is (crisis, loyalty)."""
    return TimeView(
        lambda config: _network_frame(sample),
        lambda axes, people, config: _network_data(axes, sample, *people),
        timeline=False,
    )
