"""A trained model on disk: parameters, the fitted prior p(h2), and the settings that made it."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spiking_em import checkpoint
from spiking_em.config import TrainConfig
from spiking_em.inference import GaussianPrior
from spiking_em.layers import Params

MODEL_FILE = "model.npz"


@dataclass
class TrainedModel:
    """Parameters + prior + training settings + provenance (seed, data set, history)."""

    params: Params
    prior: GaussianPrior
    config: TrainConfig
    meta: dict

    def save(self, run_dir) -> Path:
        arrays = dict(self.params.as_dict())
        arrays["prior/mean"] = self.prior.mean
        arrays["prior/std"] = self.prior.std
        meta = dict(self.meta, config=self.config.as_dict())
        return checkpoint.save_atomic(Path(run_dir) / MODEL_FILE, arrays, meta)

    @classmethod
    def load(cls, run_dir) -> "TrainedModel":
        path = Path(run_dir)
        if path.is_dir():
            path = path / MODEL_FILE
        if not path.is_file():
            raise FileNotFoundError(
                f"no trained model at {path}; run `spiking-em train --out {Path(run_dir)}` "
                "first (a run that is still training has only checkpoint.npz)")
        arrays, meta = checkpoint.load(path)
        params = Params.from_dict(arrays)
        prior = GaussianPrior(mean=arrays["prior/mean"], std=arrays["prior/std"])
        config = TrainConfig.from_dict(meta.pop("config"))
        return cls(params=params, prior=prior, config=config, meta=meta)
