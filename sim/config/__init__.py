"""Configuration: the typed schema, composition with one-line errors, the catalog of names.

`load_config(scenario, overrides)` is the entry point; `ConfigError` is the one
error type of bad input. Data flows out of here into the engine.
"""

from sim.config.compose import (
    ConfigError,
    check_config,
    compose_config,
    config_fingerprint,
    config_to_dict,
    config_to_yaml,
    load_config,
    recheck,
    to_config,
)

__all__ = [
    "ConfigError",
    "check_config",
    "compose_config",
    "config_fingerprint",
    "config_to_dict",
    "config_to_yaml",
    "load_config",
    "recheck",
    "to_config",
]
