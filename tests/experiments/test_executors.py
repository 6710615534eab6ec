"""Executors: a stopped local pool leaves no worker behind; its workers run BLAS on one
thread; a bad Dask address fails at once."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest

import sim
from sim.experiments import executors
from sim.experiments.sweeps import load, sweep

psutil = pytest.importorskip("psutil")

SMALL = ["population.size=1200", "days=15"]
# 60 runs; in the sweep that is stopped each run first waits SLOW_RUN_S, so that it lasts
# about 15 s uninterrupted and the signal lands mid-sweep however busy the machine (the
# runs alone took under 3 s, and under the whole suite the sweep once ended before the
# test had seen its first file)
GRID = {"team.hub.staff": list(range(1, 6)), "strategy.priority": ["fifo", "severity"]}
REPLICATIONS = 3
SLOW_RUN_S = 0.5


@contextlib.contextmanager
def closed_port():
    """A local TCP port bound but not listening, so connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]


def _alive(process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _marked(marker: str) -> list:
    """Live processes whose command line carries `marker` (forked workers share the parent's)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if marker in " ".join(process.info["cmdline"] or ()) and _alive(process):
            found.append(process)
    return found


def test_sigterm_stops_the_workers_of_a_local_sweep_and_resume_completes(tmp_path) -> None:
    out = tmp_path / "sweep"
    marker = f"hubspoke-sigterm-test-{uuid.uuid4().hex}"
    code = (
        f"# {marker}\n"
        "import time\n"
        "import sim.experiments.runs as r, sim.experiments.sweeps as s\n"
        "perform = r.perform\n"
        "def slow(*a, **k):\n"
        f"    time.sleep({SLOW_RUN_S})\n"
        "    return perform(*a, **k)\n"
        # pickled by reference to the forked workers, under the name it replaces
        "slow.__module__, slow.__qualname__ = r.__name__, 'perform'\n"
        "r.perform = slow\n"
        f"s.sweep('baseline', grid={GRID!r}, replications={REPLICATIONS}, out={str(out)!r},"
        f" jobs=2, overrides={SMALL!r})\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    try:
        parent = psutil.Process(proc.pid)
        deadline = time.time() + 120
        while time.time() < deadline and not list((out / "runs").glob("*.parquet")):
            assert proc.poll() is None, "the sweep ended before any run finished"
            time.sleep(0.05)
        workers = parent.children(recursive=True)
        assert len(workers) >= 2, workers
        assert proc.poll() is None, "the sweep ended before the signal was sent"
        proc.send_signal(signal.SIGTERM)
        stopped = time.time()
        code_at_exit = proc.wait(timeout=30)
        took = time.time() - stopped
    finally:
        if proc.poll() is None:  # only if the test failed: do not leave the sweep running
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert code_at_exit != 0
    assert took < 10, f"the parent took {took:.1f} s to exit"
    deadline = time.time() + 5  # a terminated worker may need a moment to be reaped
    while time.time() < deadline and (any(_alive(w) for w in workers) or _marked(marker)):
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)], "workers outlived the parent"
    assert not _marked(marker)
    finished = len(list((out / "runs").glob("*.parquet")))
    planned = len(GRID["team.hub.staff"]) * len(GRID["strategy.priority"]) * REPLICATIONS
    assert 0 < finished < planned, finished

    sweep("baseline", grid=GRID, replications=REPLICATIONS, out=out, jobs=2, overrides=SMALL)
    data = load(out)
    assert len(data) == planned and data["run_id"].is_unique
    assert (data["status"] == "ok").all()
    assert not list((out / "runs").glob(".*.tmp"))


def test_the_sigterm_handler_is_restored_after_the_pool() -> None:
    before = signal.getsignal(signal.SIGTERM)
    assert sorted(executors.run_local(abs, [-1, -2, -3], jobs=2)) == [(0, 1), (1, 2), (2, 3)]
    assert signal.getsignal(signal.SIGTERM) is before
    results = executors.run_local(abs, list(range(-20, 0)), jobs=2)
    next(results)
    results.close()  # the consumer leaves early: the pool and its handler go
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.mark.parametrize(
    "address",
    ["notaurl", "http://127.0.0.1:8786", "tcp://127.0.0.1", "tcp://:8786", "tcp://h:99999", 8786],
)
def test_a_malformed_dask_address_is_one_line_naming_what_is_allowed(address) -> None:
    with pytest.raises(sim.ConfigError) as raised:
        executors.check("dask", None, address)
    message = str(raised.value)
    assert message.startswith(f"address={address}: not a Dask scheduler address")
    assert "tcp://host:port" in message and "\n" not in message


def test_an_unreachable_dask_scheduler_fails_at_once(tmp_path) -> None:
    with closed_port() as port:
        address = f"tcp://127.0.0.1:{port}"
        started = time.time()
        with pytest.raises(sim.ConfigError) as raised:
            sweep(
                "baseline",
                grid={"team.hub.staff": [1]},
                out=tmp_path / "s",
                executor="dask",
                address=address,
                overrides=SMALL,
            )
        assert time.time() - started < 5
    assert (
        str(raised.value)
        == f"address={address}: cannot reach a Dask scheduler (connection refused)"
    )
    assert not (tmp_path / "s").exists()  # refused before any folder was written
    with pytest.raises(sim.ConfigError, match=r"^address=127\.0\.0\.1:1: cannot reach"):
        executors.check("dask", None, "127.0.0.1:1")  # a bare host:port is tcp


def test_bad_jobs_and_executor_are_refused_without_io() -> None:
    with pytest.raises(sim.ConfigError, match=r"^jobs=0: out of range; must be >= 1$"):
        executors.check("local", 0, None)
    with pytest.raises(sim.ConfigError, match=r"^jobs='2': not an integer"):
        executors.check("local", "2", None)
    with pytest.raises(sim.ConfigError, match=r"^executor=spark: unknown; allowed: local, dask$"):
        executors.check("spark", None, None)
    with pytest.raises(sim.ConfigError, match=r"^executor=dask: needs address="):
        executors.check("dask", None, None)
    executors.check("local", None, "not looked at for the local executor")


def _native_threads(_task: int) -> dict[str, int]:
    """The thread count of each native pool (BLAS, OpenMP) loaded in this process."""
    from threadpoolctl import threadpool_info

    threads = {pool["internal_api"]: pool["num_threads"] for pool in threadpool_info()}
    # and the value projection's own threads (sim.engine.horizon)
    return {**threads, "projection": int(os.environ.get("HUBSPOKE_THREADS", "0"))}


def test_local_workers_run_blas_on_one_thread() -> None:
    """Two workers with BLAS's (and the value projection's) threads each on top
    oversubscribe the cores; each has one.
    (On a one-core machine BLAS has one thread anyway; here it has as many as cores.)"""
    from threadpoolctl import threadpool_limits

    assert len(_native_threads(0)) > 1, "numpy's BLAS is not visible to threadpoolctl"
    # as many BLAS threads as cores here (a test worker runs one), which forked workers inherit
    with threadpool_limits(limits=executors.cpu_count()):
        results = dict(executors.run_local(_native_threads, [0, 1, 2, 3], jobs=2))
    assert len(results) == 4
    for threads in results.values():
        assert threads and set(threads.values()) == {1}
