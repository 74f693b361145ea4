"""Learning from scratch: the spiking network beside the numpy trainer, digit for digit.

The learners start from the same untrained model (the rate trainer's initialisation), see
the same digits in the same order (:func:`digit_sequence`) and are compared at the same number
of examples seen, each taking one SGD step per digit at a learning rate picked from the same
grid: the one with the lowest total validation local loss *under the paper preset's
corruption* (the sum of the four maps' losses, the quantity a denoising M-step descends, with
one fixed draw of the paper's noise) after the first ``n_select`` digits. That judge is
neutral between denoisers of different corruption sizes; the clean losses favour the learner
that saw the least noise.

- the spiking learners are :func:`spiking_em.spiking.trainer.train_spiking` (INFERENCE and the
  ΔW ∝ S_pre · dV_post/dt teaching in the Brian2 areas, one digit at a time, η per digit) with
  the network's own spikes as the corruption, at the paper's size (``spiking_paper_noise``,
  :meth:`SampleConfig.paper_noise`), at the paper's size with a floor of half a spike on every
  h1 and h2 neuron (``spiking_paper_floor``, :meth:`SampleConfig.paper_noise_floor`: the
  corruption jitters every unit instead of dropping most of them to their centre) or at the
  code's own rates (``spiking_weak_noise``, 10-30x smaller);
- the numpy learner is the rate trainer's Algorithm 2 step (numpy INFERENCE, the paper's
  corruptions and local squared-error losses) with plain SGD on one digit at a time, fed the
  sequence in order instead of its own shuffling (:func:`train_rate_on_sequence`).

A learner's selection run is the first ``n_select`` digits of its full run: the chosen rate's
run continues from its checkpoint, so nothing is trained twice.

Every run function here returns a JSON-able dict and keeps its model in its own folder, so the
runs can go through :mod:`spiking_em.sweep` and a killed experiment resumes where it stopped.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from spiking_em.model.config import TrainConfig
from spiking_em.model.inference import infer
from spiking_em.model.learning import local_losses_and_grads, make_optimizer
from spiking_em.model.sampling import fit_prior
from spiking_em.model.trained import TrainedModel
from spiking_em.model.training import infer_all
from spiking_em.spiking.replay import SampleConfig
from spiking_em.spiking.teaching import SpikingTrainConfig

#: the spiking learners: the sample phase that sets each one's corruption
SPIKING_LEARNERS = {"spiking_paper_noise": SampleConfig.paper_noise(),
                    "spiking_weak_noise": SampleConfig(),
                    "spiking_paper_floor": SampleConfig.paper_noise_floor()}
#: the learners the denoising issue's targets compare (:func:`targets`)
TARGET_LEARNERS = ("numpy", "spiking_paper_noise", "spiking_weak_noise")
#: the validation losses that choose the learning rates (see the module docstring)
SELECTION_LOSSES = "local_losses_paper_noise"
#: learning rates tried for every learner (η of the synapses; numpy's SGD step per digit)
LEARNING_RATE_GRID = (3e-4, 1e-3, 3e-3, 1e-2)
#: validation measurements every this many binary runs of the spiking learner (its trainer's
#: ``eval_every``), and the selection runs' length in binary runs
EVAL_RUNS, SELECT_RUNS = 20, 60
#: the same in digits, for the default spiking configuration (both learners measure at the
#: same digit counts): 340 and 1020 at 17 digits per binary run
EVAL_EVERY = EVAL_RUNS * SpikingTrainConfig().digits_per_run
N_SELECT = SELECT_RUNS * SpikingTrainConfig().digits_per_run


def digit_sequence(x_train: np.ndarray, n: int, seed: int) -> np.ndarray:
    """The ``n`` training digits both learners see, in the order they see them (a seeded
    permutation of the training set, repeated if ``n`` exceeds it)."""
    rng = np.random.default_rng([seed, 12])
    order = np.concatenate([rng.permutation(len(x_train))
                            for _ in range(-(-n // len(x_train)))])[:n]
    return x_train[order]


def rate_config(sizes, learning_rate: float) -> TrainConfig:
    """The numpy learner's settings: the ``paper`` preset's corruptions and INFERENCE, plain
    SGD on one digit at a time at ``learning_rate``."""
    return TrainConfig.paper(n_hidden1=sizes[1], n_hidden2=sizes[2], optimizer="sgd",
                             momentum=0.0, batch_size=1, learning_rate=learning_rate, epochs=1)


def train_rate_on_sequence(start: TrainedModel, sequence: np.ndarray, x_valid: np.ndarray,
                           config: TrainConfig, *, seed: int, eval_every: int = EVAL_EVERY,
                           n_prior: int = 10_000, also_at: tuple = (),
                           on_snapshot=None) -> TrainedModel:
    """The rate trainer's E-step and M-step on ``sequence`` in order, minibatch after
    minibatch (a last partial minibatch is dropped), from ``start``'s parameters.

    ``meta["history"]`` holds the validation metrics (:func:`validation_metrics`) at 0 and
    every ``eval_every`` examples (and at the counts in ``also_at``); the prior is fitted on
    numpy-inferred h2 of the first ``n_prior`` digits of the sequence. ``on_snapshot(done,
    params)`` is called after the minibatch that ends at each count in ``also_at`` (the
    parameters as they are then; copy them to keep them).
    """
    from spiking_em.model.start import validation_metrics
    params = start.params.astype(np.dtype(config.dtype))
    optimizer = make_optimizer(config, params)
    rng = np.random.default_rng(seed)
    bs = config.batch_size
    history = [{"presentations": 0, **validation_metrics(params, x_valid, config.inference)}]
    n_batches = len(sequence) // bs
    for b in range(n_batches):
        x = sequence[b * bs:(b + 1) * bs].astype(config.dtype, copy=False)
        h1, h2 = infer(x, params, config.inference)
        losses, grads = local_losses_and_grads(x, h1, h2, params, config.corruptions, rng=rng)
        optimizer.update(params, grads)
        done = (b + 1) * bs
        if on_snapshot is not None and done in also_at:
            on_snapshot(done, params)
        if done % eval_every < bs or done in also_at or b == n_batches - 1:
            if not all(np.all(np.isfinite(v)) for v in params.as_dict().values()):
                history.append({"presentations": done, "diverged": True})
                break
            history.append({"presentations": done,
                            **validation_metrics(params, x_valid, config.inference)})
    _, h2 = infer_all(sequence[:n_prior], params, config.inference)
    return TrainedModel(params=params, prior=fit_prior(h2), config=config,
                        meta={"seed": seed, "trained_by": "numpy (rate trainer's step)",
                              "history": history, "presentations": n_batches * bs})


def total_local_loss(history: list[dict], at: int, key: str = SELECTION_LOSSES) -> float:
    """The sum of the four validation local losses ``key`` at ``at`` digits (inf if diverged
    before)."""
    for h in history:
        if h.get("diverged"):
            return float("inf")
        if h["presentations"] == at:
            return float(sum(h[key].values()))
    raise ValueError(f"no validation measurement at {at} digits in this run's history")


def rate_run(start_dir: str, sequence_file: str, valid_file: str, learning_rate: float, *,
             n_presentations: int, seed: int, out_dir: str, n_select: int = N_SELECT) -> dict:
    """One numpy run of the experiment (a sweep task): trains, saves, returns its history."""
    out = Path(out_dir)
    model = TrainedModel.load(out) if (out / TrainedModel.FILE).exists() else None
    if model is None or model.meta.get("presentations", 0) < n_presentations:
        start = TrainedModel.load(start_dir)
        sequence = np.load(sequence_file)[:n_presentations]
        config = rate_config(start.params.sizes, learning_rate)
        model = train_rate_on_sequence(start, sequence, np.load(valid_file), config, seed=seed,
                                       also_at=(n_select,))
        model.save(out)
    return {"learner": "numpy", "learning_rate": learning_rate,
            "presentations": model.meta["presentations"], "history": model.meta["history"],
            # the numpy learner presents sequence[:n] once, in order
            "distinct_digits": int(model.meta["presentations"]), "repeats": 0,
            "selection_loss": total_local_loss(model.meta["history"], n_select),
            "run_dir": str(out)}


def spiking_run(start_dir: str, sequence_file: str, valid_file: str, eta: float, *,
                n_presentations: int, seed: int, out_dir: str, n_prior: int = 1000,
                n_select: int = N_SELECT, quick: bool = False,
                learner: str = "spiking_weak_noise") -> dict:
    """One spiking run of the experiment (a sweep task): trains ``learner`` (a key of
    :data:`SPIKING_LEARNERS`) in the Brian2 network on the first ``n_presentations`` digits of
    the sequence, continuing the run in ``out_dir`` (a cut-short run, or a shorter selection
    run) from its checkpoint."""
    from spiking_em.spiking.trainer import CHECKPOINT_FILE, progress_lines, train_spiking
    out = Path(out_dir)
    model = TrainedModel.load(out) if (out / TrainedModel.FILE).exists() else None
    if model is None or model.meta["spiking"]["presentations"] < n_presentations:
        start = TrainedModel.load(start_dir)
        sequence = np.load(sequence_file)[:n_presentations]
        config = SpikingTrainConfig(eta=eta, sample=SPIKING_LEARNERS[learner])
        config = config.packing(3) if quick else config
        try:
            model = train_spiking(sequence, np.load(valid_file), start, config,
                                  n_presentations=n_presentations, seed=seed, out_dir=out,
                                  resume=(out / CHECKPOINT_FILE).exists(), shuffle=False,
                                  n_prior=n_prior, dataset_name="mnist-sequence",
                                  eval_every=EVAL_RUNS,
                                  on_run=progress_lines(out.name, n_presentations))
        except ValueError as exc:   # weights became NaN/inf: this rate is too large
            if "NaN" not in str(exc):
                raise
            return {"learner": learner, "learning_rate": eta, "diverged": str(exc),
                    "history": [], "selection_loss": float("inf"), "run_dir": str(out)}
    spiking = model.meta["spiking"]
    history = spiking["history"]
    return {"learner": learner, "learning_rate": eta, "presentations": spiking["presentations"],
            "distinct_digits": spiking.get("distinct_digits"), "repeats": spiking.get("repeats"),
            "history": history, "selection_loss": total_local_loss(history, n_select),
            "run_dir": str(out),
            "speed": {"presentations_per_minute": 60 * spiking["presentations"]
                      / spiking["wall_s"], "wall_s": spiking["wall_s"],
                      "synaptic_events_per_binary_s": spiking["synaptic_events"]
                      / spiking["binary_run_s"], "compilations": spiking["compilations"]}}


def best_learning_rate(results: list[dict]) -> float:
    """The grid point with the lowest total validation local loss after the selection digits."""
    return min(results, key=lambda r: r["selection_loss"])["learning_rate"]


def headline(metrics: dict) -> dict:
    """The numbers the comparison reports from ``evaluate_model``'s metrics."""
    return {k: metrics[k] for k in ("parzen_ll_generate", "parzen_ll_ancestral", "inpaint_mse",
                                    "inpaint_mse_mean_image", "parzen_sigma")
            if k in metrics}


