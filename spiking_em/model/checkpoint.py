"""Atomic checkpoints: arrays and JSON metadata in one .npz, written to a temp file then renamed.

A reader therefore sees either the previous complete checkpoint or the new complete one, never
a partial file, even if the writer is killed mid-write.
"""
from __future__ import annotations

import json
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from spiking_em.atomic import write_atomic

META_KEY = "__meta_json__"


def save_atomic(path: str | os.PathLike, arrays: dict[str, np.ndarray], meta: dict) -> Path:
    """Write ``arrays`` and JSON-serialisable ``meta`` to ``path`` atomically."""
    payload = dict(arrays)
    payload[META_KEY] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    return write_atomic(path, lambda fh: np.savez(fh, **payload))


class CorruptFileError(ValueError):
    """A checkpoint or model file exists but cannot be read back (truncated, corrupt, foreign)."""


#: every error that numpy, zipfile, zlib and json raise on a damaged .npz
READ_ERRORS = (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile,
               zlib.error, UnicodeDecodeError)


def load(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """Read a checkpoint written by :func:`save_atomic`: (arrays, meta).

    Raises
    ------
    FileNotFoundError : no file at ``path``.
    CorruptFileError : the file is truncated, corrupt, or not written by spiking-em.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}; train a model first "
                                "(spiking-em train --out RUN_DIR) or check the path")
    try:
        with np.load(path, allow_pickle=False) as data:
            if META_KEY not in data.files:
                raise KeyError(f"no {META_KEY} entry")
            arrays = {k: data[k] for k in data.files if k != META_KEY}
            meta = json.loads(bytes(data[META_KEY]).decode())
        if not isinstance(meta, dict):
            raise TypeError("its metadata is not a JSON object")
    except READ_ERRORS as exc:
        raise CorruptFileError(
            f"{path} is not a readable spiking-em file ({type(exc).__name__}: {exc}); it may be "
            "truncated or corrupt: delete it and re-run the command that wrote it") from exc
    return arrays, meta
