"""Atomic checkpoints: arrays and JSON metadata in one .npz, written to a temp file then renamed.

A reader therefore sees either the previous complete checkpoint or the new complete one, never
a partial file, even if the writer is killed mid-write.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

META_KEY = "__meta_json__"


def save_atomic(path: str | os.PathLike, arrays: dict[str, np.ndarray], meta: dict) -> Path:
    """Write ``arrays`` and JSON-serialisable ``meta`` to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = dict(arrays)
    payload[META_KEY] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def load(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """Read a checkpoint written by :func:`save_atomic`: (arrays, meta)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}; train a model first "
                                "(spiking-em train --out RUN_DIR) or check the path")
    try:
        with np.load(path) as data:
            arrays = {k: data[k] for k in data.files if k != META_KEY}
            meta = json.loads(bytes(data[META_KEY]).decode()) if META_KEY in data.files else {}
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(f"{path} is not a readable spiking-em checkpoint: {exc}") from exc
    return arrays, meta
