"""Checks applied where data and settings enter the package; each error says what to do."""
from __future__ import annotations

import numpy as np


def check_batch(name: str, array, n_features: int, *, low: float | None = None,
                high: float | None = None) -> np.ndarray:
    """Return ``array`` as a float ndarray of shape (batch, n_features), or raise.

    Raises TypeError for non-numeric input and ValueError for a wrong shape, NaN/inf, or
    values outside ``[low, high]``.
    """
    arr = np.asarray(array)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != n_features:
        raise ValueError(
            f"{name} must have shape (batch, {n_features}), got {arr.shape}; "
            f"flatten images to vectors of {n_features} values")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); pass at least one example")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float32)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf values; clean the input first")
    if low is not None and arr.min() < low or high is not None and arr.max() > high:
        raise ValueError(
            f"{name} must lie in [{low}, {high}], got values in [{arr.min():.4g}, {arr.max():.4g}]; "
            "scale pixels to [0, 1] (divide uint8 images by 255)")
    return arr


def check_positive_int(name: str, value, minimum: int = 1) -> int:
    """Return ``value`` if it is an integer >= minimum, else raise a clear error."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_nonnegative(name: str, value) -> float:
    """Return ``value`` as float if it is finite and >= 0, else raise."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number >= 0, got {value!r}") from None
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return v


def check_positive(name: str, value) -> float:
    """Return ``value`` as float if it is finite and > 0, else raise."""
    v = check_nonnegative(name, value)
    if v == 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return v
