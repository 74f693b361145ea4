"""A trained model on disk: parameters, the fitted prior p(h2), and the settings that made it."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from spiking_em.model import checkpoint
from spiking_em.model.config import TrainConfig
from spiking_em.model.inference import GaussianPrior
from spiking_em.model.layers import Params

MODEL_FILE = "model.npz"


@dataclass
class TrainedModel:
    """Parameters + prior + training settings + provenance (seed, data set, history)."""

    FILE = MODEL_FILE

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
        try:
            params = Params.from_dict(arrays)
            prior = GaussianPrior(mean=arrays["prior/mean"], std=arrays["prior/std"])
            config = TrainConfig.from_dict(meta.pop("config"))
        except checkpoint.READ_ERRORS as exc:
            raise checkpoint.CorruptFileError(
                f"{path} is not a spiking-em model ({type(exc).__name__}: {exc}); re-run "
                "`spiking-em train` to write it") from exc
        return cls(params=params, prior=prior, config=config, meta=meta)