def untrained_with_prior(start: TrainedModel, x: np.ndarray) -> TrainedModel:
    """``start`` with its prior refitted on numpy-inferred h2 of ``x`` (the untrained row)."""
    _, h2 = infer_all(x, start.params, start.config.inference)
    return replace(start, prior=fit_prior(h2))


def summary(learners, evaluated: dict, quality: dict, finals: dict) -> dict:
    """Per learner: the issue's headline keys (Parzen LL of GENERATE in nats, Fréchet distance
    of its GENERATE samples to test images and the classes they cover, in-painting MSE,
    distinct digits and repeats) with the learning rate and presentations."""
    out = {}
    for learner in learners:
        m, q, run = evaluated[learner], quality[f"{learner}_generate"], finals[learner]
        out[learner] = {"parzen_generate": m["parzen_ll_generate"]["mean"],
                        "parzen_generate_se": m["parzen_ll_generate"]["se"],
                        "frechet_generate": q["frechet_distance"],
                        "classes_generate": q["classes_present"],
                        "inpaint_mse": m["inpaint_mse"]["mean"],
                        "distinct_digits": run["distinct_digits"], "repeats": run["repeats"],
                        "learning_rate": run["learning_rate"],
                        "presentations": run["presentations"]}
    return out


def targets(summary: dict) -> dict:
    """The denoising issue's targets: the paper-noise spiking learner within 10 nats of numpy,
    its Fréchet distance no worse, every learner with no repeats; and the answer to whether
    the paper-sized noise beats the weak noise (Parzen LL and Fréchet distance)."""
    paper, weak, num = (summary[k] for k in ("spiking_paper_noise", "spiking_weak_noise",
                                             "numpy"))
    gap = num["parzen_generate"] - paper["parzen_generate"]
    return {"parzen_gap_paper_noise_vs_numpy": gap, "parzen_within_10": gap <= 10,
            "frechet_paper_noise_over_numpy": paper["frechet_generate"]
            / num["frechet_generate"],
            "frechet_no_worse": paper["frechet_generate"] <= num["frechet_generate"],
            "no_repeats": all(r["repeats"] == 0 for r in summary.values()),
            "paper_noise_minus_weak_parzen": paper["parzen_generate"]
            - weak["parzen_generate"],
            "paper_noise_minus_weak_frechet": paper["frechet_generate"]
            - weak["frechet_generate"],
            **_floor_targets(summary)}


