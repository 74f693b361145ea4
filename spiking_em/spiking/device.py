"""Brian2 C++ standalone device handling: one build per network shape, re-runs via ``run_args``.

Build folders live in the user cache (``$SPIKING_EM_BRIAN2_CACHE`` or
``~/.cache/spiking-em/brian2/<name>``), never in the repository. Brian2 rewrites only changed
source files, so rebuilding an unchanged network in a new process does not recompile. A
process holds its build folder under an exclusive lock until it exits: a second process that
builds the same network at the same time (two runs side by side, a Dask sweep) gets its own
folder ``<name>~2``, ``<name>~3``, ... instead of overwriting the first one's binary and results;
a fresh such folder starts from a copy of a compiled sibling (waiting for one that is being
compiled), so N processes that build one network compile it once, not N times.
:func:`reset` (the process is done with its networks) releases the folders.

Compilation is bounded: Brian2's default ``make -j`` starts one compiler per source file at
once (174 of them for the learning network, on 2 cores); :func:`compile_jobs` allows as many
as there are idle cores (``$SPIKING_EM_COMPILE_JOBS`` overrides), and each build compiles the
headers that all code objects share once (:mod:`spiking_em.spiking.precompiled`).
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from pathlib import Path

import brian2 as b2

from spiking_em import interrupts
from spiking_em.data.loaders import user_cache_dir
from spiking_em.spiking import precompiled
from spiking_em.threads import cores_setting

logger = logging.getLogger(__name__)


def cache_dir(name: str) -> Path:
    """Build folder for network ``name``, outside the repository."""
    root = os.environ.get("SPIKING_EM_BRIAN2_CACHE")
    base = Path(root) if root else user_cache_dir() / "brian2"
    path = base / name
    path.mkdir(parents=True, exist_ok=True)
    return path


#: lock files of the build folders this process holds (kept open: the lock lasts until exit)
_HELD: dict[str, object] = {}


def build_dir(name: str) -> Path:
    """A build folder for network ``name`` that no other living process is using.

    The first free one of ``name``, ``name~2``, ``name~3``, ... (each keeps its compiled code
    for later processes); this process keeps it until it exits.
    """
    if name in _HELD:
        return Path(_HELD[name].name).parent
    for k in range(1, 1000):
        path = cache_dir(name if k == 1 else f"{name}~{k}")
        lock = open(path / ".lock", "a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            continue
        _HELD[name] = lock
        return path
    raise RuntimeError(f"no free Brian2 build folder for {name} under {cache_dir(name).parent}")


COMPILE_JOBS_VAR = "SPIKING_EM_COMPILE_JOBS"


def compile_jobs() -> int:
    """Parallel compile jobs for a build: ``$SPIKING_EM_COMPILE_JOBS`` (an integer >= 1) if set,
    else the cores not busy with other work (at least 1)."""
    return cores_setting(COMPILE_JOBS_VAR)


def activate_standalone(seed: int) -> None:
    """Reset Brian2 and switch to a fresh C++ standalone device (single-threaded, no OpenMP).

    ``seed`` is compiled into the binary: every re-run replays the same Brian2 random stream,
    so noise that must differ between runs is drawn in numpy and passed in as data.
    """
    b2.device.reinit()
    b2.device.activate()
    b2.set_device("cpp_standalone", build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0
    b2.seed(seed)


@contextlib.contextmanager
def interruptible():
    """A Ctrl-C inside the block raises KeyboardInterrupt when the block ends: the terminal's
    signal reaches the whole process group, so it kills make or the compiled binary too, and
    Brian2's "Project compilation/run failed" is then the user's interrupt, not a fault."""
    with interrupts.deferred_interrupt():
        try:
            yield
        except RuntimeError as exc:
            if interrupts.pending():
                raise KeyboardInterrupt from exc
            raise
        if interrupts.pending():
            raise KeyboardInterrupt


#: measured first-build time of the 784-1000-100 learning network with the precompiled header:
#: 26 s with 2 jobs on 2 idle cores (90 s without it; benchmarks/compile_jobs.py,
#: figures/compile_jobs.json); 52 s for the 784-48-12 one with 2 jobs beside a 2-worker learner
FIRST_BUILD_TIME = "0.5-1 min"


#: marks a build folder whose code compiled (removed while it rebuilds)
BUILT_MARK = ".built"
#: marks a build folder whose owner is compiling it now
BUILDING_MARK = ".building"
#: the longest a build waits for another process's build of the same network (seconds)
SIBLING_WAIT_S = 900.0


def build(directory: Path) -> float:
    """Generate and compile the standalone project; returns the wall time in seconds.

    A fresh folder first takes a compiled copy of the same network from a sibling folder
    (``name~k``, another process's: a Dask worker beside another, a second run), waiting for
    one that is compiling now; make then recompiles only the sources that differ (the copy's
    timestamps are kept), seconds instead of minutes."""
    t0 = time.perf_counter()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / BUILT_MARK).exists():
        _copy_built_sibling(directory)
    jobs = compile_jobs()
    b2.prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{jobs}",
                                                            *precompiled.prepare(directory)]
    logger.info("compiling the Brian2 network %s with %d compile job(s) (%s the first time, "
                "seconds when unchanged)", directory.name, jobs, FIRST_BUILD_TIME)
    (directory / BUILT_MARK).unlink(missing_ok=True)
    (directory / BUILDING_MARK).touch()
    try:
        with interruptible():
            b2.device.build(directory=str(directory), compile=True, run=False, debug=False)
        (directory / BUILT_MARK).touch()
    finally:
        (directory / BUILDING_MARK).unlink(missing_ok=True)
    seconds = time.perf_counter() - t0
    logger.info("built %s in %.1f s", directory, seconds)
    return seconds


def _siblings(directory: Path) -> list[Path]:
    """The other build folders of ``directory``'s network (``name``, ``name~2``, ...)."""
    name = directory.name.split("~")[0]
    return [d for d in sorted(directory.parent.glob(f"{name}*"))
            if d != directory and d.is_dir() and (d.name == name or d.name.startswith(f"{name}~"))]


def _held(folder: Path) -> bool:
    """Whether a living process holds ``folder``'s lock (:func:`build_dir`)."""
    try:
        lock = open(folder / ".lock", "a")
    except OSError:
        return False
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        return False


def _copy_unless_gone(source: str, target: str) -> None:
    """Copy a file with its timestamps (make then sees it built); a file that its owner's
    process deleted meanwhile (a run's transient file) is skipped."""
    import shutil
    try:
        shutil.copy2(source, target)
    except FileNotFoundError:
        if Path(source).exists():
            raise


def _copy_built_sibling(directory: Path) -> bool:
    """Copy a sibling folder's compiled project into ``directory`` (not its results, lock or
    marks), waiting up to :data:`SIBLING_WAIT_S` for a sibling that another process is
    compiling now; False (nothing copied) when none is built or will be."""
    import shutil
    deadline = time.monotonic() + SIBLING_WAIT_S
    announced = False
    while True:
        siblings = _siblings(directory)
        built = [d for d in siblings if (d / BUILT_MARK).exists()
                 and not (d / BUILDING_MARK).exists()]
        if built:
            # not the owner's runs: results, and the run arguments it writes and deletes
            # around every run (static_arrays/init_<name>_<hash>.dat)
            ignore = shutil.ignore_patterns(".lock", BUILT_MARK, BUILDING_MARK, "results",
                                            "init_*.dat")
            shutil.copytree(built[0], directory, dirs_exist_ok=True, ignore=ignore,
                            copy_function=_copy_unless_gone)
            logger.info("%s starts from the compiled copy in %s", directory.name,
                        built[0].name)
            return True
        building = [d for d in siblings if (d / BUILDING_MARK).exists() and _held(d)]
        if not building or time.monotonic() > deadline:
            return False
        if not announced:
            logger.info("waiting for %s, which another process is compiling", building[0])
            announced = True
        with interruptible():
            time.sleep(0.5)


def run(directory: Path, run_args: dict) -> float:
    """Run the compiled binary with new values; deletes the written run-argument files after.
    A Ctrl-C during the run raises KeyboardInterrupt (:func:`interruptible`).

    The binary answers a SIGINT by ending its simulation early and exiting normally, with
    results for only part of the schedule: such a run raises RuntimeError (a KeyboardInterrupt
    where this process received the Ctrl-C), never returns the partial results."""
    t0 = time.perf_counter()
    try:
        with interruptible():
            b2.device.run(directory=str(directory), with_output=False, run_args=run_args)
            completed = getattr(b2.device, "_last_run_completed_fraction", 1.0)
            if completed < 1.0:
                raise RuntimeError(f"the Brian2 binary in {directory} stopped at "
                                   f"{100 * completed:.0f}% of its schedule (a SIGINT reached "
                                   "it); its results are incomplete")
    finally:
        b2.device.delete(code=False, data=False, run_args=True, directory=False, force=True)
    return time.perf_counter() - t0


def reset() -> None:
    """Return Brian2 to the runtime device (for tests and for building another network), and
    let other processes use this process's build folders (its networks are gone)."""
    b2.device.reinit()
    b2.device.activate()
    b2.set_device("runtime")
    for lock in _HELD.values():
        lock.close()   # closing the file releases its lock
    _HELD.clear()
