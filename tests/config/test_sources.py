"""Every default has a source: a published figure, a calibration, a brand input or decision,
or an assumption that a sensitivity analysis in experiments/ varies."""

from __future__ import annotations

import re

from sim.config import ConfigError
from sim.config.paramdoc import all_rows
from sim.experiments.specs import experiment_names, load_spec

# entries of dict-valued settings: varying one entry's field covers the field
GROUPS = re.compile(
    r"^(population\.segments|posts\.topics|posts\.handle_minutes|team\.spokes)\.[^.]+"
)


def _field(key: str) -> str:
    return GROUPS.sub(r"\1.*", key)


def _varied() -> set[str]:
    keys = set()
    for name in experiment_names():
        try:
            spec = load_spec(name, "sensitivity")
        except ConfigError:  # a spec of another kind
            continue
        keys |= {_field(k) for k in spec.parameters}
    return keys


def test_every_assumption_is_varied_by_a_sensitivity_analysis():
    varied = _varied()
    assumed = {
        _field(r.key)
        for r in all_rows()
        if "assumption" in r.why.lower() and not r.default.startswith("*group*")
    }
    assert assumed, "no assumptions found: the check would pass vacuously"
    assert sorted(assumed - varied) == []


def test_every_default_names_its_source():
    for row in all_rows():
        if row.default.startswith("*group*"):
            continue
        assert row.why.strip(), row.key