def _floor_targets(summary: dict) -> dict:
    """The floor learner against numpy (the same 10-nat target) and the other spiking ones."""
    if "spiking_paper_floor" not in summary:
        return {}
    floor, num = summary["spiking_paper_floor"], summary["numpy"]
    gap = num["parzen_generate"] - floor["parzen_generate"]
    return {"parzen_gap_paper_floor_vs_numpy": gap, "paper_floor_parzen_within_10": gap <= 10,
            "paper_floor_frechet_no_worse": floor["frechet_generate"]
            <= num["frechet_generate"],
            "paper_floor_minus_paper_noise_parzen": floor["parzen_generate"]
            - summary["spiking_paper_noise"]["parzen_generate"],
            "paper_floor_minus_weak_parzen": floor["parzen_generate"]
            - summary["spiking_weak_noise"]["parzen_generate"]}


def merge_into_denoising(path, summary: dict, targets_met: dict, settings: dict,
                         key: str = "from_scratch") -> None:
    """Write ``key`` (a ``from_scratch...`` comparison) and its targets and settings
    (``key_targets``, ``key_settings``) into the denoising results file, keeping everything
    else it holds."""
    import json

    from spiking_em import atomic
    path = Path(path)
    results = json.loads(path.read_text()) if path.exists() else {}
    results[key] = summary
    results[f"{key}_targets"] = targets_met
    results[f"{key}_settings"] = settings
    atomic.write_json(path, results)
