"""Small measurements shared by every evaluation: mean ± standard error, the in-painting error
on the missing pixels, and pairwise squared distances (Parzen windows, nearest neighbours)."""
from __future__ import annotations

import numpy as np


def mean_se(values) -> dict:
    """Mean, standard error of the mean (ddof 1; 0 for a single value) and count of ``values``."""
    values = np.asarray(values, dtype=np.float64).ravel()
    se = float(values.std(ddof=1) / np.sqrt(values.size)) if values.size > 1 else 0.0
    return {"mean": float(values.mean()), "se": se, "n": int(values.size)}


def missing_pixel_mse(filled: np.ndarray, x: np.ndarray, visible_mask: np.ndarray) -> np.ndarray:
    """Per-image mean squared error over the missing pixels (``visible_mask`` False), shape (n,).

    Pixel values in [0, 1]; the visible pixels do not count, whatever ``filled`` holds there.
    """
    missing = ~np.asarray(visible_mask, dtype=bool)
    n_missing = missing.sum(axis=1)
    if np.any(n_missing == 0):
        raise ValueError("every image needs at least one missing pixel to score in-painting")
    return ((filled - x) ** 2 * missing).sum(axis=1) / n_missing


def squared_distances(a: np.ndarray, b: np.ndarray, b_sq: np.ndarray | None = None) -> np.ndarray:
    """||a_i - b_j||^2 for all pairs (n_a, n_b), via one GEMM, in float64, clipped at 0.

    ``b_sq`` (the rows' squared norms of ``b``) may be passed when ``b`` is reused over chunks.
    """
    if b_sq is None:
        b_sq = np.einsum("ij,ij->i", b, b, dtype=np.float64)
    a_sq = np.einsum("ij,ij->i", a, a, dtype=np.float64)
    d = a_sq[:, None] + b_sq[None, :] - 2.0 * (a @ b.T).astype(np.float64)
    return np.maximum(d, 0.0)


def nearest_distances(queries: np.ndarray, reference: np.ndarray, chunk: int = 500) -> np.ndarray:
    """Euclidean distance from each query row to its nearest reference row, shape (n_queries,)."""
    ref_sq = np.einsum("ij,ij->i", reference, reference, dtype=np.float64)
    out = np.empty(len(queries))
    for s in range(0, len(queries), chunk):
        out[s:s + chunk] = np.sqrt(squared_distances(queries[s:s + chunk], reference,
                                                     ref_sq).min(axis=1))
    return out


def class_coverage(samples: np.ndarray, images: np.ndarray, labels: np.ndarray) -> dict:
    """Which classes a set of samples covers, by the nearest class-mean image.

    Each sample is assigned to the class whose mean image (over ``images`` with ``labels``)
    is nearest in Euclidean distance. A sampler collapsed onto a few modes leaves classes
    empty; a diverse one covers them all in roughly their data proportions.

    Returns
    -------
    dict with ``counts`` (samples per class, keyed by the label as a string, as in JSON),
    ``classes_present`` (classes with at least
    one sample), ``n_classes``, and ``normalised_entropy`` of the class histogram (1: uniform,
    0: every sample in one class).
    """
    labels = np.asarray(labels)
    classes = np.unique(labels)
    means = np.stack([images[labels == c].mean(axis=0) for c in classes])
    nearest = squared_distances(np.asarray(samples, dtype=np.float64),
                                means.astype(np.float64)).argmin(axis=1)
    counts = np.bincount(nearest, minlength=len(classes))
    p = counts[counts > 0] / counts.sum()
    entropy = float(abs((p * np.log(p)).sum()) / np.log(len(classes))) if len(classes) > 1 else 0.0
    return {"counts": {str(c): int(n) for c, n in zip(classes, counts, strict=False)},
            "classes_present": int((counts > 0).sum()), "n_classes": int(len(classes)),
            "normalised_entropy": entropy}
