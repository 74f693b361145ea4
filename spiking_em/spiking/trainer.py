"""``train_spiking``: the spiking network learns a model by itself, with checkpoints.

numpy orders the digits (a permutation per epoch from the run's Generator), derives the rate
codes from the current weights before every binary run, and carries the weights read back from
the synapses to the next run; everything else (INFERENCE, the corruption by spikes, the
weight changes) happens in the compiled Brian2 network. The prior p(h2) used by the codes is
refitted on the h2 that the network's own spikes decode at the end of INFERENCE (the last
``prior_window`` digits); the model written at the end gets a prior fitted the same way on
``n_prior`` training digits run with frozen weights.

A checkpoint (parameters, prior buffer, Generator state, position, history) is written
atomically after every ``checkpoint_every`` runs and on Ctrl-C between runs; ``resume=True``
continues from it and ends with the same weights as an uninterrupted run (the binary's own
random stream is fixed at compile time; every run's fresh noise is drawn by the Generator).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from spiking_em import __version__
from spiking_em.interrupts import deferred_interrupt
from spiking_em.model import checkpoint
from spiking_em.model.config import InferenceConfig
from spiking_em.model.inference import GaussianPrior
from spiking_em.model.layers import Params
from spiking_em.model.start import validation_metrics
from spiking_em.model.trained import TrainedModel
from spiking_em.spiking import device
from spiking_em.spiking.areas import AreaNetwork
from spiking_em.spiking.teaching import SpikingTrainConfig, codes_for, spike_h2, spike_prior, teach
from spiking_em.spiking.transfer import fitted_transfer
from spiking_em.validation import check_batch, check_positive_int

CHECKPOINT_FILE = "spiking_checkpoint.npz"


@dataclass
class RunRecord:
    """After a binary run: presentations so far, wall and binary seconds, synaptic events."""

    presentations: int
    wall_s: float
    run_s: float
    n_events: int


def progress_lines(label: str, total: int, every: int = 500) -> Callable[[RunRecord], None]:
    """An ``on_run`` callback printing ``label: done/total presentations, rate/min`` about
    every ``every`` presentations and at the end (a Dask worker's print reaches its log)."""
    printed = {"at": 0}

    def report(record: RunRecord) -> None:
        if record.presentations - printed["at"] >= every or record.presentations >= total:
            printed["at"] = record.presentations
            print(f"{label}: {record.presentations}/{total} presentations, "
                  f"{60 * record.presentations / record.wall_s:.0f}/min", flush=True)
    return report


def train_spiking(x_train: np.ndarray, x_valid: np.ndarray, start: TrainedModel,
                  config: SpikingTrainConfig, *, n_presentations: int, seed: int, out_dir,
                  resume: bool = False, dataset_name: str = "unknown",
                  eval_every: int = 20, checkpoint_every: int = 5, n_prior: int = 1000,
                  prior_window: int = 2000, shuffle: bool = True,
                  on_run: Callable[[RunRecord], None] | None = None,
                  on_eval: Callable[[dict], None] | None = None,
                  say: Callable[[str], None] = lambda m: None,
                  net: AreaNetwork | None = None, parallel=None) -> TrainedModel:
    """Train ``start``'s model in the spiking network on ``n_presentations`` digits.

    Parameters
    ----------
    x_train, x_valid : (n, n_x) pixels in [0, 1]; digits are presented in a fresh random
        order per pass over ``x_train``.
    start : the model to continue from (a rate-trained one, or :func:`initial_model`).
    eval_every : binary runs between validation measurements (``history``).
    checkpoint_every : binary runs between checkpoints.
    n_prior : training digits whose spike-decoded h2 fit the final prior.
    shuffle : a fresh random order per pass over ``x_train``; ``False`` presents ``x_train``
        in its own order (to feed two learners the same sequence): presentation k is digit
        k mod len(x_train), also when a run resumes on a longer ``x_train`` than it began.
    net : an already compiled learning network of this shape and ``config`` (else one is
        built, and released at the end).
    parallel : a :class:`spiking_em.spiking.parallel.ParallelLearner`: every step is a round
        of its blocks on a Dask cluster (the weights move by the sum of the blocks' changes);
        ``eval_every`` and ``checkpoint_every`` then count rounds. A run resumes only with
        the same number of blocks.

    Returns
    -------
    The trained model, also written to ``out_dir/model.npz``.
    """
    n_x = start.params.sizes[0]
    x_train = check_batch("x_train", x_train, n_x, low=0.0, high=1.0)
    x_valid = check_batch("x_valid", x_valid, n_x, low=0.0, high=1.0)
    check_positive_int("n_presentations", n_presentations)
    out_dir = Path(out_dir)
    ckpt = out_dir / CHECKPOINT_FILE
    x_reference = x_train[:config.n_reference]
    inference = InferenceConfig(config.n_steps, config.delta, config.alpha)
    rng = np.random.default_rng(seed)
    state = {"params": start.params.astype(np.float64), "done": 0, "order": None,
             "cursor": 0, "h2_buffer": np.zeros((0, start.params.sizes[2])), "history": [],
             "runs": 0, "wall_s": 0.0, "run_s": 0.0, "events": 0,
             "seen": np.zeros(len(x_train), dtype=np.int64)}
    prior = start.prior
    blocks = None if parallel is None else parallel.blocks
    if resume:
        state, prior, rng = _restore(ckpt, config, seed, dataset_name, n_presentations, start,
                                     blocks)
        state["seen"] = _grown(state["seen"], len(x_train))
        say(f"resumed at presentation {state['done']}")
    elif ckpt.exists() or (out_dir / TrainedModel.FILE).exists():
        raise FileExistsError(f"{out_dir} holds a previous run; pass --resume to continue it "
                              "or choose another --out")
    own_net = net is None and parallel is None
    if own_net:
        say("building the learning network (one compilation for the whole run)")
        transfer, _ = fitted_transfer(config.network.lif, r_max_hz=config.network.r_max_hz)
        net = AreaNetwork(start.params.sizes, config.variant, config.network, transfer, seed=seed,
                          learning=config.teaching)
    elif parallel is None and _mismatched(net, start, config):
        raise ValueError(f"the network given was built for {net.sizes} and other settings; "
                         "build it with the start model's shape and this configuration")
    if not state["history"]:
        state["history"].append({"presentations": 0,
                                 **validation_metrics(state["params"], x_valid, inference)})
        if on_eval is not None:
            on_eval(state["history"][-1])
    with deferred_interrupt() as interrupted:
        while state["done"] < n_presentations:
            t0 = time.perf_counter()
            before = _position(state, rng)
            try:
                per_step = config.digits_per_run if parallel is None else \
                    parallel.digits_per_step
                chunk = _next_digits(state, x_train, rng,
                                     min(per_step, n_presentations - state["done"]), shuffle)
                codes = codes_for(state["params"], prior, x_reference, config)
                if parallel is None:
                    run = teach(net, state["params"], codes, chunk, config, rng=rng)
                else:
                    run = parallel.step(state["params"], codes, chunk, rng)
            except KeyboardInterrupt:   # the binary died of the Ctrl-C: this run is not done
                _rewind(state, rng, before)
                _save(ckpt, state, rng, config, seed, dataset_name, n_presentations, blocks)
                raise
            if not all(np.all(np.isfinite(v)) for v in run.params.as_dict().values()):
                raise ValueError("the spiking network's weights became NaN or inf; the last "
                                 "checkpoint was kept: lower --eta")
            state["params"] = run.params
            state["h2_buffer"] = np.concatenate([state["h2_buffer"], run.h2])[-prior_window:]
            prior = _prior(state["h2_buffer"], config, start.prior)
            state["done"] += len(chunk)
            state["runs"] += 1
            state["wall_s"] += time.perf_counter() - t0
            state["run_s"] += run.run_s
            state["events"] += run.n_events
            if on_run is not None:
                on_run(RunRecord(state["done"], state["wall_s"], state["run_s"],
                                 state["events"]))
            last = state["done"] >= n_presentations
            if state["runs"] % eval_every == 0 or last:
                state["history"].append({"presentations": state["done"],
                                         **validation_metrics(state["params"], x_valid,
                                                              inference)})
                if on_eval is not None:
                    on_eval(state["history"][-1])
            if state["runs"] % checkpoint_every == 0 or last or interrupted["set"]:
                _save(ckpt, state, rng, config, seed, dataset_name, n_presentations, blocks)
            if interrupted["set"]:
                raise KeyboardInterrupt
    say(f"fitting p(h2) on h2 decoded from the network's spikes ({n_prior} digits)")
    codes = codes_for(state["params"], prior, x_reference, config)
    if parallel is None:
        h2 = spike_h2(net, state["params"], codes, x_train[:n_prior], config,
                      rng=np.random.default_rng(seed + 1))
    else:
        h2 = parallel.h2(state["params"], codes, x_train[:n_prior], seed + 1)
    if own_net:
        device.reset()
    final_prior = spike_prior(h2, config.prior_factor)
    model = TrainedModel(
        params=state["params"].astype(np.float32),
        prior=GaussianPrior(final_prior.mean.astype(np.float32),
                            final_prior.std.astype(np.float32)),
        config=start.config,
        meta={"seed": seed, "dataset": dataset_name, "trained_by": "spiking network",
              "spiking": {"config": config.as_dict(), "presentations": state["done"],
                          "history": state["history"], "binary_runs": state["runs"],
                          "wall_s": state["wall_s"], "binary_run_s": state["run_s"],
                          "synaptic_events": state["events"],
                          **presented(state["seen"]),
                          "compilations": 1 if parallel is None else "one per worker",
                          "parallel_blocks": blocks,
                          "prior_digits": int(min(n_prior, len(x_train)))},
              "start": start.meta, "version": __version__})
    model.save(out_dir)
    return model


def _mismatched(net: AreaNetwork, start: TrainedModel, config) -> bool:
    """Whether ``net`` was built for another shape or other settings than the run's."""
    return (net.sizes != start.params.sizes or net.learning != config.teaching
            or net.config != config.network or net.variant != config.variant)


def _next_digits(state: dict, x: np.ndarray, rng: np.random.Generator, n: int,
                 shuffle: bool = True) -> np.ndarray:
    """The next ``n`` digits: of the current pass in a random order (a new permutation when
    one ends), or, when not ``shuffle``, digits done, done + 1, ... of ``x`` (cyclically).
    Counts every digit presented in ``state["seen"]``."""
    if not shuffle:
        picked = [(state["done"] + np.arange(n)) % len(x)]
    else:
        picked = []
        while n > 0:
            if state["order"] is None or state["cursor"] >= len(state["order"]):
                state["order"], state["cursor"] = rng.permutation(len(x)), 0
            take = state["order"][state["cursor"]:state["cursor"] + n]
            picked.append(take)
            state["cursor"] += len(take)
            n -= len(take)
    index = np.concatenate(picked)
    np.add.at(state["seen"], index, 1)
    return x[index]


def _position(state: dict, rng: np.random.Generator) -> dict:
    """What a binary run changes before its weights are in: the digit order, the counts of
    digits seen and the Generator (restored by :func:`_rewind` when the run is interrupted)."""
    return {"order": state["order"], "cursor": state["cursor"], "seen": state["seen"].copy(),
            "rng": rng.bit_generator.state}


def _rewind(state: dict, rng: np.random.Generator, position: dict) -> None:
    state.update(order=position["order"], cursor=position["cursor"], seen=position["seen"])
    rng.bit_generator.state = position["rng"]


def presented(seen: np.ndarray) -> dict:
    """Distinct digits presented and repeats (presentations beyond each digit's first)."""
    distinct = int(np.count_nonzero(seen))
    return {"distinct_digits": distinct, "repeats": int(np.sum(seen)) - distinct}


def _grown(seen: np.ndarray, n: int) -> np.ndarray:
    """``seen`` for a training set of ``n`` digits (a resumed run may have more)."""
    out = np.zeros(max(n, len(seen)), dtype=np.int64)
    out[:len(seen)] = seen
    return out


def _save(path: Path, state: dict, rng, config, seed, dataset_name, n_presentations,
          blocks=None) -> None:
    arrays = dict(state["params"].as_dict())
    arrays["h2_buffer"] = state["h2_buffer"]
    arrays["seen"] = state["seen"]
    if state["order"] is not None:
        arrays["order"] = state["order"]
    meta = {k: state[k] for k in ("done", "cursor", "history", "runs", "wall_s", "run_s",
                                  "events")}
    meta.update(rng_state=rng.bit_generator.state, config=config.as_dict(), seed=seed,
                dataset=dataset_name, n_presentations=n_presentations, version=__version__,
                parallel_blocks=blocks)
    checkpoint.save_atomic(path, arrays, meta)


def check_resumable(meta: dict, path: Path, config, seed, dataset_name, blocks=None) -> None:
    """Refuse to resume a spiking checkpoint (its metadata ``meta``) with another data set,
    seed, settings or number of parallel blocks; the message names the options to repeat."""
    if meta.get("parallel_blocks") != blocks:
        saved = meta.get("parallel_blocks")
        raise ValueError(f"{path} was trained " + (f"with --workers {saved}" if saved else
                                                   "in one process (no --workers)")
                         + "; resume with the same")
    if meta.get("dataset") != dataset_name or meta.get("seed") != seed:
        raise ValueError(f"{path} was trained with --dataset {meta.get('dataset')} --seed "
                         f"{meta.get('seed')}; resume with the same ones")
    saved = dict(meta.get("config") or {})
    saved.setdefault("variant", "spiking")   # checkpoints written before the option existed
    if "sample" in saved:                     # ... and before the sample's floor and baseline
        saved["sample"] = {"floor_h1": 0.0, "floor_h2": 0.0, "baseline_x": 0.0,
                           **saved["sample"]}
    if "teaching" in saved:                   # ... and before the learn event (same numbers)
        saved["teaching"] = {"learn_event": True, "pixel_off": False, **saved["teaching"]}
    if saved != _roundtrip(config.as_dict()):
        raise ValueError(f"{path} was written with other spiking settings (--eta, --neurons, "
                         "--coarse, --teach-slots, --ff-slots, --sample-slots, --sample-rate, "
                         "--sample-floor, --sample-baseline or "
                         "--digits-per-run); resume with the same ones")


def _restore(path: Path, config, seed, dataset_name, n_presentations, start: TrainedModel,
             blocks=None):
    if not path.is_file():
        raise FileNotFoundError(f"--resume: no spiking checkpoint at {path}; drop --resume to "
                                "start a new run")
    arrays, meta = checkpoint.load(path)
    check_resumable(meta, path, config, seed, dataset_name, blocks)
    try:
        params = Params.from_dict(arrays)
        state = {"params": params.astype(np.float64), "order": arrays.get("order"),
                 "h2_buffer": arrays["h2_buffer"], "seen": arrays["seen"].astype(np.int64),
                 **{k: meta[k] for k in ("done", "cursor", "history", "runs", "wall_s",
                                         "run_s", "events")}}
        rng = np.random.default_rng()
        rng.bit_generator.state = meta["rng_state"]
    except checkpoint.READ_ERRORS as exc:
        raise checkpoint.CorruptFileError(f"{path} is not a spiking-em spiking checkpoint "
                                          f"({type(exc).__name__}: {exc})") from exc
    if params.sizes != start.params.sizes:
        raise ValueError(f"{path} holds a {params.sizes} model, the start model is "
                         f"{start.params.sizes}")
    return state, _prior(state["h2_buffer"], config, start.prior), rng


#: spike-decoded h2 of this many digits before their prior replaces the start model's
MIN_PRIOR_DIGITS = 200


def _prior(h2_buffer: np.ndarray, config, fallback: GaussianPrior) -> GaussianPrior:
    """The prior the codes use: fitted on the network's own h2 once enough digits are in."""
    if len(h2_buffer) < MIN_PRIOR_DIGITS:
        return fallback
    return spike_prior(h2_buffer, config.prior_factor)


def _roundtrip(d: dict) -> dict:
    import json
    return json.loads(json.dumps(d))
