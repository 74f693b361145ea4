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


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    return _number(text, float, "a finite number > 0", lambda v: v > 0)


def open_fraction(text: str) -> float:
    """argparse type: a number strictly between 0 and 1."""
    return _number(text, float, "a number strictly between 0 and 1", lambda v: 0 < v < 1)


def output_dir(path: str | os.PathLike, option: str) -> Path:
    """Check that ``path`` is, or can be created as, a writable directory; return it.

    Nothing is created: the first existing ancestor must be a writable directory.
    """
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
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {p}: {ancestor} is not writable; choose another {option}")
    return p


def no_overwrite(paths, option: str, overwrite: bool) -> None:
    """Refuse to go on if any of ``paths`` exists, unless ``overwrite`` (``--overwrite``)."""
    existing = [str(p) for p in paths if Path(p).exists()]
    if existing and not overwrite:
        raise UsageError(f"{existing[0]} exists from a previous run; pass --overwrite to replace "
                         f"it or choose another {option}")
