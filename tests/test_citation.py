"""Ready to cite: one version everywhere, a license matching the package's, a changelog."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import sim
from sim.results import environment

ROOT = Path(__file__).resolve().parent.parent


def test_one_version_in_the_code_the_citation_the_changelog_and_provenance():
    citation = (ROOT / "CITATION.cff").read_text()
    assert re.search(r'^version: "([^"]+)"$', citation, re.M).group(1) == sim.__version__
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(r"^## (\S+)", changelog, re.M).group(1) == sim.__version__
    assert environment()["packages"]["hubspoke"] == sim.__version__
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" in project["dynamic"]  # read from sim/__init__.py, nowhere else


def test_the_license_file_matches_the_package_metadata():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "license: MIT" in (ROOT / "CITATION.cff").read_text()
