"""Does a pixel code with a baseline rate matter? The spiking learner's pixel corruption in the
rate twin, with and without a baseline.

The spiking network codes a pixel of value v by Poisson-like spikes at ``pixel_rate_hz * v``;
a black pixel fires nothing, so the corruption never reaches the background, and the f1
weights from pixels that are black in every digit never change (their presynaptic factor is
always 0: ΔW ∝ S_pre · dV/dt). GENERATE then encodes decoded samples, whose background is not
exactly black, through weights that kept their random initialisation. This module trains the
numpy learner (batch 1, the ``paper`` preset's corruptions for h1 and h2) on the same digits
with x corrupted before f1 by

- ``gaussian``: the paper's σ = 0.5 on every pixel;
- ``spike_code``: the spiking learner's own pixel code (:meth:`SampleConfig.paper_noise_floor`:
  rate factor ρ_x over the sample phase), Poisson counts of ``gain · T · v`` expected spikes;
- ``baseline_<b>``: the same code with every pixel firing at ``gain · (v + b)`` and the
  baseline subtracted after counting, its gain raised so that the corruption's mean variance
  over the digits is the spike code's (same overall size, now spread over every pixel).

Each run (:func:`run_setting`, a sweep task) reports the corruption's rms over all pixels and
over the background, how far the f1 weights from always-black pixels moved, and the
evaluation of the trained model (Parzen LL of GENERATE and ancestral samples, Fréchet distance
and classes, in-painting).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from spiking_em.data.corruption import Corruption

#: the baselines tried (value units: a fraction of the rate a white pixel fires at)
BASELINES = (0.05, 0.2)
#: pixels below this value count as background
BACKGROUND = 0.05


def spike_code_corruption() -> Corruption:
    """The spiking learner's pixel corruption as a rate-model corruption: a pixel of value v
    fires ``pixel_rate_hz · ρ_x · v`` Hz over the sample phase (``slots · slot_ms``)."""
    from spiking_em.spiking.replay import SampleConfig
    from spiking_em.spiking.wiring import NetworkConfig
    sample, network = SampleConfig.paper_noise_floor(), NetworkConfig()
    return Corruption.poisson(network.pixel_rate_hz * sample.rate_x,
                              sample.slots * network.slot_ms * 1e-3)


def with_baseline(code: Corruption, baseline: float, mean_pixel: float) -> Corruption:
    """``code`` with a ``baseline`` and its gain raised by (mean + baseline) / mean, so that
    the variance averaged over pixels of mean value ``mean_pixel`` stays the same."""
    return replace(code, baseline=baseline,
                   gain_hz=code.gain_hz * (mean_pixel + baseline) / mean_pixel)


def settings(x: np.ndarray) -> dict[str, Corruption]:
    """The x-before-f1 corruptions compared, for digits ``x`` (whose mean sets the baselines'
    gains)."""
    code = spike_code_corruption()
    mean = float(np.mean(x))
    return {"gaussian": Corruption.gaussian(0.5), "spike_code": code,
            **{f"baseline_{b:g}": with_baseline(code, b, mean) for b in BASELINES}}


def corruption_rms(corruption: Corruption, x: np.ndarray, seed: int = 0) -> dict:
    """rms of the corruption (corrupted minus clean) over all pixels and over the background
    (x < :data:`BACKGROUND`) of the digits ``x``."""
    noise = corruption.apply(x, rng=np.random.default_rng(seed)) - x
    background = x < BACKGROUND
    return {"all": float(np.sqrt(np.mean(noise ** 2))),
            "background": float(np.sqrt(np.mean(noise[background] ** 2)))}


def never_on_weight_change(params, start_params, x: np.ndarray) -> float:
    """Mean |ΔW_f1| from the start over the pixels that are 0 in every digit of ``x``."""
    never = np.all(x == 0, axis=0)
    dw = np.abs(np.asarray(params.w_f1, np.float64) - np.asarray(start_params.w_f1, np.float64))
    return float(dw[never].mean()) if never.any() else float("nan")


def run_setting(name: str, corruption: dict, *, start_dir: str, sequence_file: str,
                data_dir: str | None, out_dir: str, seed: int, learning_rate: float) -> dict:
    """One sweep task: the numpy learner on the sequence with ``corruption`` (a
    :class:`Corruption`'s dict) before f1, then the evaluation of its model."""
    from spiking_em import data
    from spiking_em.experiments import at_scale
    from spiking_em.experiments import from_scratch as fs
    from spiking_em.model.config import LayerCorruptions
    from spiking_em.model.trained import TrainedModel
    out = Path(out_dir)
    start = TrainedModel.load(start_dir)
    sequence = np.load(sequence_file)
    dataset = data.load("mnist", data_dir)
    if not (out / TrainedModel.FILE).exists():
        config = fs.rate_config(start.params.sizes, learning_rate)
        config = replace(config, corruptions=replace(
            LayerCorruptions.paper(), x_for_f1=Corruption.from_dict(corruption)))
        fs.train_rate_on_sequence(start, sequence, dataset.valid[:1000], config,
                                  seed=seed).save(out)
    model = TrainedModel.load(out)
    from spiking_em.evaluation.classifier import mnist_classifier
    row, _ = at_scale.evaluate_snapshot(model, dataset, mnist_classifier(dataset),
                                        at_scale.EVAL_CONFIG, seed=seed)
    x = sequence[:2000]
    return {"setting": name, "corruption": corruption,
            "corruption_rms": corruption_rms(Corruption.from_dict(corruption), x),
            "never_on_pixels": int(np.all(sequence == 0, axis=0).sum()),
            "never_on_f1_weight_change": never_on_weight_change(model.params, start.params,
                                                                sequence),
            "valid_reconstruction": model.meta["history"][-1]["valid_reconstruction"],
            "presentations": model.meta["presentations"], **row}
