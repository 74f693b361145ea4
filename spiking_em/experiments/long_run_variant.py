"""A variant of the long run's spiking learner: the same start model, digits, order, η, network
and Dask rounds as ``simulations/spiking_at_scale.py``'s, with one setting changed (the pixels'
baseline, the weak sample, ...), learned to a count of digits and kept there with its
evaluation by the long run's protocol.

A variant's folder holds ``spiking/`` (the learner's checkpoint, which a longer run continues)
and ``at-N/`` for every count N it was kept at (``model.npz``, ``evaluation.json``, and what
else the script measured there).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from spiking_em import atomic
from spiking_em.experiments import at_scale
from spiking_em.model.trained import TrainedModel

#: the data set name the long run's learners record
DATASET_NAME = at_scale.DATASET_NAME
#: 100 GENERATE samples of a kept model, beside its evaluation (as the long run keeps them)
SAMPLES_FILE = "samples.npy"


def check_own_checkpoint(runs: Path, config, seed: int, workers: int) -> Path:
    """The variant's spiking checkpoint in ``runs/spiking``; raises ``ValueError`` naming it if
    it exists but was written with other settings, seed or number of workers (before any work)."""
    from spiking_em.model import checkpoint
    from spiking_em.spiking.trainer import CHECKPOINT_FILE, check_resumable
    own = Path(runs) / "spiking" / CHECKPOINT_FILE
    if own.exists():
        try:
            check_resumable(checkpoint.load(own)[1], own, config, seed, DATASET_NAME, workers)
        except checkpoint.CorruptFileError as exc:
            raise ValueError(str(exc)) from exc
    return own


def snapshot(runs: Path, n: int) -> Path:
    """Where the variant's model after ``n`` digits is kept."""
    return Path(runs) / f"at-{n}"


def learn_to(runs: Path, n: int, config, sequence, x_valid, start: TrainedModel, *, seed: int,
             workers: int, scheduler: str | None, say: Callable[[str], None],
             measure: tuple[str, Callable] | None = None) -> TrainedModel:
    """The variant's model after the first ``n`` digits of ``sequence``: learned on ``workers``
    Dask workers (or the cluster at ``scheduler``) from ``start``, continuing its checkpoint,
    and kept in :func:`snapshot`; loaded from there when kept before. ``measure`` = (file name,
    function): ``function(learner, model)`` runs on the same cluster after learning and its
    JSON-able result is kept in ``at-N/<file name>``, unless kept before."""
    from spiking_em.spiking.parallel import ParallelLearner, open_client
    from spiking_em.spiking.trainer import CHECKPOINT_FILE, progress_lines, train_spiking
    snap = snapshot(runs, n)
    learned = (snap / TrainedModel.FILE).exists()
    measured = measure is None or (snap / measure[0]).exists()
    if learned and measured:
        return TrainedModel.load(snap)
    client, cluster, where = open_client(workers, scheduler)
    try:
        say(f"spiking learner on {where}")
        learner = ParallelLearner(client, config, workers, net_seed=seed)
        if not learned:
            own = Path(runs) / "spiking"
            model = train_spiking(sequence[:n], x_valid, start, config, n_presentations=n,
                                  seed=seed, out_dir=own,
                                  resume=(own / CHECKPOINT_FILE).exists(), shuffle=False,
                                  dataset_name=DATASET_NAME, eval_every=10, parallel=learner,
                                  on_run=progress_lines("spiking", n))
            model.save(snap)
        model = TrainedModel.load(snap)
        if not measured:
            name, function = measure
            atomic.write_json(snap / name, function(learner, model))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return model


def evaluated(runs: Path, n: int, model: TrainedModel, dataset, *, seed: int,
              say: Callable[[str], None]) -> dict:
    """The long run's evaluation of the variant's model at ``n`` digits (Parzen LL of 10,000
    GENERATE samples, Fréchet distance and classes, in-painting, ancestral Parzen LL), kept in
    ``at-N/evaluation.json`` with 100 of its GENERATE samples in ``at-N/samples.npy`` (about a
    minute the first time; a kept evaluation without samples is re-run for them, deterministic
    with ``seed``, and keeps its numbers)."""
    import numpy as np
    snap = snapshot(runs, n)
    path, images = snap / "evaluation.json", snap / SAMPLES_FILE
    if not (path.exists() and images.exists()):
        say(f"evaluating at {n} digits (GENERATE {at_scale.EVAL_CONFIG.n_samples} samples, "
            "Parzen, Fréchet, in-painting)")
        from spiking_em.evaluation.classifier import mnist_classifier
        row, samples = at_scale.evaluate_snapshot(model, dataset, mnist_classifier(dataset),
                                                  at_scale.EVAL_CONFIG, seed=seed)
        atomic.write_atomic(images, lambda f: np.save(f, samples))
        if not path.exists():
            atomic.write_json(path, row)
    return json.loads(path.read_text())


def kept_samples(runs: Path, n: int):
    """The 100 GENERATE samples kept with the evaluation at ``n`` digits (N x 784 in [0, 1]),
    None if there are none."""
    import numpy as np
    images = snapshot(runs, n) / SAMPLES_FILE
    return np.load(images) if images.exists() else None


def learner_row(runs: Path, n: int) -> dict | None:
    """A kept, evaluated spiking model's row at ``n`` digits: its evaluation, with the digits it
    saw (distinct, repeats), its speed and validation reconstruction; None if not there."""
    snap = snapshot(runs, n)
    if not (snap / "evaluation.json").exists():
        return None
    meta = TrainedModel.load(snap).meta["spiking"]
    return {**json.loads((snap / "evaluation.json").read_text()), "run_dir": str(snap),
            "presentations": meta["presentations"], "distinct_digits": meta["distinct_digits"],
            "repeats": meta["repeats"],
            "presentations_per_minute": 60 * meta["presentations"] / meta["wall_s"],
            "valid_reconstruction": meta["history"][-1]["valid_reconstruction"]}
