"""How many BLAS threads the numpy trainer uses, chosen so a busy machine degrades gracefully.

OpenBLAS (numpy's BLAS) starts one thread per core and its threads spin-wait for each other at
every matrix product. When another process holds a core, the thread that shares that core is
descheduled, and every product waits for it: on 2 cores beside a one-core load, 2 threads ran
several times slower than 1 (``benchmarks/blas_threads.py``, ``figures/blas_threads.json``).
The trainer therefore takes as many threads as there are cores *not* busy with other work
when it starts (at least 1), and the ``SPIKING_EM_BLAS_THREADS`` variable overrides that.
"""
from __future__ import annotations

import contextlib
import logging
import os

from threadpoolctl import threadpool_limits

logger = logging.getLogger(__name__)
ENV_VAR = "SPIKING_EM_BLAS_THREADS"


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not Linux
        return os.cpu_count() or 1


def idle_cores(load: float | None = None) -> int:
    """Cores not busy with other work: available cores minus the 1-minute load average
    (rounded), at least 1."""
    if load is None:
        load = os.getloadavg()[0]
    return max(1, min(available_cores(), available_cores() - int(round(load))))


def choose_blas_threads() -> int:
    """``$SPIKING_EM_BLAS_THREADS`` if set (an integer >= 1), else :func:`idle_cores`."""
    value = os.environ.get(ENV_VAR)
    if value is None:
        return idle_cores()
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"{ENV_VAR} must be an integer >= 1, got {value!r}")
    return n


@contextlib.contextmanager
def blas_threads(n: int | None = None):
    """Limit BLAS to ``n`` threads inside the block (``None``: :func:`choose_blas_threads`)."""
    n = choose_blas_threads() if n is None else n
    logger.info("BLAS threads: %d", n)
    with threadpool_limits(limits=n, user_api="blas"):
        yield n
