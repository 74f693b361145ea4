"""Preloaded into every worker process of a local Dask cluster (sweeps, ``train-spiking
--workers``), in the worker's main thread before any task runs.

1. Imports brian2: brian2 installs a SIGINT handler on import, which Python allows only in the
   main thread (tasks run in other threads).
2. Ignores SIGINT. A local cluster's workers share the terminal's process group with the
   driver, so a Ctrl-C reaches them and the Brian2 binaries they run (a child inherits the
   ignored signal). The driver alone decides: its first Ctrl-C stops it at the next safe point
   (the end of a round or a run, with a checkpoint), and closing the cluster ends the workers.
   Without this, every worker died with a KeyboardInterrupt traceback and killed its binary,
   so the round in progress was lost and the terminal filled with Dask's reports.

Workers of an external cluster (``dask worker ADDRESS``) run in their own terminal's group and
need only ``--preload brian2``.
"""
from __future__ import annotations

import signal

import brian2  # noqa: F401  (its handler, then ours)

signal.signal(signal.SIGINT, signal.SIG_IGN)
