"""Evaluation of a trained model: Parzen LL, the Fig. 4 log p(x, h) curve, in-painting, memorisation.

``evaluate_model`` returns the numbers written to ``RUN_DIR/metrics.json`` by
``spiking-em evaluate`` together with the arrays the figures need.
"""
from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

from spiking_em import __version__
from spiking_em.data.loaders import Dataset
from spiking_em.evaluation.metrics import mean_se, missing_pixel_mse, nearest_distances
from spiking_em.evaluation.parzen import DEFAULT_SIGMAS, parzen_evaluate
from spiking_em.model.config import InferenceConfig
from spiking_em.model.inference import log_joint_trajectory
from spiking_em.model.sampling import (
    ancestral,
    fit_prior,
    generate,
    inpaint,
    random_half_mask,
)
from spiking_em.model.trained import TrainedModel
from spiking_em.validation import check_positive_int

logger = logging.getLogger(__name__)
#: top-down step sizes at which the log p(x, h) curve is also measured (first 1000 digits)
ALPHA_SWEEP = (0.001, 0.01, 0.03, 0.1, 0.3)


@dataclass(frozen=True)
class EvalConfig:
    """Sizes of the evaluation; ``full()`` is the paper's protocol, ``quick()`` a smoke run."""

    n_samples: int = 10_000
    n_parzen_valid: int = 10_000
    n_parzen_test: int = 10_000
    n_logp: int = 10_000
    logp_steps: int = 20
    n_inpaint: int = 10_000
    inpaint_steps: int = 20
    n_nearest: int = 2_000
    sigmas: tuple = DEFAULT_SIGMAS

    def __post_init__(self):
        for name in ("n_samples", "n_parzen_valid", "n_parzen_test", "n_logp", "logp_steps",
                     "n_inpaint", "inpaint_steps", "n_nearest"):
            check_positive_int(name, getattr(self, name))

    @classmethod
    def full(cls) -> "EvalConfig":
        return cls()

    @classmethod
    def quick(cls) -> "EvalConfig":
        return cls(n_samples=1000, n_parzen_valid=500, n_parzen_test=1000, n_logp=500,
                   n_inpaint=200, n_nearest=300)


def real_training_images(dataset, n: int, seed: int) -> np.ndarray:
    """``n`` training images in an order fixed by ``seed`` (its own stream, [seed, 7]): the real
    data scored beside samples; for a given seed, a smaller ``n`` takes a prefix of a larger."""
    return dataset.train[np.random.default_rng([seed, 7]).permutation(len(dataset.train))[:n]]


