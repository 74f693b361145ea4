"""TRAIN of Algorithm 2: E-step = INFERENCE, M-step = local denoising losses; resumable.

The loop shuffles the training set each epoch with the run's own Generator, and writes an
atomic checkpoint (parameters, optimiser state, RNG state, epoch, position in the epoch,
settings, history) before the first minibatch, at every epoch end and when interrupted
(Ctrl-C). ``resume=True`` continues from it and ends bit-identical to an uninterrupted run
with the same seed. A second Ctrl-C stops at once, mid-minibatch, and then writes nothing: the
last checkpoint (taken at a minibatch boundary) stays. A NaN or inf in a loss or parameter
stops the run with :class:`TrainingDiverged` and leaves the last good checkpoint untouched;
``allow_changes=True`` continues such a run (or a finished one) with another learning rate or
more epochs.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from spiking_em import __version__, threads
from spiking_em.interrupts import deferred_interrupt
from spiking_em.model import checkpoint
from spiking_em.model.config import TrainConfig
from spiking_em.model.inference import feedforward, infer
from spiking_em.model.layers import Params, g1, init_params
from spiking_em.model.learning import local_losses_and_grads, make_optimizer
from spiking_em.model.sampling import fit_prior
from spiking_em.model.trained import TrainedModel
from spiking_em.validation import check_batch

logger = logging.getLogger(__name__)
CHECKPOINT_FILE = "checkpoint.npz"


#: settings a resumed run may change when asked (``allow_changes``, CLI ``--allow-changes``)
CONTINUABLE = ("epochs", "learning_rate", "lr_decay")
#: the command-line option that sets each setting, for messages
OPTION_OF = {"n_hidden1": "--n-hidden1", "n_hidden2": "--n-hidden2", "epochs": "--epochs",
             "batch_size": "--batch-size", "optimizer": "--optimizer",
             "learning_rate": "--learning-rate", "lr_decay": "--lr-decay",
             "prior_spread": "--prior-spread"}


class TrainingDiverged(RuntimeError):
    """A loss or parameter became NaN/inf; the last good checkpoint was kept."""


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict) and k in ("inference", "corruptions"):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[prefix + k] = v
    return out


def _option(setting: str) -> str:
    if setting.startswith("corruptions."):
        return f"--corrupt {setting.split('.', 1)[1]}=... (or --preset)"
    return OPTION_OF.get(setting, f"the setting {setting}")


def check_resumable(meta: dict, config: TrainConfig, *, seed: int, dataset_name: str,
                    allow_changes: bool = False, path="checkpoint") -> list[str]:
    """Raise ValueError unless a run with ``meta`` (a checkpoint's) can go on as asked.

    The data set and seed must match; settings must match except those in
    :data:`CONTINUABLE`, which may differ when ``allow_changes``. Returns the changed ones.
    """
    if meta.get("dataset") != dataset_name:
        raise ValueError(f"{path} was trained on data set {meta.get('dataset')!r}, this run "
                         f"uses {dataset_name!r}; resume with --dataset {meta.get('dataset')} "
                         "or start a new run in another --out directory")
    if meta.get("seed") != seed:
        raise ValueError(f"{path} was trained with --seed {meta.get('seed')}, this run has "
                         f"--seed {seed}; resume with --seed {meta.get('seed')}")
    try:   # through TrainConfig, so that settings added since fill in their defaults
        old = _flat(TrainConfig.from_dict(meta["config"]).as_dict())
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path} holds no readable training settings ({exc}); start a new "
                         "run in another --out directory") from exc
    new = _flat(config.as_dict())
    changed = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    for k in changed:
        if k not in CONTINUABLE:
            raise ValueError(f"{path} was trained with {_option(k)} = {old.get(k)!r}, this run "
                             f"asks for {new.get(k)!r}; resume with the checkpoint's value "
                             "(only --epochs and --learning-rate may change on resume)")
        if not allow_changes:
            raise ValueError(f"{path} was trained with {_option(k)} {old.get(k)!r}, this run "
                             f"asks for {new.get(k)!r}; pass --allow-changes to continue with "
                             "the new value, or resume with the old one")
    return changed


@dataclass
class Progress:
    """What a progress callback receives after every minibatch."""

    epoch: int
    batch: int
    n_batches: int
    losses: dict
    examples_per_s: float


@dataclass
class EpochRecord:
    epoch: int
    losses: dict
    valid_reconstruction: float
    seconds: float


@dataclass
class TrainState:
    """Everything that changes during training."""

    params: Params
    rng: np.random.Generator
    epoch: int = 0                      # completed epochs
    batch: int = 0                      # completed batches in the current epoch
    permutation: np.ndarray | None = None
    history: list = field(default_factory=list)
    running_losses: dict = field(default_factory=dict)
    mid_update: bool = False            # True while a minibatch or epoch end is half-applied
    saved_at: tuple = (0, 0)            # (epoch, batch) of the last checkpoint


def reconstruction_error(x: np.ndarray, params: Params, batch_size: int = 1000) -> float:
    """Mean over examples of sum_i (x_i - g1(f1(x))_i)^2 (feed-forward reconstruction)."""
    total = 0.0
    for s in range(0, len(x), batch_size):
        xb = x[s:s + batch_size]
        h1, _ = feedforward(xb, params)
        total += float(np.sum((g1(h1, params) - xb) ** 2, dtype=np.float64))
    return total / len(x)


def infer_all(x: np.ndarray, params: Params, config, batch_size: int = 1000):
    """INFERENCE over a whole data set in batches: (h1, h2)."""
    h1s, h2s = [], []
    for s in range(0, len(x), batch_size):
        h1, h2 = infer(x[s:s + batch_size], params, config)
        h1s.append(h1)
        h2s.append(h2)
    return np.concatenate(h1s), np.concatenate(h2s)


def _save_checkpoint(path: Path, state: TrainState, optimizer, config: TrainConfig, seed: int,
                     dataset_name: str) -> None:
    arrays = dict(state.params.as_dict())
    arrays.update(optimizer.state_arrays())
    if state.permutation is not None:
        arrays["permutation"] = state.permutation
    meta = {"epoch": state.epoch, "batch": state.batch, "seed": seed, "dataset": dataset_name,
            "rng_state": state.rng.bit_generator.state, "config": config.as_dict(),
            "history": state.history, "running_losses": state.running_losses,
            "version": __version__}
    checkpoint.save_atomic(path, arrays, meta)
    state.saved_at = (state.epoch, state.batch)


def _check_finite(losses: dict, params: Params, where: str) -> None:
    bad = [k for k, v in losses.items() if not np.isfinite(v)]
    if not bad:
        bad = [k for k, v in params.as_dict().items() if not np.all(np.isfinite(v))]
    if bad:
        raise TrainingDiverged(
            f"training diverged at {where}: non-finite {bad}. The last good checkpoint was kept: "
            "continue it with --resume --allow-changes and a lower --learning-rate")


def train(train_x: np.ndarray, valid_x: np.ndarray, config: TrainConfig, *, seed: int,
          out_dir, resume: bool = False, allow_changes: bool = False,
          dataset_name: str = "unknown",
          progress: Callable[[Progress], None] | None = None,
          on_epoch: Callable[[EpochRecord], None] | None = None,
          blas_threads: int | None = None) -> TrainedModel:
    """Train a model with Algorithm 2 and write ``out_dir/model.npz``.

    Parameters
    ----------
    train_x, valid_x : (n, 784) arrays in [0, 1].
    config : settings (see :class:`TrainConfig`).
    seed : seeds initialisation, shuffling and corruption noise.
    out_dir : run directory for ``checkpoint.npz`` and ``model.npz``.
    resume : continue from ``out_dir/checkpoint.npz`` (same data, seed and settings).
    allow_changes : with ``resume``, the settings in :data:`CONTINUABLE` (epochs, learning
        rate and its decay) may differ from the checkpoint's: a finished or diverged run goes
        on with them.
    blas_threads : BLAS threads while training (default: the cores not busy with other work,
        see :mod:`spiking_em.threads`); results do not depend on it beyond round-off.

    Returns
    -------
    The trained model, its prior fitted on inferred h2 of the training set.
    """
    n_x = train_x.shape[1] if np.ndim(train_x) == 2 else 784
    train_x = check_batch("train_x", train_x, n_x, low=0.0, high=1.0)
    valid_x = check_batch("valid_x", valid_x, n_x, low=0.0, high=1.0)
    if len(train_x) < config.batch_size:
        raise ValueError(f"need at least batch_size={config.batch_size} training examples, "
                         f"got {len(train_x)}")
    dtype = np.dtype(config.dtype)
    train_x, valid_x = train_x.astype(dtype, copy=False), valid_x.astype(dtype, copy=False)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt_path = out_dir / CHECKPOINT_FILE
    rng = np.random.default_rng(seed)
    params = init_params((n_x, config.n_hidden1, config.n_hidden2), rng=rng, dtype=dtype)
    optimizer = make_optimizer(config, params)
    state = TrainState(params=params, rng=rng)
    if resume:
        state = _restore(ckpt_path, config, seed, optimizer, train_x.shape,
                         dataset_name=dataset_name, allow_changes=allow_changes)
        logger.info("resumed from %s at epoch %d batch %d", ckpt_path, state.epoch, state.batch)
    elif ckpt_path.exists() or (out_dir / TrainedModel.FILE).exists():
        raise FileExistsError(f"{out_dir} holds a previous run; pass --resume to continue it or "
                              "choose another --out directory")
    else:   # a first checkpoint, so that a run that diverges at once still has a good one
        _save_checkpoint(ckpt_path, state, optimizer, config, seed, dataset_name)
    n_batches = len(train_x) // config.batch_size
    try:
        with deferred_interrupt() as interrupted, threads.blas_threads(blas_threads):
            while state.epoch < config.epochs:
                _run_epoch(train_x, valid_x, config, state, optimizer, n_batches, seed,
                           ckpt_path, dataset_name, progress, on_epoch, interrupted)
    except KeyboardInterrupt:
        if state.mid_update:   # a second Ctrl-C stopped an update halfway: keep the last one
            logger.warning("stopped mid-minibatch: the checkpoint of epoch %d batch %d is kept",
                           state.saved_at[0], state.saved_at[1])
        else:
            _save_checkpoint(ckpt_path, state, optimizer, config, seed, dataset_name)
            logger.warning("interrupted: checkpoint written at epoch %d batch %d; resume with "
                           "--resume", state.epoch, state.batch)
        raise
    _, h2 = infer_all(train_x, state.params, config.inference)
    prior = fit_prior(h2, spread=config.prior_spread, factor=config.prior_factor)
    model = TrainedModel(params=state.params, prior=prior, config=config,
                         meta={"seed": seed, "dataset": dataset_name, "history": state.history,
                               "n_train": len(train_x), "version": __version__})
    model.save(out_dir)
    return model


def _restore(ckpt_path: Path, config: TrainConfig, seed: int, optimizer, shape, *,
             dataset_name: str, allow_changes: bool) -> TrainState:
    if not ckpt_path.is_file():
        raise FileNotFoundError(f"--resume: no checkpoint at {ckpt_path}; start the run "
                                "without --resume")
    arrays, meta = checkpoint.load(ckpt_path)
    check_resumable(meta, config, seed=seed, dataset_name=dataset_name,
                    allow_changes=allow_changes, path=ckpt_path)
    try:
        params = Params.from_dict(arrays)
        optimizer.load_state_arrays(arrays)
        rng = np.random.default_rng()
        rng.bit_generator.state = meta["rng_state"]
        perm = arrays.get("permutation")
        state = TrainState(params=params, rng=rng, epoch=meta["epoch"], batch=meta["batch"],
                           permutation=perm, history=meta["history"],
                           running_losses=meta.get("running_losses", {}))
    except checkpoint.READ_ERRORS as exc:
        raise checkpoint.CorruptFileError(f"{ckpt_path} is not a spiking-em training checkpoint "
                                          f"({type(exc).__name__}: {exc})") from exc
    if perm is not None and perm.shape[0] != shape[0]:
        raise ValueError(f"{ckpt_path} was trained on {perm.shape[0]} examples, this run has "
                         f"{shape[0]}; resume with the same --n-train")
    state.saved_at = (state.epoch, state.batch)
    return state


def _run_epoch(train_x, valid_x, config, state, optimizer, n_batches, seed, ckpt_path,
               dataset_name, progress, on_epoch, interrupted):
    started = time.perf_counter()
    if state.permutation is None:   # a new epoch (a resumed one keeps its permutation)
        state.mid_update = True
        state.permutation = state.rng.permutation(len(train_x))
        state.running_losses = {}
        state.mid_update = False
    bs = config.batch_size
    optimizer.lr = config.learning_rate * config.lr_decay ** state.epoch
    while state.batch < n_batches:
        t0 = time.perf_counter()
        state.mid_update = True
        idx = state.permutation[state.batch * bs:(state.batch + 1) * bs]
        x = train_x[idx]
        h1, h2 = infer(x, state.params, config.inference)                         # E-step
        losses, grads = local_losses_and_grads(x, h1, h2, state.params,           # M-step
                                               config.corruptions, rng=state.rng)
        _check_finite(losses, grads, f"epoch {state.epoch + 1} batch {state.batch + 1}")
        optimizer.update(state.params, grads)
        _check_finite({}, state.params, f"epoch {state.epoch + 1} batch {state.batch + 1}")
        for k, v in losses.items():
            state.running_losses[k] = state.running_losses.get(k, 0.0) + v
        state.batch += 1
        state.mid_update = False
        if progress is not None:
            progress(Progress(state.epoch + 1, state.batch, n_batches, losses,
                              bs / max(time.perf_counter() - t0, 1e-9)))
        if interrupted["set"]:
            raise KeyboardInterrupt
    mean_losses = {k: v / n_batches for k, v in state.running_losses.items()}
    record = EpochRecord(epoch=state.epoch + 1, losses=mean_losses,
                         valid_reconstruction=reconstruction_error(valid_x, state.params),
                         seconds=time.perf_counter() - started)
    state.mid_update = True
    state.history.append(record.__dict__)
    state.epoch += 1
    state.batch = 0
    state.permutation = None
    state.mid_update = False
    _save_checkpoint(ckpt_path, state, optimizer, config, seed, dataset_name)
    if on_epoch is not None:
        on_epoch(record)
