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


def long_run_spiking(at_scale_dir, n: int, start, sequence: np.ndarray) -> dict | None:
    """The long run's (``simulations/spiking_at_scale.py``) spiking model at ``n`` digits: its
    evaluation row and how far its f1 weights from pixels black in all of ``sequence`` moved
    from ``start`` (a :class:`TrainedModel`); None if the run has no evaluated model there or
    started from another model."""
    import json

    from spiking_em.model.trained import TrainedModel
    at_scale_dir = Path(at_scale_dir)
    snap = at_scale_dir / "spiking" / f"at-{n}"
    if not (snap / "evaluation.json").exists():
        return None
    other = TrainedModel.load(at_scale_dir / "start")
    if any(not np.array_equal(a, other.params.as_dict()[k])
           for k, a in start.params.as_dict().items()):
        return None
    model = TrainedModel.load(snap)
    return {"run_dir": str(snap), **json.loads((snap / "evaluation.json").read_text()),
            "never_on_f1_weight_change": never_on_weight_change(model.params, start.params,
                                                                sequence)}


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


# -- the baseline in spikes ------------------------------------------------------------------
#: the spiking learner's pixel baseline (pixel values). Its ON and OFF neurons both fire it, so
#: a pixel's variance is (v + 2 b) / (rho g T): b = 0.1 matches the rate twin's single-count
#: ``baseline_0.2`` (variance (v + b') / (g' T)) in variance on every pixel
SPIKING_BASELINE = 0.1
#: the digits (the sequence's first) over which the mean pixel that sets x's rate factor is
#: taken: the rate twin's 5,100
MEAN_DIGITS = 5_100


def sequence_mean_pixel(train: np.ndarray, seed: int) -> float:
    """The mean pixel of the long run's first :data:`MEAN_DIGITS` digits (the rate twin's),
    which sets x's rate factor under a baseline, whatever the run's length: a longer run
    continues a shorter one with the same sample."""
    from spiking_em.experiments.from_scratch import digit_sequence
    return float(np.mean(digit_sequence(train, MEAN_DIGITS, seed)))


def spiking_config(baseline: float, mean_pixel: float, sample=None):
    """The long run's spiking learner (:mod:`spiking_em.experiments.at_scale`: η 3e-3, the
    coarse network) with ``sample`` (default its own: the paper-sized sample with the floor)
    and X's OFF neurons firing the pixels' ``baseline`` in the sample, x's rate factor raised
    so that the corruption's variance averaged over pixels of mean ``mean_pixel`` stays the
    plain sample's (:meth:`SampleConfig.with_pixel_baseline`)."""
    from spiking_em.experiments import at_scale
    from spiking_em.spiking.plasticity import TeachingConfig
    from spiking_em.spiking.replay import SampleConfig
    from spiking_em.spiking.teaching import SpikingTrainConfig
    from spiking_em.spiking.wiring import NetworkConfig
    sample = (sample or SampleConfig.paper_noise_floor()).with_pixel_baseline(baseline,
                                                                             mean_pixel)
    return SpikingTrainConfig(eta=at_scale.SPIKING_ETA, sample=sample,
                              teaching=TeachingConfig(pixel_off=True),
                              network=NetworkConfig.coarse())


def spike_corruption(params: dict, codes: dict, x: np.ndarray, config, samples: list,
                     seed: int, net_seed: int) -> list[dict]:
    """On a Dask worker (its compiled learning network, weights frozen): for each
    :class:`SampleConfig` in ``samples``, the corruption read from the decoded spike samples
    of the digits ``x``: rms over all pixels and over the background (x < :data:`BACKGROUND`),
    the mean error on the background, rms of h1 and h2 (value units), and synaptic events per
    presentation."""
    from threadpoolctl import threadpool_limits

    from spiking_em.model.layers import Params
    from spiking_em.spiking.parallel import worker_network
    from spiking_em.spiking.teaching import decoded_inputs, teach
    p = Params.from_dict(params)
    points = []
    with threadpool_limits(limits=1):
        net = worker_network(p.sizes, config, net_seed)
        for sample in samples:
            cfg = replace(config, sample=sample)
            rng = np.random.default_rng(seed)
            noise = {"X": [], "H1": [], "H2": []}
            events = 0
            for s in range(0, len(x), cfg.digits_per_run):
                chunk = x[s:s + cfg.digits_per_run]
                run = teach(net, p, codes, chunk, cfg, rng=rng, eta=0.0)
                events += run.n_events
                values = decoded_inputs(run, codes, cfg, net.config.slot_ms)
                truth = {"X": chunk, **run.teach_states}
                for area in noise:
                    noise[area].append(values[area] - truth[area])
            x_noise = np.concatenate(noise["X"])
            background = x[:len(x_noise)] < BACKGROUND
            points.append({
                "sample": sample.as_dict(),
                "rms_x": float(np.sqrt(np.mean(x_noise ** 2))),
                "rms_x_background": float(np.sqrt(np.mean(x_noise[background] ** 2))),
                "mean_x_background": float(np.mean(x_noise[background])),
                "rms_h1": float(np.sqrt(np.mean(np.concatenate(noise["H1"]) ** 2))),
                "rms_h2": float(np.sqrt(np.mean(np.concatenate(noise["H2"]) ** 2))),
                "events_per_presentation": events / len(x)})
    return points


def plot_rows(rows: dict, title: str, path, curves: dict | None = None) -> None:
    """Bars per row: Parzen LL (GENERATE, ancestral), Fréchet distance of GENERATE, mean
    |ΔW_f1| from always-black pixels; with ``curves`` ({label: (examples seen, Parzen LL of
    GENERATE)}) a fourth panel of Parzen LL against examples seen."""
    from spiking_em import atomic
    from spiking_em.experiments.plotting import STYLE, plt
    names = list(rows)
    x = np.arange(len(names))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 4 if curves else 3, figsize=(18.5 if curves else 14, 3.8))
        if curves:
            for label, (seen, parzen) in curves.items():
                axes[3].plot(seen, parzen, "o-", label=label)
            axes[3].set_xlabel("examples seen (digits)")
            axes[3].set_title("Parzen LL of GENERATE (nats)")
            axes[3].legend(fontsize=7, loc="center right")
        axes[0].bar(x - 0.2, [rows[k]["parzen_generate"] for k in names], 0.4, label="GENERATE")
        axes[0].bar(x + 0.2, [rows[k]["parzen_ancestral"] for k in names], 0.4,
                    label="ancestral")
        axes[0].set_title("Parzen LL (nats)")
        axes[0].legend(fontsize=7)
        axes[1].bar(x, [rows[k]["frechet_generate"] for k in names], color="tab:gray")
        axes[1].set_title("Fréchet distance of GENERATE")
        axes[2].bar(x, [rows[k]["never_on_f1_weight_change"] for k in names],
                    color="tab:purple")
        axes[2].set_title("mean |ΔW_f1| from always-black pixels")
        for ax in axes[:3]:
            ax.set_xticks(x, names, rotation=25, ha="right", fontsize=7)
        fig.suptitle(title)
        fig.tight_layout()
        atomic.save_figure(fig, path)
        plt.close(fig)
