"""What a learner from scratch starts from and how its learning curve is measured, shared by
the spiking network's trainer and the numpy learner it is compared with: the untrained model
and the validation measurements (numpy, no corruption)."""
from __future__ import annotations

import numpy as np

from spiking_em.model.config import InferenceConfig, TrainConfig
from spiking_em.model.layers import Params, init_params
from spiking_em.model.learning import local_losses_and_grads
from spiking_em.model.sampling import fit_prior
from spiking_em.model.trained import TrainedModel
from spiking_em.model.training import infer_all, reconstruction_error


def validation_metrics(params: Params, x_valid: np.ndarray, inference: InferenceConfig) -> dict:
    """The four local losses on ``x_valid``, without corruption and under the ``paper``
    preset's corruptions (one fixed draw of the noise, seed 0: the same for every learner and
    every measurement), and the feed-forward reconstruction error, computed by numpy: the
    learning curves' y-axes. The corrupted losses judge denoisers of any corruption alike (the
    clean ones favour the learner that saw the least noise)."""
    from spiking_em.data.corruption import Corruption
    from spiking_em.model.config import LayerCorruptions
    h1, h2 = infer_all(x_valid, params, inference)
    out = {}
    for key, corruptions in (("local_losses", LayerCorruptions(*(Corruption() for _ in range(4)))),
                             ("local_losses_paper_noise", LayerCorruptions.paper())):
        losses, _ = local_losses_and_grads(x_valid, h1, h2, params, corruptions,
                                           rng=np.random.default_rng(0))
        out[key] = {k: float(v) for k, v in losses.items()}
    return {**out, "valid_reconstruction": reconstruction_error(x_valid, params)}


def initial_model(sizes, x_train: np.ndarray, *, seed: int) -> TrainedModel:
    """An untrained model (the rate trainer's initialisation) with the prior its numpy
    INFERENCE gives on ``x_train``: the starting point of learning from scratch."""
    params = init_params(sizes, rng=np.random.default_rng(seed), dtype=np.float32)
    config = TrainConfig.paper(n_hidden1=sizes[1], n_hidden2=sizes[2])
    _, h2 = infer_all(x_train, params, config.inference)
    return TrainedModel(params=params, prior=fit_prior(h2), config=config,
                        meta={"seed": seed, "initialisation": "init_params"})


def kept_initial_model(directory, sizes, x_train: np.ndarray, *, seed: int) -> TrainedModel:
    """The untrained model kept in ``directory`` (made by :func:`initial_model` on the first
    1000 digits of ``x_train`` and saved there the first time): the common start that runs of
    one experiment, and a run resumed later, share."""
    from pathlib import Path
    if not (Path(directory) / TrainedModel.FILE).exists():
        initial_model(sizes, x_train[:1000], seed=seed).save(directory)
    return TrainedModel.load(directory)
