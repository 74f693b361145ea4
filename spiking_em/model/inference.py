"""INFERENCE of Algorithm 2 (difference target propagation on the hidden states) and log p(x, h).

The joint of the directed model is p(x, h1, h2) = p(x | h1) p(h1 | h2) p(h2) with unit-variance
Gaussian conditionals centred on g1(h1) and g2(h2), and a diagonal Gaussian prior p(h2) fitted
after training (see :mod:`spiking_em.model.sampling`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from spiking_em.model.config import InferenceConfig
from spiking_em.model.layers import Params, f1, f2, g1, g2

LOG_2PI = float(np.log(2 * np.pi))


@dataclass(frozen=True)
class GaussianPrior:
    """Diagonal Gaussian p(h2): ``mean`` and ``std`` of shape (n_hidden2,)."""

    mean: np.ndarray
    std: np.ndarray

    def __post_init__(self):
        if self.mean.shape != self.std.shape or self.mean.ndim != 1:
            raise ValueError(f"prior mean and std must be equal 1-d shapes, got "
                             f"{self.mean.shape} and {self.std.shape}")
        if not np.all(self.std > 0):
            raise ValueError("prior std must be > 0 for every unit")

    def log_prob(self, h2: np.ndarray) -> np.ndarray:
        """log p(h2) per example, in nats."""
        z = (h2 - self.mean) / self.std
        return -0.5 * np.sum(z * z + LOG_2PI, axis=1) - np.sum(np.log(self.std))

    def sample(self, n: int, *, rng: np.random.Generator) -> np.ndarray:
        return (self.mean + self.std * rng.standard_normal((n, self.mean.size))).astype(self.mean.dtype)


def gaussian_log_density(value: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """log N(value; mean, I) summed over units, per example (nats)."""
    d = value - mean
    return -0.5 * np.sum(d * d, axis=1, dtype=np.float64) - 0.5 * value.shape[1] * LOG_2PI


def log_joint(x, h1, h2, params: Params, prior: GaussianPrior | None) -> np.ndarray:
    """log p(x, h1, h2) per example in nats; without a prior, log p(x, h1 | h2)."""
    lp = gaussian_log_density(x, g1(h1, params)) + gaussian_log_density(h1, g2(h2, params))
    if prior is not None:
        lp = lp + prior.log_prob(h2)
    return lp


def feedforward(x, params: Params):
    """Feed-forward initialisation of INFERENCE: h1 = f1(x), h2 = f2(h1)."""
    h1 = f1(x, params)
    return h1, f2(h1, params)


def inference_step(x, h1, h2, params: Params, *, delta: float, alpha: float,
                   visible_mask: np.ndarray | None = None, f1_x: np.ndarray | None = None,
                   g2_h2: np.ndarray | None = None, return_g2: bool = False):
    """One iteration of INFERENCE (Algorithm 2); returns new (h1, h2), inputs untouched.

    Notes
    -----
    h2 <- h2 + delta (f2(h1) - f2(g2(h2)))
    h1 <- h1 + delta (f1(x) - f1(g1(h1))) + alpha (g2(h2) - h1)   (with the new h2)

    With ``visible_mask`` (in-painting, Sec. 7), the data term becomes
    f1(x_visible, g1(h1)_missing) - f1(g1(h1)). ``f1_x`` caches f1(x) when x is fully visible;
    ``g2_h2`` caches g2(h2), and ``return_g2=True`` also returns g2(h2_new) for the next step.
    """
    if g2_h2 is None:
        g2_h2 = g2(h2, params)
    h2_new = h2 + delta * (f2(h1, params) - f2(g2_h2, params))
    x_rec = g1(h1, params)
    if visible_mask is not None:
        data_drive = f1(np.where(visible_mask, x, x_rec), params)
    else:
        data_drive = f1_x if f1_x is not None else f1(x, params)
    g2_h2_new = g2(h2_new, params)
    h1_new = h1 + delta * (data_drive - f1(x_rec, params)) + alpha * (g2_h2_new - h1)
    if return_g2:
        return h1_new, h2_new, g2_h2_new
    return h1_new, h2_new


def infer(x, params: Params, config: InferenceConfig = InferenceConfig(), *,
          visible_mask: np.ndarray | None = None,
          on_step: Callable[[int, np.ndarray, np.ndarray], None] | None = None):
    """INFERENCE(x, N, delta, alpha) of Algorithm 2: feed-forward pass then N steps.

    Parameters
    ----------
    x : (batch, n_visible) array in [0, 1].
    config : N, delta, alpha.
    visible_mask : optional boolean (batch, n_visible); False marks missing pixels.
    on_step : called as ``on_step(t, h1, h2)`` for t = 0 (feed-forward) .. N.

    Returns
    -------
    (h1, h2) after N iterations.
    """
    h1, h2 = feedforward(x, params)
    if on_step is not None:
        on_step(0, h1, h2)
    f1_x = f1(x, params) if visible_mask is None else None
    g2_h2 = None
    for t in range(1, config.n_steps + 1):
        h1, h2, g2_h2 = inference_step(x, h1, h2, params, delta=config.delta, alpha=config.alpha,
                                       visible_mask=visible_mask, f1_x=f1_x, g2_h2=g2_h2,
                                       return_g2=True)
        if on_step is not None:
            on_step(t, h1, h2)
    return h1, h2


def log_joint_trajectory(x, params: Params, prior: GaussianPrior | None,
                         config: InferenceConfig = InferenceConfig()) -> np.ndarray:
    """log p(x, h1, h2) per example at every INFERENCE iteration: shape (N + 1, batch)."""
    values = []
    infer(x, params, config, on_step=lambda t, h1, h2: values.append(log_joint(x, h1, h2, params, prior)))
    return np.stack(values)
