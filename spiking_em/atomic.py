"""Atomic writes: every results file (JSON, figure, table, checkpoint) is written to a temporary
file beside its target and renamed over it, so a reader sees the old complete file or the new
complete one, never a partial one, even if the writer is killed mid-write."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def write_atomic(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """Call ``write(fh)`` on a temporary file in ``path``'s folder, fsync, rename to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)   # mkstemp makes 0600; results are for everyone to read
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return write_atomic(path, lambda fh: fh.write(text.encode()))


def write_json(path: str | os.PathLike, payload: dict, *, indent: int = 2) -> Path:
    """Write ``payload`` as JSON atomically (numpy scalars become floats)."""
    return write_text(path, json.dumps(payload, indent=indent, default=float))


def save_figure(fig, path: str | os.PathLike, **savefig_kw) -> Path:
    """``fig.savefig`` to ``path`` atomically; the format comes from ``path``'s suffix."""
    path = Path(path)
    fmt = path.suffix.lstrip(".") or "png"
    return write_atomic(path, lambda fh: fig.savefig(fh, format=fmt, **savefig_kw))
