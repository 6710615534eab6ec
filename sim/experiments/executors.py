"""Where runs execute: a local process pool, or a Dask distributed cluster.

Both take a picklable function and a list of tasks and yield (index, result)
as runs finish. Each task is fully determined by its own arguments (scenario,
overrides, seed), so the results do not depend on the executor or the number
of workers; only the order in which they arrive does.

Stopping a local batch (Ctrl-C, SIGTERM, or the consumer leaving the loop)
stops its worker processes too: the parent alone handles the signals, and
workers ask the kernel to end them if the parent dies (Linux).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from sim.config import ConfigError
from sim.config.arguments import optional_integer
from sim.engine.threads import cpu_count, one_thread_per_run

EXECUTORS = ("local", "dask")
# address schemes of a Dask scheduler reachable over the network; host:port alone is tcp
SCHEMES = ("tcp", "tls", "ws", "wss")
ADDRESSES = "tcp://host:port (or tls://, ws://, wss://; a bare host:port means tcp://)"
PROBE_SECONDS = 3.0  # a scheduler that does not accept a connection within this is unreachable
STOP_SECONDS = 5.0  # grace for a terminated worker to exit before it is killed


def run_local(
    function: Callable[[Any], Any], tasks: Sequence[Any], jobs: int | None
) -> Iterator[tuple[int, Any]]:
    """A process pool with at most `jobs` runs in flight (so Ctrl-C loses little).

    Unless every task finished, the workers are terminated on the way out: on
    Ctrl-C, on SIGTERM (which raises SystemExit(143) here while the pool runs),
    on an error, or when the consumer stops iterating.
    """
    jobs = cpu_count() if jobs is None else jobs
    if jobs <= 1:
        for i, task in enumerate(tasks):
            yield i, function(task)
        return
    pending_tasks = iter(enumerate(tasks))
    with _sigterm_exits():
        pool = ProcessPoolExecutor(
            max_workers=jobs, initializer=_worker_start, initargs=(os.getpid(),)
        )
        finished = False
        running = {}
        try:
            for _ in range(2 * jobs):
                _submit_next(pool, function, pending_tasks, running)
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    index = running.pop(future)
                    yield index, future.result()
                    _submit_next(pool, function, pending_tasks, running)
            finished = True
        finally:
            if finished:
                pool.shutdown(wait=True)
            else:
                _stop_workers(pool)


def _submit_next(pool, function, pending_tasks, running) -> None:
    item = next(pending_tasks, None)
    if item is not None:
        index, task = item
        running[pool.submit(function, task)] = index


@contextlib.contextmanager
def _sigterm_exits() -> Iterator[None]:
    """While the pool runs, SIGTERM raises SystemExit(143) in the parent (main thread only),
    so the cleanup that stops the workers runs; the previous handler comes back after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def exit_on_sigterm(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut cleanup
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, exit_on_sigterm)
    try:
        yield
    finally:
        # a generator may be closed by another thread, where handlers cannot be set
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)


