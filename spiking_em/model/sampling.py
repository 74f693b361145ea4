"""GENERATE, ancestral sampling and in-painting of Algorithm 2, and the fitted prior p(h2)."""
from __future__ import annotations

from typing import Callable

import numpy as np

from spiking_em.model.config import InferenceConfig
from spiking_em.model.inference import GaussianPrior, infer
from spiking_em.model.layers import Params, g1, g2
from spiking_em.validation import check_batch, check_positive_int


def fit_prior(h2: np.ndarray, *, spread: str = "std", factor: float = 4.0) -> GaussianPrior:
    """Diagonal Gaussian p(h2) from inferred top-level states of the training set.

    Parameters
    ----------
    h2 : (n_examples, n_hidden2) inferred states.
    spread : "std" multiplies the empirical standard deviation by ``factor`` (authors' code);
        "variance" multiplies the variance by ``factor`` (the paper's text), i.e. the std by
        sqrt(factor).
    """
    if spread not in ("std", "variance"):
        raise ValueError(f"spread must be 'std' or 'variance', got {spread!r}")
    mean = h2.mean(axis=0)
    std = h2.std(axis=0)
    scale = factor if spread == "std" else np.sqrt(factor)
    std = np.maximum(std * scale, 1e-6)
    return GaussianPrior(mean=mean.astype(h2.dtype), std=std.astype(h2.dtype))


def ancestral(params: Params, prior: GaussianPrior, n: int, *, rng: np.random.Generator) -> np.ndarray:
    """Samples of the directed model with no inference: x = g1(g2(h2)), h2 ~ p(h2)."""
    n = check_positive_int("n", n)
    return g1(g2(prior.sample(n, rng=rng), params), params)


def generate(params: Params, prior: GaussianPrior, n: int, *, rng: np.random.Generator,
             n_encode_decode: int = 3, config: InferenceConfig = InferenceConfig.generation(),
             batch_size: int = 1000) -> np.ndarray:
    """GENERATE of Algorithm 2: ancestral sample refined by encode/decode steps.

    Notes
    -----
    h2 ~ p(h2); h1 <- g2(h2); x <- g1(h1);
    repeat ``n_encode_decode`` (paper: 3) times: (h1, h2) <- INFERENCE(x, alpha=0.3); x <- g1(h1).
    """
    n = check_positive_int("n", n)
    check_positive_int("n_encode_decode", n_encode_decode, minimum=0)
    out = []
    for start in range(0, n, batch_size):
        m = min(batch_size, n - start)
        x = g1(g2(prior.sample(m, rng=rng), params), params)
        for _ in range(n_encode_decode):
            h1, _ = infer(x, params, config)
            x = g1(h1, params)
        out.append(x)
    return np.concatenate(out)


def random_half_mask(shape, *, rng: np.random.Generator, fraction_missing: float = 0.5) -> np.ndarray:
    """Boolean visibility mask with a random ``fraction_missing`` of each row False."""
    n, d = shape
    n_missing = int(round(fraction_missing * d))
    order = rng.random((n, d)).argsort(axis=1)
    mask = np.ones((n, d), dtype=bool)
    np.put_along_axis(mask, order[:, :n_missing], False, axis=1)
    return mask


def inpaint(x: np.ndarray, visible_mask: np.ndarray, params: Params, *, rng: np.random.Generator,
            n_encode_decode: int = 20, config: InferenceConfig = InferenceConfig.paper(),
            on_step: Callable[[int, np.ndarray], None] | None = None,
            start: np.ndarray | None = None) -> np.ndarray:
    """Fill in missing pixels (Fig. 5): clamp the visible ones, start the rest at uniform noise
    (or at ``start``'s values, e.g. to give another implementation the same starting point).

    Each of ``n_encode_decode`` steps is an INFERENCE whose data term is
    f1(x_visible with g1(h1) on the missing pixels) - f1(g1(h1)), followed by writing
    g1(h1) into the missing pixels.

    Returns
    -------
    (batch, n_visible) images: visible pixels as given, missing pixels reconstructed.
    """
    x = check_batch("x", x, params.sizes[0], low=0.0, high=1.0)
    visible_mask = np.asarray(visible_mask)
    if visible_mask.shape != x.shape or visible_mask.dtype != bool:
        raise ValueError(f"visible_mask must be a boolean array of shape {x.shape}, got "
                         f"{visible_mask.dtype} {visible_mask.shape}")
    if start is None:
        start = rng.random(x.shape, dtype=np.float32)
    elif np.shape(start) != x.shape:
        raise ValueError(f"start must have the shape of x {x.shape}, got {np.shape(start)}")
    current = np.where(visible_mask, x, start).astype(x.dtype)
    if on_step is not None:
        on_step(0, current)
    for step in range(1, n_encode_decode + 1):
        h1, _ = infer(current, params, config, visible_mask=visible_mask)
        current = np.where(visible_mask, x, g1(h1, params))
        if on_step is not None:
            on_step(step, current)
    return current
