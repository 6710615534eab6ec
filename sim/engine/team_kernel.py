"""The team's callbacks compiled (sim/engine/kernels.c `team_advance`): the binding.

With the compiled queues, the events of a day never come back to Python: the
kernel runs the hub's and spokes' queues and applies each event's effects
(`Team._hub_complete`, `_spoke_complete`, `_resolve` and the rest, which stay
the reference) to the same arrays, in the same order, with the same arithmetic.
This module hands the kernel the addresses of those arrays and the team's
settings, then brings back what the Python ledger keeps outside arrays: its
counters and float sums, its lists of response and resolution hours, the
people given a reply weight, each liaison's case hours, the conversions.
"""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING

import numpy as np

from sim.engine import native

if TYPE_CHECKING:
    from sim.engine.team import Team

_P, _I64, _F64 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double

# (field, where it is read from, dtype): in TeamState's order in kernels.c
_ARRAYS = (
    ("kind", "posts", np.int8),
    ("author", "posts", np.int64),
    ("created", "posts", np.float64),
    ("background", "posts", np.bool_),
    ("follow_u", "posts", np.float64),
    ("problem", "posts", np.bool_),
    ("topic", "posts", np.int8),
    ("loyalty_before", "posts", np.float64),
    ("spoke_work", "posts", np.float64),
    ("service_start", "posts", np.float64),
    ("first_response", "posts", np.float64),
    ("reply_uplift", "posts", np.float64),
    ("resolved_at", "posts", np.float64),
    ("loyalty_after_fix", "posts", np.float64),
    ("spoke_start", "posts", np.float64),
    ("outcome", "posts", np.int8),
    ("routed_to", "posts", np.int8),
    ("loyalty", "population", np.float64),
    ("voice", "population", np.float64),
    ("baseline_loyalty", "population", np.float64),
    ("margin_by_segment", "population", np.float64),
    ("segment", "population", np.int8),
    ("state", "population", np.int8),
    ("open_issues", "population", np.int32),
    ("reply_weight", "ledger", np.float64),
    ("level", "defects", np.float64),
    ("everyday", "defects", np.float64),
    ("hidden_growth", "defects", np.float64),
    ("floor", "defects", np.float64),
    ("recognised_at", "defects", np.float64),
    ("recognised_after", "defects", np.int64),
    ("department_fixes", "defects", np.int64),
    ("topic_spoke", "kernel", np.int64),
    ("resolution_hours", "kernel", np.float64),
    ("follow_through", "kernel", np.float64),
)
_OTHER_POINTERS = ("spokes", "slot_offset", "slot_liaison", "effort_hours", "case_hours")
_SETTINGS = (
    "spoke_count",
    "topic_count",
    "sales",
    "routing",
    "exponential_speed",
    "recovery_ceiling",
    "freeze_loyalty",
    "close_loop",
    "attack_reply_goodwill",
)
_VALUES = (
    "spin",
    "hub_lead_close",
    "lead_close_rate",
    "resolve_share",
    "answer_share",
    "reply_gain",
    "speed_scale_hours",
    "resolution_value_days",
    "resolution_gain",
    "answer_gain",
    "compensation_per_resolution",
    "broken_promise_hit",
    "squeaky_wheel",
    "revenue_floor",
    "fix_share",
)
_TALLIES = ("resolved", "routed", "broken", "abandoned", "leads_closed", "root_cause_fixes")
_SUMS = ("compensation", "spoke_held")


class TeamState(ctypes.Structure):
    """kernels.c's TeamState: every field 8 bytes wide, in its order."""

    _fields_ = [
        *((name, _P) for name, _, _ in _ARRAYS),
        *((name, _P) for name in _OTHER_POINTERS),
        *((name, _I64) for name in _SETTINGS),
        *((name, _F64) for name in _VALUES),
        *((name, _I64) for name in (*_TALLIES, "converted")),
        *((name, _F64) for name in _SUMS),
    ]


ROUTING = {"hub_only": 0, "hub_and_spoke": 1, "pr_only": 2}


