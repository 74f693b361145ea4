"""How many BLAS threads the numpy trainer uses, chosen so a busy machine degrades gracefully.

OpenBLAS (numpy's BLAS) starts one thread per core and its threads spin-wait for each other at
every matrix product. When another process holds a core, the thread that shares that core is
descheduled, and every product waits for it: on 2 cores beside a one-core load, 2 threads ran
several times slower than 1 (``benchmarks/blas_threads.py``, ``figures/blas_threads.json``).
The trainer therefore takes as many threads as there are cores *not* busy with other work
when it starts (at least 1; the CPUs' busy share over a quarter second, from /proc/stat), and
the ``SPIKING_EM_BLAS_THREADS`` variable overrides that.
"""
from __future__ import annotations

import contextlib
import logging
import os
import time

from threadpoolctl import threadpool_limits

logger = logging.getLogger(__name__)
ENV_VAR = "SPIKING_EM_BLAS_THREADS"


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not Linux
        return os.cpu_count() or 1


def _cpu_times() -> tuple[float, float] | None:
    """(idle, total) jiffies of all CPUs from /proc/stat, or None where there is none."""
    try:
        with open("/proc/stat") as fh:
            fields = [float(v) for v in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return fields[3] + (fields[4] if len(fields) > 4 else 0.0), sum(fields)


def idle_cores(load: float | None = None, *, sample_s: float = 0.25) -> int:
    """Cores not busy with other work, at least 1.

    Measured over ``sample_s`` seconds from /proc/stat (the busy share of the CPUs now, not
    the 1-minute load average, which lags a finished burst by minutes); elsewhere, or with
    ``load`` given, available cores minus the rounded load.
    """
    n = available_cores()
    if load is None:
        before = _cpu_times()
        time.sleep(sample_s if before is not None else 0.0)
        after = _cpu_times()
        if before is not None and after is not None:
            busy_share = 1.0 - (after[0] - before[0]) / max(after[1] - before[1], 1e-9)
            load = busy_share * (os.cpu_count() or n)
        else:
            load = os.getloadavg()[0]
    return max(1, min(n, n - int(round(load))))


def cores_setting(env_var: str) -> int:
    """``$env_var`` if set (an integer >= 1), else :func:`idle_cores`."""
    value = os.environ.get(env_var)
    if value is None:
        return idle_cores()
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"{env_var} must be an integer >= 1, got {value!r}")
    return n


def choose_blas_threads() -> int:
    """``$SPIKING_EM_BLAS_THREADS`` if set (an integer >= 1), else :func:`idle_cores`."""
    return cores_setting(ENV_VAR)


@contextlib.contextmanager
def blas_threads(n: int | None = None):
    """Limit BLAS to ``n`` threads inside the block (``None``: :func:`choose_blas_threads`)."""
    n = choose_blas_threads() if n is None else n
    logger.info("BLAS threads: %d", n)
    with threadpool_limits(limits=n, user_api="blas"):
        yield n
