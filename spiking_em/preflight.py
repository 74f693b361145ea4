"""Checks a command runs before any work: option values and output paths.

The argparse types turn nonsense option values into one-line errors that name the option
(argparse adds ``argument --epochs:``); the path checks find unwritable or odd output paths
and results that a command would overwrite, before data are loaded or networks compiled.
"""
from __future__ import annotations

import argparse
import math
import os
from pathlib import Path


class UsageError(ValueError):
    """A command-line input that cannot work; the message names the option and what to do."""


def _number(text: str, kind, what: str, ok) -> float | int:
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if isinstance(value, float) and not math.isfinite(value) or not ok(value):
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    return _number(text, int, "an integer >= 1", lambda v: v >= 1)


def nonnegative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    return _number(text, int, "an integer >= 0", lambda v: v >= 0)


def nonnegative_float(text: str) -> float:
    """argparse type: a finite number >= 0."""
    return _number(text, float, "a finite number >= 0", lambda v: v >= 0)


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    return _number(text, float, "a finite number > 0", lambda v: v > 0)


def open_fraction(text: str) -> float:
    """argparse type: a number strictly between 0 and 1."""
    return _number(text, float, "a number strictly between 0 and 1", lambda v: 0 < v < 1)


#: directories that :func:`output_dir` created in this process (removed again, if still
#: empty, by :func:`remove_empty_created` when the command fails)
_CREATED: list[Path] = []


def remove_empty_created() -> None:
    """Remove the directories :func:`output_dir` created that are still empty (a failed start
    leaves no empty folders behind)."""
    while _CREATED:
        path = _CREATED.pop()
        try:
            path.rmdir()
        except OSError:   # not empty, or already gone
            pass


def output_dir(path: str | os.PathLike, option: str) -> Path:
    """Make sure ``path`` is a writable directory, creating it (and missing parents) now, so
    that a path that cannot be created is found before any work; return it."""
    text = os.fspath(path)
    if not text.strip() or "\0" in text:
        raise UsageError(f"{option} {text!r} is not a usable directory name; give a path")
    p = Path(text)
    if p.exists() and not p.is_dir():
        raise UsageError(f"{option} {p} is a file, not a directory; choose another {option}")
    ancestor = p
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise UsageError(f"{option} {p}: {ancestor} is a file, so the directory cannot be "
                         f"created; choose another {option}")
    missing = []
    probe = p
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    try:
        p.mkdir(parents=True, exist_ok=True)
        _CREATED.extend(reversed(missing))
        probe_file = p / f".spiking-em-write-test-{os.getpid()}"
        probe_file.touch()
        probe_file.unlink()
    except OSError as exc:
        _CREATED.extend(reversed([m for m in missing if m.exists()]))
        remove_empty_created()
        raise UsageError(f"{option} {p}: cannot create or write it ({exc.strerror or exc}); "
                         f"choose another {option}") from None
    return p


def no_overwrite(paths, option: str, overwrite: bool) -> None:
    """Refuse to go on if any of ``paths`` exists, unless ``overwrite`` (``--overwrite``)."""
    existing = [str(p) for p in paths if Path(p).exists()]
    if existing and not overwrite:
        raise UsageError(f"{existing[0]} exists from a previous run; pass --overwrite to replace "
                         f"it or choose another {option}")
