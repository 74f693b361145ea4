"""The long run: a generative model learned in spikes over one MNIST epoch, beside numpy.

Three learners start from the same untrained 784-1000-100 model and see the same 50,000
training digits in the same order (:func:`spiking_em.experiments.from_scratch.digit_sequence`,
every digit once):

- ``spiking``: the Brian2 network, the denoising issue's learner at its chosen setting (the
  sample at the paper's corruption size with the floor, :meth:`SampleConfig.paper_noise_floor`,
  η 3e-3 per digit) on the coarse network (:meth:`NetworkConfig.coarse`), data-parallel on
  Dask (:class:`spiking_em.spiking.parallel.ParallelLearner`);
- ``numpy``: the rate trainer's Algorithm 2 step with the ``paper`` preset's corruptions, plain
  SGD on one digit at a time (batch 1) at the rate the from-scratch comparison chose for it;
- ``trainer``: the package's own trainer settings (:meth:`TrainConfig.paper`: minibatches of
  100, RMSprop with momentum, lr 1e-5) on the same sequence, at the same examples seen.

Each learner's model is kept at every count of :data:`CHECKPOINTS` and evaluated there by the
same protocol (Parzen LL of 10,000 GENERATE samples, the Fréchet distance and class coverage of
those samples in the package's MNIST classifier's features, in-painting MSE). This module holds
the pieces the script ``simulations/spiking_at_scale.py`` runs: the learners' settings, the
rate learners' snapshots, one evaluation and the results' summary and targets.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from spiking_em import atomic
from spiking_em.evaluation.evaluate import EvalConfig
from spiking_em.experiments import from_scratch as fs
from spiking_em.model.config import TrainConfig
from spiking_em.model.sampling import fit_prior
from spiking_em.model.trained import TrainedModel
from spiking_em.model.training import infer_all

#: examples seen at which every learner is evaluated (multiples of the trainer's minibatch of
#: 100, ending at one epoch of the training split; the spiking learner's last round before a
#: checkpoint is cut short there)
CHECKPOINTS = (5_100, 10_200, 20_400, 30_600, 40_800, 50_000)
#: the data set name the learners record: the sequence, not the training split's order
DATASET_NAME = "mnist-sequence"
#: the learners, in the order they are reported
LEARNERS = ("spiking", "numpy", "trainer")
#: the spiking learner's η per digit and the numpy learner's SGD step per digit: the rates the
#: from-scratch comparison chose on its neutral criterion (figures/spiking_from_scratch*.json)
SPIKING_ETA, NUMPY_LEARNING_RATE = 3e-3, 3e-3
#: the issue's target: the spiking learner within this many nats of numpy at every checkpoint
TARGET_GAP_NATS = 25.0
#: ... and its goal at one epoch
GOAL_NATS = 200.0
#: the evaluation at every checkpoint (the from-scratch comparison's protocol: 10,000 GENERATE
#: samples, Parzen σ chosen on 2,000 validation digits, 2,000 in-paintings)
EVAL_CONFIG = EvalConfig(n_samples=10_000, n_parzen_valid=2_000, n_parzen_test=10_000,
                         n_logp=1_000, n_inpaint=2_000, n_nearest=300)
#: digits of the sequence (the first ones) whose numpy-inferred h2 fit a rate learner's prior
N_PRIOR = 10_000


def check_checkpoints(checkpoints, minibatch: int, n_train: int) -> tuple:
    """``checkpoints`` as a sorted tuple of ints, each a multiple of ``minibatch`` (the
    trainer's, so that it has a model there) and none beyond the ``n_train`` digits of one
    epoch; raises ``ValueError`` naming the bad one."""
    out = tuple(sorted(int(c) for c in checkpoints))
    if not out or out[0] <= 0 or len(set(out)) != len(out):
        raise ValueError(f"checkpoints must be distinct positive counts, got {list(checkpoints)}")
    if out[-1] > n_train:
        raise ValueError(f"checkpoint {out[-1]} is beyond the {n_train} digits of one epoch")
    for c in out:
        if c % minibatch:
            raise ValueError(f"checkpoint {c} is not a multiple of the trainer's minibatch "
                             f"({minibatch} digits)")
    return out


def rate_configs(sizes) -> dict[str, TrainConfig]:
    """The two rate learners' settings: ``numpy`` (batch 1, plain SGD, the paper preset's
    corruptions) and ``trainer`` (the ``paper`` preset as the package trains it)."""
    return {"numpy": fs.rate_config(sizes, NUMPY_LEARNING_RATE),
            "trainer": TrainConfig.paper(n_hidden1=sizes[1], n_hidden2=sizes[2], epochs=1)}


def snapshot_dir(runs: Path, learner: str, presentations: int) -> Path:
    """Where ``learner``'s model after ``presentations`` digits is kept."""
    return Path(runs) / learner / f"at-{presentations}"