def evaluate_model(model: TrainedModel, dataset: Dataset, *, seed: int,
                   config: EvalConfig = EvalConfig.full(),
                   progress: Callable[[str], None] | None = None):
    """Compute every metric of ``metrics.json``; returns (metrics dict, arrays for figures)."""
    rng = np.random.default_rng(seed)
    params, prior = model.params, model.prior
    say = progress or (lambda msg: logger.info(msg))
    timings = {}
    valid = dataset.valid[:config.n_parzen_valid]
    test = dataset.test[:config.n_parzen_test]

    t0 = time.perf_counter()
    say(f"GENERATE: {config.n_samples} samples (3 encode/decode steps each)")
    samples_gen = generate(params, prior, config.n_samples, rng=rng)
    samples_anc = ancestral(params, prior, config.n_samples, rng=rng)
    timings["sampling_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    say("Parzen log-likelihood (sigma chosen on validation)")
    parzen_gen = parzen_evaluate(samples_gen, valid, test, sigmas=config.sigmas)
    parzen_anc = parzen_evaluate(samples_anc, valid, test, sigmas=config.sigmas)
    # real training images scored as "samples" by the same estimator: what Parzen gives data
    # (its own stream, so that every other number keeps its value for a given seed)
    real = real_training_images(dataset, config.n_samples, seed)
    parzen_real = parzen_evaluate(real, valid, test, sigmas=config.sigmas)
    timings["parzen_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    say(f"log p(x, h) over {config.logp_steps} INFERENCE iterations")
    logp_cfg = InferenceConfig(n_steps=config.logp_steps, delta=model.config.inference.delta,
                               alpha=model.config.inference.alpha)
    x_logp = dataset.test[:config.n_logp]
    traj = np.concatenate([log_joint_trajectory(x_logp[s:s + 1000], params, prior, logp_cfg)
                           for s in range(0, len(x_logp), 1000)], axis=1)
    increments = np.diff(traj.mean(axis=1))
    alpha_sweep = {}
    x_sweep = x_logp[:1000]
    for alpha in ALPHA_SWEEP:
        sweep_cfg = InferenceConfig(n_steps=config.logp_steps, delta=logp_cfg.delta, alpha=alpha)
        means = log_joint_trajectory(x_sweep, params, prior, sweep_cfg).mean(axis=1)
        alpha_sweep[f"{alpha:g}"] = {"gain": float(means[-1] - means[0]), "mean": means.tolist(),
                                     "rises_at_every_iteration": bool(np.all(np.diff(means) > 0))}
    timings["logp_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    say(f"in-painting {config.n_inpaint} digits ({config.inpaint_steps} encode/decode steps)")
    x_in = dataset.test[:config.n_inpaint]
    mask = random_half_mask(x_in.shape, rng=rng)
    filled = np.concatenate([inpaint(x_in[s:s + 1000], mask[s:s + 1000], params, rng=rng,
                                     n_encode_decode=config.inpaint_steps)
                             for s in range(0, len(x_in), 1000)])
    per_digit_mse = missing_pixel_mse(filled, x_in, mask)
    mean_image = dataset.train.mean(axis=0)
    baseline_mse = missing_pixel_mse(np.broadcast_to(mean_image, x_in.shape), x_in, mask)
    timings["inpaint_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    say("nearest-training-image distances (memorisation check)")
    d_samples = nearest_distances(samples_gen[:config.n_nearest], dataset.train)
    d_test = nearest_distances(dataset.test[:config.n_nearest], dataset.train)
    timings["nearest_s"] = time.perf_counter() - t0

    metrics = {
        "parzen_ll_generate": parzen_gen.as_dict(),
        "parzen_ll_ancestral": parzen_anc.as_dict(),
        "parzen_ll_real_data": parzen_real.as_dict(),
        "logp_curve": {"iteration": list(range(config.logp_steps + 1)),
                       "mean": traj.mean(axis=1).tolist(),
                       "se": (traj.std(axis=1, ddof=1) / np.sqrt(traj.shape[1])).tolist(),
                       "n_digits": int(traj.shape[1]),
                       "rises_at_every_iteration": bool(np.all(increments > 0)),
                       "min_increment": float(increments.min()),
                       "alpha": logp_cfg.alpha,
                       "alpha_sweep": alpha_sweep},
        "inpaint_mse": mean_se(per_digit_mse),
        "inpaint_mse_mean_image": mean_se(baseline_mse),
        "inpaint_ratio_to_mean_image": float(per_digit_mse.mean() / baseline_mse.mean()),
        "nearest_train_distance": {"samples": mean_se(d_samples), "test_images": mean_se(d_test)},
        "settings": {"eval": {k: (list(v) if isinstance(v, tuple) else v)
                              for k, v in asdict(config).items()},
                     "seed": seed, "dataset": dataset.name, "data_source": dataset.source,
                     "model_seed": model.meta.get("seed"), "train_config": model.config.as_dict(),
                     "prior_spread": model.config.prior_spread,
                     "prior_factor": model.config.prior_factor, "version": __version__},
        "timings_s": timings,
    }
    arrays = {"samples_generate": samples_gen, "samples_ancestral": samples_anc,
              "logp_trajectory": traj, "inpaint_original": x_in[:10], "inpaint_mask": mask[:10],
              "inpaint_filled": filled[:10]}
    return metrics, arrays


def prior_spread_comparison(model: TrainedModel, dataset: Dataset, h2_train: np.ndarray, *,
                            seed: int, config: EvalConfig) -> dict:
    """Parzen LL of GENERATE under both readings of the prior spread (std x 4, variance x 4)."""
    out = {}
    for spread in ("std", "variance"):
        prior = fit_prior(h2_train, spread=spread, factor=model.config.prior_factor)
        rng = np.random.default_rng(seed)
        samples = generate(model.params, prior, config.n_samples, rng=rng)
        out[spread] = parzen_evaluate(samples, dataset.valid[:config.n_parzen_valid],
                                      dataset.test[:config.n_parzen_test],
                                      sigmas=config.sigmas).as_dict()
        out[spread].pop("validation_curve")
    return out
