"""Overrides that the chosen scenario and strategy make do nothing.

`strategy=silence team.hub.staff=4` hires nobody, and `strategy.crisis.stance=deny`
on a scenario without an attack changes nothing. Such settings are allowed (a
sweep may cross them), but never silently: `load_config` issues an
`InertSettingWarning` per setting, the CLI prints it as one line and records it
in the run's provenance.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from sim.config.arguments import exact
from sim.config.schema import Config


class InertSettingWarning(UserWarning):
    """A setting the rest of the config makes inert."""


def inert_settings(config: Config, keys: Sequence[str]) -> list[str]:
    """One sentence for each key in `keys` (the user's overrides) that has no effect."""
    strategy, attack = config.strategy, config.attack
    staffs_hub = bool(strategy.answers)
    staffs_spokes = staffs_hub and strategy.routing == "hub_and_spoke"
    attack_happens = attack.enabled and attack.start_day < config.days
    notes = []
    for key in dict.fromkeys(keys):
        if key.startswith("team.hub.") and not staffs_hub:
            notes.append(f"{key}: strategy {strategy.name} answers nothing, so it has no hub")
        elif key.startswith("team.spokes.") and not staffs_spokes:
            notes.append(f"{key}: strategy {strategy.name} routes nothing to departments")
        elif key.startswith("strategy.crisis.") and not attack_happens:
            notes.append(f"{key}: scenario {config.scenario} has no brand attack in its window")
        elif (
            key.startswith("strategy.crisis.")
            and key != "strategy.crisis.protocol"
            and not strategy.crisis.protocol
        ):  # without a protocol the team never declares a crisis: nothing of it acts
            notes.append(
                f"{key}: strategy {strategy.name} has no crisis protocol "
                "(strategy.crisis.protocol=false)"
            )
        elif key.startswith("attack.") and key != "attack.enabled" and not attack.enabled:
            notes.append(f"{key}: the attack is off (attack.enabled=false)")
        elif key in _ROSTER_REPLACES and config.team.hub.roster:
            notes.append(f"{key}: team.hub.roster sets the hub's shifts")
        elif key in _RATE_OF and _RATE_OF[key] in config.demand.inbound_per_day:
            kind = _RATE_OF[key]
            notes.append(f"{key}: demand.inbound_per_day.{kind} sets the {kind} volume")
        elif _other_truth(key, attack.is_true):
            truth = "true" if attack.is_true else "false"
            notes.append(f"{key}: the accusation is {truth} (attack.is_true={truth})")
    if attack.enabled and attack.start_day >= config.days:
        notes.append(
            f"attack.start_day={exact(attack.start_day)}: after the last day (days={config.days}); "
            "no attack happens"
        )
    return [f"{note}; the setting has no effect" for note in notes]


# what team.hub.roster replaces (sim.engine.team.hub_shifts)
_ROSTER_REPLACES = {
    f"team.hub.{k}"
    for k in ("staff", "coverage_start_hour", "coverage_hours", "shift_hours", "days_per_week")
}
# a rate that demand.inbound_per_day.KIND replaces (sim.engine.volume)
_RATE_OF = {
    "posts.incident_rate_per_day": "complaint",
    "posts.question_rate_per_day": "question",
    "posts.praise_rate_per_day": "praise",
    "posts.lead_rate_per_day": "lead",
}


def _other_truth(key: str, is_true: bool) -> bool:
    """A stance effect for the other kind of accusation: attack.effects.STANCE.TRUTH.*"""
    parts = key.split(".")
    other = "false" if is_true else "true"
    return len(parts) >= 4 and parts[:2] == ["attack", "effects"] and parts[3] == other


def warn_inert(config: Config, keys: Sequence[str]) -> None:
    for note in inert_settings(config, keys):
        warnings.warn(note, InertSettingWarning, stacklevel=3)
