"""`hubspoke app` options and its missing-extra message (no server started here)."""

from __future__ import annotations

import pytest

from sim.app import serve
from sim.cli import main


@pytest.mark.parametrize(
    ("arg", "words"),
    [
        ("port=abc", "port=abc: not a whole number; allowed: 1 to 65535"),
        ("port=70000", "port=70000: out of range; allowed: 1 to 65535"),
        ("colour=red", "colour=red: unknown option; allowed: port, host"),
        ("port", "'port' is not an option"),
        ("host=", "host=: empty"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(capsys, arg, words):
    assert main(["app", arg]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hubspoke: error: ")
    assert words in lines[0]


def test_defaults_are_loopback():
    assert serve.parse([]) == ("127.0.0.1", 8765)
    assert serve.parse(["port=9000", "host=0.0.0.0"]) == ("0.0.0.0", 9000)


def test_without_the_app_extra_it_says_how_to_install(monkeypatch, capsys):
    monkeypatch.setattr(serve, "missing_extra", lambda: ["solara"])
    assert main(["app"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and 'pip install -e ".[app]"' in err and "make app" in err


def test_the_server_command_is_offline_and_quiet():
    cmd = serve.command("127.0.0.1", 8800)
    assert cmd[1:5] == ["-m", "solara", "run", "sim.app.page"]
    assert {"--no-open", "--no-check-version"} <= set(cmd)
    assert serve.environment()["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"


def test_usage_lists_the_app(capsys):
    main(["help"])
    assert "hubspoke app [port=N] [host=ADDR]" in capsys.readouterr().out
