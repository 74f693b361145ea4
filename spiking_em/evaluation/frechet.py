"""Sample quality that real data cannot lose to: Fréchet distance and class coverage.

The Fréchet distance between two sets of images is that between Gaussians fitted to their
features in the hidden layer of the package's MNIST classifier
(:mod:`spiking_em.evaluation.classifier`), as in the FID of Heusel et al. (2017):
``|mu_a - mu_b|^2 + tr(C_a + C_b - 2 (C_a C_b)^(1/2))``, in squared feature units. Real test
images against real training images give the floor (it grows as the sets shrink, so compare
sets of equal size). Class coverage counts the classifier's labels of the samples.
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy import linalg

from spiking_em.evaluation.classifier import Classifier


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two (n, d) feature sets."""
    a = np.asarray(features_a, dtype=np.float64)
    b = np.asarray(features_b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(f"need two (n >= 2, d) feature sets of equal d, got {a.shape}, {b.shape}")
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    with warnings.catch_warnings():   # a collapsed set has a singular covariance: still fine
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        root = linalg.sqrtm(cov_a @ cov_b)
    if np.iscomplexobj(root):
        root = root.real
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a + cov_b - 2 * root))


def classifier_coverage(classifier: Classifier, samples: np.ndarray) -> dict:
    """Samples per class as the classifier labels them; classes present and the normalised
    entropy of the class histogram (1: uniform over 10 classes, 0: one class)."""
    counts = np.bincount(classifier.predict(samples), minlength=10)
    p = counts[counts > 0] / counts.sum()
    return {"counts": {str(c): int(n) for c, n in enumerate(counts)},
            "classes_present": int((counts > 0).sum()),
            "normalised_entropy": float(abs((p * np.log(p)).sum()) / np.log(10))}


def sample_quality(classifier: Classifier, sets: dict[str, np.ndarray],
                   reference: np.ndarray) -> dict:
    """Fréchet distance to ``reference`` (real test images) and class coverage of each set."""
    ref = classifier.features(reference)
    return {name: {"frechet_distance": frechet_distance(classifier.features(x), ref),
                   "n": int(len(x)), **classifier_coverage(classifier, x)}
            for name, x in sets.items()}
