"""A user's own YAML files: scenarios and strategies by path or from a folder.

`scenario=path/to/file.yaml`, `strategy=path/to/file.yaml` and
`search_path=DIR` (a folder with `scenarios/` and/or `strategy/` inside) go
through the same composition and validation as the built-in names; nothing
is imported. Every problem of a file is one line naming the file (and the
line, where there is one): not found, not UTF-8, not YAML, empty, missing its
`# @package _global_` header, an unknown or bad key.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sim.config import catalog
from sim.config.errors import ConfigError

SCENARIO_HEADER = "# @package _global_"
GROUPS = {"scenario": "scenarios", "strategy": "strategy"}


def is_path(value: str) -> bool:
    return "/" in value or "\\" in value or value.endswith((".yaml", ".yml"))


def read_text(path: Path, key: str) -> str:
    """The file's text, or one line saying why it cannot be read."""
    if not path.exists():
        raise ConfigError(f"{key}={path}: no such file")
    if not path.is_file():
        raise ConfigError(f"{key}={path}: not a file")
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}:{line}: not UTF-8 text (byte {exc.object[exc.start]:#x})"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{key}={path}: cannot read it ({exc.strerror})") from None


def key_lines(text: str, path: Path) -> dict[str, int]:
    """Each dotted key of a YAML mapping and the line it is on; YAML errors name the line."""
    import yaml

    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{where}: not valid YAML ({problem})") from None
    if root is None:
        raise ConfigError(f"{path}: empty; a scenario or strategy file sets at least one key")
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"{path}: must be a mapping of keys (key: value), not a {root.tag}")
    lines: dict[str, int] = {}

    def walk(node, prefix: str) -> None:
        for key_node, value_node in node.value:
            key = f"{prefix}{key_node.value}"
            lines[key] = key_node.start_mark.line + 1
            if isinstance(value_node, yaml.MappingNode):
                walk(value_node, key + ".")

    walk(root, "")
    return lines


@dataclass
class UserFile:
    """A YAML file the user named, with where each of its keys is."""

    path: Path
    group: str  # "scenarios" or "strategy"
    lines: dict[str, int]
    prefix: str  # its keys' place in the config ("" for a scenario, "strategy." for a strategy)
    staged: bool = True  # False: it sits in a search_path folder, Hydra finds it by name

    @property
    def option(self) -> str:
        """The option name it is composed under (for a staged file: unique per content)."""
        if not self.staged:
            return self.path.stem
        digest = hashlib.sha256(self.path.read_bytes()).hexdigest()[:10]
        return f"user-{self.path.stem}-{digest}"

    def line_of(self, key: str) -> int | None:
        return (
            self.lines.get(key.removeprefix(self.prefix)) if key.startswith(self.prefix) else None
        )


def check_file(path: Path, selector: str) -> UserFile:
    """A scenario or strategy file checked before it is composed."""
    text = read_text(path, selector)
    lines = key_lines(text, path)
    group = GROUPS[selector]
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if group == "scenarios" and first != SCENARIO_HEADER:
        raise ConfigError(
            f"{path}:1: a scenario file must begin with '{SCENARIO_HEADER}' (it sets keys "
            "at the top of the config; see scenarios/ for examples)"
        )
    if group == "strategy" and "@package" in first:
        raise ConfigError(
            f"{path}:1: a strategy file sets strategy keys directly (see configs/strategy/); "
            "remove the @package line"
        )
    return UserFile(path, group, lines, "" if group == "scenarios" else "strategy.")


@dataclass
class Sources:
    """Where the scenario and strategy of one composition come from."""

    scenario: str
    scenario_label: str
    strategy: str | None
    files: list[UserFile] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)

    @property
    def cacheable(self) -> bool:
        return not self.files and not self.folders

    @contextmanager
    def search_path(self) -> Iterator[list[str]]:
        """Hydra search-path entries for the built-ins, the user's folders and files."""
        entries = [f"file://{catalog.scenarios_dir().parent}"]
        entries += [f"file://{folder}" for folder in self.folders]
        staged = [user for user in self.files if user.staged]
        if not staged:
            yield entries
            return
        staging = Path(tempfile.mkdtemp(prefix="hubspoke-user-"))
        try:
            for user in staged:
                target = staging / user.group / f"{user.option}.yaml"
                target.parent.mkdir(exist_ok=True)
                shutil.copyfile(user.path, target)
            yield [*entries, f"file://{staging}"]
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def locate(self, message: str, given: Sequence[str] = ()) -> str:
        """Prefix `file:line:` when the key a message names was set by a user file."""
        key = message.split("=", 1)[0].split(":", 1)[0].strip()
        if key in given:  # set on the command line: the message already names it
            return message
        for user in self.files:
            line = user.line_of(key)
            if line is not None:
                return f"{user.path}:{line}: {message}"
        return message


def _folder_names(folder: Path, group: str) -> list[str]:
    return sorted(p.stem for p in (folder / group).glob("*.yaml"))


def check_folder(value: str) -> Path:
    folder = Path(value)
    if not folder.is_dir():
        raise ConfigError(f"search_path={value}: not a folder")
    if not any((folder / g).is_dir() for g in GROUPS.values()):
        raise ConfigError(
            f"search_path={value}: holds neither scenarios/ nor strategy/; put your YAML "
            "files in those subfolders"
        )
    for selector, group in GROUPS.items():
        builtin = catalog.scenario_names() if selector == "scenario" else catalog.strategy_names()
        clash = sorted(set(_folder_names(folder, group)) & set(builtin))
        if clash:
            raise ConfigError(
                f"search_path={value}: {group}/{clash[0]}.yaml has the name of a built-in "
                f"{selector}; rename it"
            )
    return folder


def resolve(scenario: str, strategy: str | None, search_path: str | None) -> Sources:
    """Check the scenario and strategy (names or paths) and the user's folder."""
    folders = [check_folder(search_path)] if search_path else []
    files: list[UserFile] = []
    chosen: dict[str, str | None] = {}
    for selector, value in (("scenario", scenario), ("strategy", strategy)):
        if value is None:
            chosen[selector] = None
            continue
        group = GROUPS[selector]
        builtin = catalog.scenario_names() if selector == "scenario" else catalog.strategy_names()
        if value in builtin:
            chosen[selector] = value
            continue
        for folder in folders:
            if value in _folder_names(folder, group):
                user = check_file(folder / group / f"{value}.yaml", selector)
                user.staged = False
                files.append(user)
                chosen[selector] = value
                break
        else:
            if not is_path(value):
                names = [*builtin, *(n for f in folders for n in _folder_names(f, group))]
                raise ConfigError(
                    f"{selector}={value}: unknown {selector}; allowed: {', '.join(names)} "
                    "(or a path to a YAML file)"
                )
            files.append(check_file(Path(value), selector))
            chosen[selector] = files[-1].option
    return Sources(chosen["scenario"], scenario, chosen["strategy"], files, folders)