def train_rate_learner(learner: str, start: TrainedModel, sequence: np.ndarray,
                       x_valid: np.ndarray, checkpoints: tuple, runs: Path, *, seed: int,
                       say=lambda m: None) -> list[dict]:
    """Run the rate learner ``learner`` (a key of :func:`rate_configs`) over ``sequence`` in
    order, saving its model at every checkpoint (:func:`snapshot_dir`; the prior fitted on
    numpy-inferred h2 of the first :data:`N_PRIOR` digits seen). Skipped when every snapshot
    exists (a few minutes of numpy: an interrupted run starts over). Returns its validation
    history (also kept in ``runs/learner/history.json``)."""
    history_file = Path(runs) / learner / "history.json"
    if history_file.exists() and all((snapshot_dir(runs, learner, c) / TrainedModel.FILE)
                                     .exists() for c in checkpoints):
        import json
        return json.loads(history_file.read_text())
    config = rate_configs(start.params.sizes)[learner]

    def keep(done: int, params) -> None:
        _, h2 = infer_all(sequence[:min(done, N_PRIOR)], params, config.inference)
        TrainedModel(params=params.copy(), prior=fit_prior(h2), config=config,
                     meta={"seed": seed, "trained_by": f"{learner} (rate trainer's step)",
                           "presentations": done}).save(snapshot_dir(runs, learner, done))
        say(f"{learner}: {done} digits")

    model = fs.train_rate_on_sequence(start, sequence[:checkpoints[-1]], x_valid, config,
                                      seed=seed, also_at=checkpoints, on_snapshot=keep)
    history = model.meta["history"]
    if any(h.get("diverged") for h in history):
        raise RuntimeError(f"the {learner} learner diverged: {history[-1]}")
    atomic.write_json(history_file, history)
    return history


def evaluate_snapshot(model: TrainedModel, dataset, classifier, eval_config, *,
                      seed: int) -> tuple[dict, np.ndarray]:
    """The checkpoint's numbers for one model: Parzen LL of GENERATE (nats, its standard
    error), the Fréchet distance of those samples to the test images and the classes they
    cover, in-painting MSE (per pixel) and Parzen LL of ancestral samples. Also returns 100
    GENERATE samples."""
    from spiking_em.evaluation.evaluate import evaluate_model
    from spiking_em.evaluation.frechet import sample_quality
    metrics, arrays = evaluate_model(model, dataset, seed=seed, config=eval_config)
    quality = sample_quality(classifier, {"generate": arrays["samples_generate"]},
                             dataset.test)["generate"]
    row = {"parzen_generate": metrics["parzen_ll_generate"]["mean"],
           "parzen_generate_se": metrics["parzen_ll_generate"]["se"],
           "frechet_generate": quality["frechet_distance"],
           "classes": quality["classes_present"],
           "inpaint_mse": metrics["inpaint_mse"]["mean"],
           "parzen_ancestral": metrics["parzen_ll_ancestral"]["mean"]}
    return row, arrays["samples_generate"][:100]


def untrained_model(start: TrainedModel, sequence: np.ndarray) -> TrainedModel:
    """The common start with its prior fitted on the first 1000 digits (the row at 0)."""
    return fs.untrained_with_prior(start, sequence[:1000])


def summary(checkpoints: list[dict]) -> dict:
    """Where the learners stand: the spiking learner's gap to numpy (nats) at every evaluated
    checkpoint, whether it is within :data:`TARGET_GAP_NATS` everywhere, and each learner's
    numbers at the last evaluated checkpoint (with whether the spiking one reached
    :data:`GOAL_NATS`)."""
    rows = [c for c in checkpoints if all(k in c for k in LEARNERS)]
    if not rows:
        return {}
    gaps = {str(c["presentations"]): c["numpy"]["parzen_generate"]
            - c["spiking"]["parzen_generate"] for c in rows}
    last = rows[-1]
    return {"parzen_gap_numpy_minus_spiking": gaps,
            "within_25_nats_everywhere": all(g <= TARGET_GAP_NATS for g in gaps.values()),
            "largest_gap": max(gaps.values()),
            "at_last_checkpoint": {"presentations": last["presentations"],
                                   **{k: last[k] for k in LEARNERS}},
            "spiking_reached_200_nats": last["spiking"]["parzen_generate"] >= GOAL_NATS}

