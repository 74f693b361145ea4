"""Spike-count variability: the Fano factor of counts at a constant rate.

During a read-out hold the hidden state is frozen, so every neuron fires at a constant rate;
the counts of its consecutive bins are repeated draws at that rate. A Poisson neuron gives
var/mean = 1, a sigma-delta (reset-by-subtraction) LIF neuron close to 0 (its counts differ by
at most one spike between bins).
"""
from __future__ import annotations

import numpy as np

from spiking_em.evaluation.metrics import mean_se


def fano_factor(counts: np.ndarray, *, min_mean: float = 0.5) -> dict:
    """Fano factors of ``counts`` (n_trials, n_bins, n_neurons) over the bins of each trial.

    Returns the pooled value (sum of variances / sum of means over every trial-neuron pair whose
    mean count per bin is at least ``min_mean``), the mean and spread of the per-pair values,
    and how many pairs entered.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 3 or counts.shape[1] < 2:
        raise ValueError(f"counts must be (n_trials, n_bins >= 2, n_neurons), got {counts.shape}")
    mean = counts.mean(axis=1)
    var = counts.var(axis=1, ddof=1)
    keep = mean >= min_mean
    if not np.any(keep):
        return {"pooled": None, "per_neuron": None, "n_pairs": 0, "min_mean_count": min_mean}
    return {"pooled": float(var[keep].sum() / mean[keep].sum()),
            "per_neuron": mean_se(var[keep] / mean[keep]), "n_pairs": int(keep.sum()),
            "mean_count_per_bin": float(mean[keep].mean()), "min_mean_count": min_mean}