class CompiledCallbacks:
    """The team's callbacks in C, bound to one team's arrays."""

    def __init__(self, team: Team) -> None:
        self.team = team
        self._kernels = native.KERNELS
        cfg, pc, hub = team.cfg, team.cfg.posts, team.cfg.team.hub
        self._log = self._kernels.team_log_new()
        if not self._log:
            raise MemoryError("the compiled team's log")
        state = self.state = TeamState()
        # arrays of the team's own, kept alive here while the kernel holds their addresses
        self._kernel_arrays = {
            "topic_spoke": np.ascontiguousarray(team.topic_spoke, dtype=np.int64),
            "resolution_hours": np.ascontiguousarray(team.resolution_hours, dtype=np.float64),
            "follow_through": np.ascontiguousarray(team.follow_through, dtype=np.float64),
        }
        self._pools = (ctypes.c_void_p * max(len(team.spokes), 1))(
            *[spoke._pool for spoke in team.spokes]
        )
        liaison_index = {id(liaison): i for i, liaison in enumerate(team.liaisons)}
        slots = [slot for spoke in team.spokes for slot in spoke.servers]
        offsets = np.cumsum([0, *(len(spoke.servers) for spoke in team.spokes)])
        self._slot_offset = np.ascontiguousarray(offsets[: max(len(team.spokes), 1)], np.int64)
        self._slot_liaison = np.array(
            [liaison_index[id(slot.liaison)] for slot in slots] or [0], dtype=np.int64
        )
        self._effort = np.array([x.effort_hours for x in team.liaisons] or [0.0])
        self._case_hours = np.zeros(max(len(team.liaisons), 1))
        state.spokes = ctypes.cast(self._pools, ctypes.c_void_p)
        state.slot_offset = native.address(self._slot_offset)
        state.slot_liaison = native.address(self._slot_liaison)
        state.effort_hours = native.address(self._effort)
        state.case_hours = native.address(self._case_hours)
        state.spoke_count = len(team.spokes)
        state.topic_count = len(team.topic_spoke)
        state.sales = team.sales
        state.routing = ROUTING[team.rules.strategy.routing]
        state.exponential_speed = pc.reply_speed_form == "exponential"
        state.recovery_ceiling = bool(pc.recovery_ceiling)
        state.close_loop = bool(team.rules.strategy.close_loop)
        state.spin = team._spin
        state.hub_lead_close = team._hub_lead_close
        state.lead_close_rate = pc.lead_close_rate
        state.resolve_share = hub.resolve_share
        state.answer_share = hub.answer_share
        state.reply_gain = pc.reply_gain
        state.speed_scale_hours = pc.reply_speed_scale_hours
        state.resolution_value_days = pc.resolution_value_days
        state.resolution_gain = pc.resolution_gain
        state.answer_gain = pc.answer_gain
        state.compensation_per_resolution = cfg.team.compensation_per_resolution
        state.broken_promise_hit = pc.broken_promise_hit
        state.squeaky_wheel = cfg.population.squeaky_wheel
        state.revenue_floor = cfg.population.revenue_loyalty_floor
        state.fix_share = team.defects.fix_share
        self._bound: dict[str, np.ndarray] = {}

    def __del__(self) -> None:
        if getattr(self, "_log", None):
            self._kernels.team_log_free(self._log)
            self._log = None

    def _bind(self) -> None:
        """Point the kernel at the arrays as they are now (the post book grows, and any
        array may have been replaced): a field is rebound when its array object changed."""
        team, state, bound = self.team, self.state, self._bound
        owners = {
            # the book's whole columns, not today's views of them: the same object (and
            # address) until the book grows, so a day's new views bind nothing again
            "posts": team.posts._columns,
            "population": team.population,
            "ledger": team.ledger,
            "defects": team.defects,
        }
        for name, owner, dtype in _ARRAYS:
            if owner == "kernel":
                values = self._kernel_arrays[name]
            elif owner == "posts":
                values = owners["posts"][name]
            else:
                values = getattr(owners[owner], name)
            if bound.get(name) is values:
                continue
            if values.dtype != dtype or not values.flags.c_contiguous:
                raise TypeError(f"the team's kernel reads {name} as contiguous {np.dtype(dtype)}")
            setattr(state, name, native.address(values))
            bound[name] = values

    def advance(self, hub_pool: object, until: float) -> None:
        """The hub, then every spoke, up to `until`, with the team's callbacks."""
        self._run(self._kernels.team_advance, hub_pool, until)

    def drain(self, hub_pool: object, until: float) -> None:
        """The hub's posts given up by `until`, with the abandonment callback."""
        self._run(self._kernels.team_drain, hub_pool, until)

    def _run(self, kernel, hub_pool, until: float) -> None:
        team, state, ledger = self.team, self.state, self.team.ledger
        hub_pool._flush()
        for spoke in team.spokes:
            spoke._flush()
        self._bind()
        # read at every call: the model sets these after the team is built
        state.attack_reply_goodwill = bool(team.attack_reply_goodwill)
        state.freeze_loyalty = bool(team.population.freeze_loyalty)
        for name in (*_TALLIES, "converted"):
            setattr(state, name, 0)
        state.compensation = ledger.compensation
        state.spoke_held = team._spoke_held
        for i, liaison in enumerate(team.liaisons):
            self._case_hours[i] = liaison.case_hours_today
        self._kernels.team_log_clear(self._log)
        if kernel(ctypes.addressof(state), self._log, hub_pool._pool, until):
            raise MemoryError("the compiled team's events")
        for name in _TALLIES:
            setattr(ledger, name, getattr(ledger, name) + getattr(state, name))
        team.population.converted_total += state.converted
        ledger.compensation = state.compensation
        team._spoke_held = state.spoke_held
        for i, liaison in enumerate(team.liaisons):
            liaison.case_hours_today = float(self._case_hours[i])
        counts = [self._kernels.team_log_count(self._log, which) for which in (0, 1, 2)]
        if any(counts):
            response, resolution = np.empty(counts[0]), np.empty(counts[1])
            touched = np.empty(counts[2], dtype=np.int64)
            self._kernels.team_log_read(
                self._log,
                native.address(response),
                native.address(resolution),
                native.address(touched),
            )
            ledger.response_hours.extend(response.tolist())
            ledger.resolution_hours.extend(resolution.tolist())
            if len(touched):
                ledger.touched.append(touched)
                # the kernel raises the voice of those it answers: the population's
                # loud people must hear of it (everyone answered is among `touched`)
                team.population.voice_changed(touched)
