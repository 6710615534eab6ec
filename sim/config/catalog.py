"""Named scenarios and strategies: resolved by name from YAML files, never by import path."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the sim package


def data_dir(name: str) -> Path:
    """The data folder `name` (configs, scenarios, experiments, calibration)."""
    # installed: sim/data/NAME (beside the code, never shadowing a module); in a
    # checkout: NAME/ at the top of the repository
    for candidate in (_PACKAGE_DIR / "data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"hubspoke data folder '{name}' is missing from the installation")


def configs_dir() -> Path:
    return data_dir("configs")


def scenarios_dir() -> Path:
    return data_dir("scenarios")


def _names(folder: Path) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.yaml"))


def scenario_names() -> list[str]:
    return _names(scenarios_dir())


def strategy_names() -> list[str]:
    return _names(configs_dir() / "strategy")


def describe(folder: Path, name: str) -> str:
    """The first comment line of a YAML file: its one-line description."""
    # a stray Latin-1 byte must not stop `hubspoke list`; loading the file says where it is
    text = (folder / f"{name}.yaml").read_bytes().decode("utf-8", errors="replace")
    for line in text.splitlines():
        text = line.strip()
        if text.startswith("#") and "@package" not in text:
            return text.lstrip("# ").strip()
    return ""