def _worker_start(parent: int) -> None:
    """A worker leaves Ctrl-C to the parent (which stops it), dies on SIGTERM, and on Linux
    gets SIGTERM from the kernel if the parent dies without cleaning up (e.g. SIGKILL).

    It also runs numpy's BLAS (and any OpenMP pool) on one thread: the pool's processes
    already fill the cores, and BLAS threads on top of them spin against each other (a
    200-run sweep on 2 cores was no faster with jobs=2 than with jobs=1; with one BLAS
    thread per worker, 1.9 times as fast). Dask workers are set the same way.
    """
    one_thread_per_run()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker inherits the parent's
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(pr_set_pdeathsig, int(signal.SIGTERM))
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and terminate the workers that are still running."""
    # ProcessPoolExecutor has no public way to end busy workers before Python 3.14
    # (terminate_workers); until then the worker processes are read from `_processes`,
    # here only, the way 3.14 does it.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(ValueError, ProcessLookupError):
            if process.is_alive():
                process.terminate()
    for process in processes:
        with contextlib.suppress(ValueError):
            process.join(STOP_SECONDS)
            if process.is_alive():
                process.kill()
                process.join(STOP_SECONDS)


def run_dask(
    function: Callable[[Any], Any], tasks: Sequence[Any], address: str | None
) -> Iterator[tuple[int, Any]]:
    """A Dask distributed cluster at `address` (tcp://host:port)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ConfigError(_NO_DASK) from None
    _scheduler(address)
    try:
        client = Client(address, timeout="10s")
    except Exception as exc:  # something listens there, but it is not a Dask scheduler
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        raise ConfigError(f"address={address}: no Dask scheduler answered ({reason})") from None
    with client:
        client.run(one_thread_per_run)
        futures = client.map(function, list(tasks), pure=False)
        index_of = {future.key: i for i, future in enumerate(futures)}
        for future in as_completed(futures):
            yield index_of[future.key], future.result()


_NO_DASK = "executor=dask: dask.distributed is not installed; pip install 'hubspoke[cluster]'"


def _scheduler(address: Any) -> tuple[str, int]:
    """(host, port) of a Dask scheduler address, or a ConfigError naming what is allowed."""
    if address is None or address == "":
        raise ConfigError(f"executor=dask: needs address={ADDRESSES} of a Dask scheduler")
    if not isinstance(address, str):
        raise ConfigError(f"address={address!r}: not a Dask scheduler address; must be {ADDRESSES}")
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    host, colon, port = rest.rpartition(":")
    if host.startswith("[") and host.endswith("]"):  # IPv6: tcp://[::1]:8786
        host = host[1:-1]
    if (
        scheme not in SCHEMES
        or not colon
        or not host
        or any(c.isspace() or c in "/?#@" for c in host)
        or not (port.isascii() and port.isdigit() and 0 < int(port) < 65536)
    ):
        raise ConfigError(f"address={address}: not a Dask scheduler address; must be {ADDRESSES}")
    return host, int(port)


def _probe(address: str) -> None:
    """Fail at once, in one line, if nothing accepts connections at the scheduler's address."""
    host, port = _scheduler(address)
    try:
        with socket.create_connection((host, port), timeout=PROBE_SECONDS):
            return
    except TimeoutError:
        reason = f"no answer within {PROBE_SECONDS:g} s"
    except ConnectionRefusedError:
        reason = "connection refused"
    except socket.gaierror:
        reason = f"unknown host {host}"
    except OSError as exc:
        reason = (exc.strerror or str(exc) or type(exc).__name__).lower()
    raise ConfigError(f"address={address}: cannot reach a Dask scheduler ({reason})")


def progress_bar(total: int, description: str, initial: int = 0):
    """The one progress bar of every batch of runs (tqdm on stderr)."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        desc=description,
        unit="run",
        file=sys.stderr,
        dynamic_ncols=True,
    )


def check(executor: str, jobs: int | None, address: str | None) -> None:
    """Refuse a bad executor choice before anything starts.

    For Dask, the address must be well formed and something must accept a connection
    there within a few seconds; the local executor is checked without any I/O.
    """
    if executor not in EXECUTORS:
        raise ConfigError(f"executor={executor}: unknown; allowed: {', '.join(EXECUTORS)}")
    optional_integer("jobs", jobs, 1)
    if executor == "dask":
        if importlib.util.find_spec("distributed") is None:
            raise ConfigError(_NO_DASK)
        _probe(address)


def dispatch(
    function: Callable[[Any], Any],
    tasks: Sequence[Any],
    executor: str = "local",
    jobs: int | None = None,
    address: str | None = None,
) -> Iterator[tuple[int, Any]]:
    """Yield (index, function(task)) for every task as it finishes, on the chosen executor."""
    check(executor, jobs, address)
    if executor == "dask":
        return run_dask(function, tasks, address)
    return run_local(function, tasks, jobs)
