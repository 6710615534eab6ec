"""`hubspoke app [port=N] [host=ADDR]`: start the students' app, print its URL, stop on Ctrl-C.

The server is `solara run` in a child process: Solara's server (uvicorn)
owns its event loop and signal handling, which sit badly inside the CLI's
process, and a child can be stopped and waited for cleanly. The URL is
printed once the port answers, so a script (or a test) can wait for that line.
Loopback by default: a classroom server on another interface is a deliberate
choice (`host=0.0.0.0`), since the app runs whatever a visitor asks it to.

This module imports nothing of Solara itself: `hubspoke app` without the
`app` extra must say how to install it, not fail on an import.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

from sim.config import ConfigError

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765
OPTIONS = ("port", "host")
START_TIMEOUT_S = 120.0
NEEDS = ("solara", "matplotlib")


def parse(args: Sequence[str]) -> tuple[str, int]:
    """`host` and `port` from `key=value` options; `ConfigError` (one line) if bad."""
    host, port = DEFAULT_HOST, DEFAULT_PORT
    for arg in args:
        key, sep, value = arg.partition("=")
        if not sep:
            raise ConfigError(f"'{arg}' is not an option; use key=value; allowed: port, host")
        if key == "port":
            try:
                port = int(value)
            except ValueError:
                raise ConfigError(
                    f"port={value}: not a whole number; allowed: 1 to 65535"
                ) from None
            if not 1 <= port <= 65535:
                raise ConfigError(f"port={value}: out of range; allowed: 1 to 65535")
        elif key == "host":
            if not value.strip():
                raise ConfigError("host=: empty; allowed: an address such as 127.0.0.1")
            host = value.strip()
        else:
            raise ConfigError(f"{key}={value}: unknown option; allowed: port, host")
    return host, port


def missing_extra() -> list[str]:
    """The app's modules that are not installed (the `app` extra)."""
    missing = []
    for name in NEEDS:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:  # a parent package is missing
            found = False
        if not found:
            missing.append(name)
    return missing


def command(host: str, port: int) -> list[str]:
    return [
        sys.executable, "-m", "solara", "run", "sim.app.page",
        "--host", host, "--port", str(port), "--no-open", "--production",
        "--no-check-version",
    ]  # fmt: skip


def environment() -> dict[str, str]:
    env = dict(os.environ)
    # no usage reports leave a classroom's machine (and none can: no internet here)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    return env


def _answers(host: str, port: int) -> bool:
    target = "127.0.0.1" if host in ("0.0.0.0", "") else host
    try:
        with socket.create_connection((target, port), timeout=0.5):
            return True
    except OSError:
        return False


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is None:
        # SIGTERM, not SIGINT: a child started from a background job inherits an
        # ignored SIGINT; uvicorn shuts down gracefully on either
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def serve(args: Sequence[str]) -> int:
    """Run the app until Ctrl-C (or until the server stops by itself)."""
    host, port = parse(args)
    missing = missing_extra()
    if missing:
        print(
            f"hubspoke: error: the app needs the 'app' extra ({', '.join(missing)} missing): "
            'run pip install -e ".[app]" (or make app)',
            file=sys.stderr,
        )
        return 2
    if not _port_free(host, port):
        raise ConfigError(f"port={port}: already in use on {host}; choose another port=N")
    started = time.perf_counter()
    child = subprocess.Popen(command(host, port), env=environment())
    # Ctrl-C and a `kill` (SIGTERM) must stop the server, not leave it running
    # orphaned; SIGINT explicitly, as a background job starts with it ignored
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        while not _answers(host, port):
            if child.poll() is not None:
                print(
                    f"hubspoke: error: the app server stopped ({child.returncode})", file=sys.stderr
                )
                return 1
            if time.perf_counter() - started > START_TIMEOUT_S:
                _stop(child)
                print("hubspoke: error: the app server did not start in time", file=sys.stderr)
                return 1
            time.sleep(0.1)
        shown = f"[{host}]" if ":" in host else host
        print(f"hubspoke app: http://{shown}:{port}/  (Ctrl-C stops it)", flush=True)
        return 0 if child.wait() == 0 else 1
    except KeyboardInterrupt:
        _stop(child)
        print("hubspoke app: stopped", flush=True)
        return 0
