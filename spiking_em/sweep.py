"""Sweeps over seeds or settings on Dask: a local cluster by default, or an existing scheduler.

A sweep is a set of named runs, each a call ``function(**kwargs)`` that returns a JSON-able
dict. Every finished run's result is written atomically to ``results_dir/<name>.json`` as soon
as it arrives, so a sweep that is killed and started again skips the runs already done and
redoes only the others (a run that was cut short resumes from its own checkpoint if its
function keeps one).

The local cluster has one single-threaded worker process per core (BLAS and Brian2 are
single-threaded inside it), so runs do not fight over cores. ``scheduler="tcp://HOST:PORT"``
sends the same runs to a cluster started elsewhere (``dask scheduler`` + ``dask worker``);
its workers must be able to import ``spiking_em``, read the same data paths, and be started
with ``--preload brian2``.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from spiking_em.atomic import write_json

#: imported when a local worker starts, in its main thread: brian2 (its SIGINT handler can be
#: installed only there), then SIGINT ignored (:mod:`spiking_em.local_worker`). Workers of an
#: external cluster need ``dask worker ADDRESS --preload brian2``.
PRELOAD = ("spiking_em.local_worker",)


@dataclass
class Run:
    """One run of a sweep: ``function(**kwargs)``, stored as ``<name>.json``."""

    name: str
    function: Callable[..., dict]
    kwargs: dict = field(default_factory=dict)


def result_path(results_dir, name: str) -> Path:
    return Path(results_dir) / f"{name}.json"


def finished(results_dir, runs: list[Run]) -> dict[str, dict]:
    """Results of the runs that a previous sweep already finished, by name."""
    done = {}
    for run in runs:
        path = result_path(results_dir, run.name)
        if path.is_file():
            done[run.name] = json.loads(path.read_text())
    return done


def distributed_logs_follow_root() -> None:
    """Set the ``distributed`` logger to the root logger's level. Importing distributed sets
    it to INFO, so the scheduler and client that run in this process would report every
    connection, and on a Ctrl-C every closed comm with its traceback; the CLI shows them
    with --verbose only (its root level is INFO then, else WARNING)."""
    import logging

    import distributed  # noqa: F401  (its import sets the level this replaces)
    logging.getLogger("distributed").setLevel(logging.getLogger().getEffectiveLevel())


def local_cluster(n_workers: int):
    """A local Dask cluster of ``n_workers`` single-threaded worker processes, each preloaded
    with :mod:`spiking_em.local_worker`. The workers log only critical events: a task's
    failure reaches the driver as its exception, and a Ctrl-C that stops the binaries makes
    the tasks in progress fail, which is the user's interrupt, not a report."""
    import logging

    from dask.distributed import LocalCluster
    return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                        dashboard_address=":0", preload=list(PRELOAD),
                        silence_logs=logging.CRITICAL)


def _single_threaded(function, kwargs):
    """Run ``function`` in a worker with one BLAS thread (one run per core)."""
    from threadpoolctl import threadpool_limits
    os.environ["SPIKING_EM_BLAS_THREADS"] = "1"   # the trainer's own thread choice, too
    with threadpool_limits(limits=1):
        return function(**kwargs)


def cli_run(argv: list[str]) -> dict:
    """One ``spiking-em`` command as a sweep run, in the worker's process; raises if it fails
    (its one-line error is in the worker's output)."""
    from spiking_em.cli import main
    t0 = time.perf_counter()
    code = main(list(argv))
    if code != 0:
        raise RuntimeError(f"spiking-em {' '.join(argv)} exited with {code}")
    return {"argv": list(argv), "wall_s": time.perf_counter() - t0}


def check_options(scheduler: str | None, n_workers: int | None, *,
                  timeout_s: float = 5.0) -> None:
    """Check a sweep's options before any work: ``--workers`` a count >= 1, ``--scheduler`` an
    address ``[tcp://]HOST:PORT`` at which something accepts connections within ``timeout_s``.
    Raises ValueError naming the option and what to do."""
    import socket
    if n_workers is not None and (not isinstance(n_workers, int) or n_workers < 1):
        raise ValueError(f"--workers must be a whole number >= 1, got {n_workers!r}")
    if scheduler is None:
        return
    host, _, port = scheduler.removeprefix("tcp://").rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--scheduler {scheduler!r} is not a Dask scheduler address; give one "
                         "like tcp://HOST:PORT (or leave it out for a local cluster)")
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise ValueError(f"--scheduler {scheduler}: no scheduler answers there ({exc}); start "
                         f"one with `dask scheduler` or leave --scheduler out for a local "
                         "cluster") from exc


def run_sweep(runs: list[Run], results_dir, *, scheduler: str | None = None,
              n_workers: int | None = None,
              say: Callable[[str], None] = print) -> dict[str, dict]:
    """Run every run not finished before; returns all results by name.

    Parameters
    ----------
    runs : the sweep; names must be unique (they name the result files).
    results_dir : where ``<name>.json`` results go (created).
    scheduler : address of an existing Dask scheduler; default a local cluster.
    n_workers : local cluster size (default: one per core, at most one per pending run).
    """
    check_options(scheduler, n_workers)
    names = [r.name for r in runs]
    if len(set(names)) != len(names):
        raise ValueError(f"sweep run names must be unique, got {names}")
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    results = finished(results_dir, runs)
    pending = [r for r in runs if r.name not in results]
    if results:
        say(f"sweep: {len(results)} of {len(runs)} runs finished before; "
            f"{len(pending)} to go")
    if not pending:
        return results
    from dask.distributed import Client, as_completed
    distributed_logs_follow_root()
    if scheduler is None:
        workers = n_workers or min(os.cpu_count() or 1, len(pending))
        cluster = local_cluster(workers)
        client = Client(cluster)
        where = f"a local cluster of {workers} workers"
    else:
        cluster = None
        client = Client(scheduler, timeout="20s")
        where = f"the scheduler at {scheduler}"
    t0 = time.perf_counter()
    say(f"sweep: {len(pending)} runs on {where}")
    try:
        futures = {client.submit(_single_threaded, r.function, r.kwargs, key=f"{r.name}-"
                                 f"{time.time_ns()}", pure=False): r for r in pending}
        for n, future in enumerate(as_completed(futures), 1):
            run = futures[future]
            result = future.result()
            write_json(result_path(results_dir, run.name), result)
            results[run.name] = result
            say(f"sweep: {run.name} done ({n}/{len(pending)}, "
                f"{time.perf_counter() - t0:.0f} s)")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return results
