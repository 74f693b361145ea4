"""Rate versus spikes: the same test digits through the numpy rate model, the Brian2 rate
network and the Brian2 LIF network (``spiking-em compare``).

Three tasks, each run identically by the three implementations:

- INFERENCE (Fig. 4 analogue): log p(x, h1, h2) at the feed-forward start and after every
  iteration, with h decoded from spikes over a sliding window (and the hidden state itself);
  the end state is read from the spike counts of a read-out hold (h frozen, ``end_slots``
  slots) and set against numpy's start and end (target: above numpy's start by at least half
  of numpy's gain); reconstruction error of the network's reconstruction area against x.
- In-painting (Fig. 5 analogue): half the pixels missing, starting from the same uniform-noise
  values in all three implementations (held while the feed-forward sweep reads them),
  ``inpaint_cycles`` encode/decode steps; MSE on the missing pixels, read from the
  reconstruction area's spike counts over the read-out hold, against the mean-image baseline.
- GENERATE (Fig. 3 analogue): the free-running network from prior samples of h2; samples read
  from the reconstruction area's spike counts over the read-out hold; Parzen LL with the
  estimator and sigma of the rate model's GENERATE samples (same count).

Primary numbers are read from spikes (LIF and stochastic variants) or rates (rate variant);
the reconstruction area's closed-form value (its dendrite's sigmoid, averaged over the same
window) is kept beside them as a labelled secondary column (``*_dendrite``). For the spiking
variants the Fano factor of 20 ms counts during the INFERENCE read-out hold (constant rates) is
reported per area.

Every network is compiled once (one build per shape and variant) and re-run through
``run_args``; the JSON records the number of builds, wall-clock cost per digit, simulated
seconds per wall second and synaptic events per second.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from spiking_em import __version__
from spiking_em.data.loaders import Dataset
from spiking_em.evaluation.metrics import mean_se, missing_pixel_mse
from spiking_em.experiments.rate_vs_spike_measures import (
    end_state_summary,
    logp_over,
    logp_summary,
    parzen_comparison,
)
from spiking_em.model.config import InferenceConfig
from spiking_em.model.inference import infer, log_joint
from spiking_em.model.layers import g1
from spiking_em.model.sampling import generate, inpaint, random_half_mask
from spiking_em.model.trained import TrainedModel
from spiking_em.spiking import device, schedule
from spiking_em.spiking.areas import VARIANTS, AreaNetwork, NetworkConfig
from spiking_em.spiking.codes import RateCode, derive_codes
from spiking_em.spiking.readout import run_presentations
from spiking_em.spiking.transfer import fitted_transfer
from spiking_em.spiking.variability import fano_factor
from spiking_em.validation import check_positive_int

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CompareConfig:
    """Sizes and schedule of the comparison.

    n_digits : test digits for INFERENCE and in-painting (numpy and LIF network).
    n_rate_digits : the first digits of those that also go through the Brian2 rate network
        (it sums 2.7 M synapses every step, so it is the slowest of the three); 0 skips it.
    n_samples, n_rate_samples : generated samples (LIF and numpy; Brian2 rate network).
    n_steps : INFERENCE iterations; alpha : top-down step of the log p(x, h) measurement.
    ff_slots : slots of the feed-forward sweep (settling plus one decoding window).
    hold_slots : slots in which the free visible area copies g1(h1) (GENERATE).
    window_slots : sliding window for decoding rates from spikes.

    end_slots : read-out hold at the end of every task: h frozen while the end state (INFERENCE),
        the in-painted pixels and the samples are counted from spikes over it.
    variants : the Brian2 unit models run (:data:`spiking_em.spiking.units.VARIANTS`).
    inpaint_cycles : encode/decode steps of in-painting, at ``inpaint_alpha`` (paper: 0.001).
    """

    n_digits: int = 1000
    n_rate_digits: int = 100
    n_samples: int = 500
    n_rate_samples: int = 100
    n_steps: int = 20
    alpha: float = 0.1
    delta: float = 0.1
    ff_slots: int = 12
    hold_slots: int = 4
    window_slots: int = 3
    inpaint_cycles: int = 3
    inpaint_alpha: float = 0.001
    generate_cycles: int = 3
    generate_alpha: float = 0.3
    end_slots: int = 10
    variants: tuple = ("spiking", "stochastic", "rate")
    network: NetworkConfig = field(default_factory=lambda: NetworkConfig(n_slots=546))

    def __post_init__(self):
        for name in ("n_digits", "n_samples", "n_steps", "ff_slots", "hold_slots",
                     "window_slots", "inpaint_cycles", "generate_cycles", "end_slots"):
            check_positive_int(name, getattr(self, name))
        for name in ("n_rate_digits", "n_rate_samples"):   # 0 skips the Brian2 rate network
            check_positive_int(name, getattr(self, name), minimum=0)
        unknown = [v for v in self.variants if v not in VARIANTS]
        if unknown or not self.variants:
            raise ValueError(f"variants must be some of {VARIANTS}, got {self.variants}")
        if self.end_slots < 2:
            raise ValueError(f"end_slots must be >= 2 (Fano factors need two bins), got "
                             f"{self.end_slots}")
        if self.window_slots > self.ff_slots:
            raise ValueError(f"window_slots ({self.window_slots}) must fit in the feed-forward "
                             f"sweep (ff_slots = {self.ff_slots})")

    @classmethod
    def quick(cls) -> CompareConfig:
        """A smoke run: 12 digits and 60 samples (4 of each through the rate network), 2
        in-painting cycles (the comparison tests/test_rate_vs_spike.py checks)."""
        return cls(n_digits=12, n_rate_digits=4, n_samples=60, n_rate_samples=4,
                   inpaint_cycles=2, network=NetworkConfig(n_slots=220))

    def as_dict(self) -> dict:
        d = asdict(self)
        d["variants"] = list(self.variants)
        return d



def code_reference(model: TrainedModel, x: np.ndarray) -> dict:
    """x, h1 and h2 after INFERENCE on ``x`` and the prior p(h2): what the codes come from."""
    h1, h2 = infer(x, model.params, model.config.inference)
    return {"x": x, "h1": h1, "h2": h2, "prior_mean": model.prior.mean,
            "prior_std": model.prior.std}


def model_codes(model: TrainedModel, x: np.ndarray, network: NetworkConfig) -> dict[str, RateCode]:
    """The rate codes of a model's areas (:func:`codes.derive_codes`) from data ``x``."""
    return derive_codes(code_reference(model, x), network.r_max_hz, network.clip_quantile,
                        pixel_rate_hz=network.pixel_rate_hz, signed=network.signed)


class Backends:
    """The compiled networks of one model shape, built on first use (one build each)."""

    def __init__(self, model: TrainedModel, codes: dict, config: CompareConfig, *, seed: int):
        self.model, self.codes, self.config, self.seed = model, codes, config, seed
        self.params = model.params.astype(np.float64)
        self.transfer, self.transfer_data = fitted_transfer(config.network.lif,
                                                            r_max_hz=config.network.r_max_hz)
        self.networks: dict[str, AreaNetwork] = {}
        self.builds: dict[str, dict] = {}

    def network(self, variant: str) -> AreaNetwork:
        if variant not in self.networks:
            net = AreaNetwork(self.params.sizes, variant, self.config.network, self.transfer,
                              seed=self.seed)
            self.networks[variant] = net
            self.builds[variant] = {"compile_s": net.compile_s, "build_s": net.build_s,
                                    "directory": str(net.directory), "synapses": net.n_synapses,
                                    "dt_ms": net.dt_ms, "runs": 0}
        return self.networks[variant]

    def release(self, variant: str) -> None:
        """Forget a network (Brian2's device holds one at a time) after recording its runs."""
        net = self.networks.pop(variant)
        self.builds[variant]["runs"] = net.n_runs
        device.reset()

    def run(self, variant, task: Task, n: int, *, rng, progress=None, raster=False):
        spikes = self.network(variant).unit_model.emits_spikes
        return run_presentations(self.network(variant), self.params, self.codes,
                                 task.presentations[:n], task.readout_slots,
                                 delta=self.config.delta, window=self.config.window_slots,
                                 windows=task.windows, rng=rng, keep_raster=raster,
                                 keep_counts=task.count_instants if spikes else (),
                                 progress=progress)


def _cost(readout, n_items: int, wall_s: float) -> dict:
    return {"wall_s": wall_s, "binary_run_s": readout.run_s, "sim_s": readout.sim_s,
            "n_runs": readout.n_runs, "wall_s_per_item": wall_s / n_items,
            "items_per_minute": 60 * n_items / wall_s,
            "sim_s_per_wall_s": readout.sim_s / readout.run_s if readout.run_s else None,
            "synaptic_events": readout.n_events,
            "synaptic_events_per_wall_s": readout.n_events / readout.run_s if readout.run_s else 0}


@dataclass
class Task:
    """Inputs of one task and the numpy rate model's results on them.

    ``windows``: the decoding window of each read-out slot; ``count_instants``: positions in
    ``readout_slots`` whose per-neuron spike counts are kept (Fano factors).
    """

    name: str
    presentations: list
    readout_slots: list
    numpy: dict
    arrays: dict
    windows: list = field(default_factory=list)
    count_instants: tuple = ()


def _with_end_hold(phases: list, config: CompareConfig) -> tuple[list, int]:
    """``phases`` plus the read-out hold; returns them and the hold's last slot."""
    phases = phases + [schedule.Phase("hold", config.end_slots)]
    return phases, sum(ph.n_slots for ph in phases) - 1


def inference_task(b: Backends, x: np.ndarray) -> Task:
    """INFERENCE from the feed-forward start: log p(x, h) at every iteration (numpy side)."""
    c, p = b.config, b.params
    traj = []
    icfg = InferenceConfig(n_steps=c.n_steps, delta=c.delta, alpha=c.alpha)
    h1, h2 = infer(x, p, icfg, on_step=lambda t, a, z: traj.append((a, z)))
    lp = np.stack([log_joint(x, a, z, p, b.model.prior) for a, z in traj])
    numpy = logp_summary(lp)
    numpy["reconstruction_mse"] = mean_se(((x - g1(h1, p)) ** 2).mean(axis=1))
    phases, last = _with_end_hold(schedule.inference_phases(c.n_steps, c.alpha, c.ff_slots), c)
    curve = [c.ff_slots - 1] + [c.ff_slots + k for k in range(c.n_steps)]
    hold_bins = [last - c.end_slots + 1 + k for k in range(c.end_slots)]
    slots = curve + hold_bins + [last]
    windows = [c.window_slots] * len(curve) + [1] * c.end_slots + [c.end_slots]
    return Task("inference", [schedule.Presentation(phases, clamp=xi) for xi in x], slots, numpy,
                {"x": x, "h1": h1, "h2": h2, "logp": lp}, windows,
                tuple(range(len(curve), len(curve) + c.end_slots)))


def inference_result(b: Backends, task: Task, ro, n: int) -> tuple[dict, dict]:
    x, h1_np, h2_np = task.arrays["x"][:n], task.arrays["h1"][:n], task.arrays["h2"][:n]
    p, prior, c = b.params, b.model.prior, b.config
    curve = slice(0, c.n_steps + 1)
    lp_dec = logp_over(x, ro.decoded["H1"][:, curve], ro.decoded["H2"][:, curve], p, prior)
    lp_state = logp_over(x, ro.state["H1"][:, curve], ro.state["H2"][:, curve], p, prior)
    lp_np = task.arrays["logp"][:, :n]
    out = logp_summary(lp_dec, lp_np)
    out["state"] = logp_summary(lp_state, lp_np)
    h1_end, h2_end = ro.decoded["H1"][:, -1], ro.decoded["H2"][:, -1]
    out["end_state"] = end_state_summary(log_joint(x, h1_end, h2_end, p, prior), lp_np,
                                  log_joint(x, ro.state["H1"][:, -1], ro.state["H2"][:, -1],
                                            p, prior),
                                  window_ms=c.end_slots * c.network.slot_ms)
    out["reconstruction_mse"] = mean_se(((x - ro.decoded["XR"][:, -1]) ** 2).mean(axis=1))
    out["h1_rms_difference_to_numpy"] = {
        "spike_read_end": float(np.sqrt(np.mean((h1_end - h1_np) ** 2))),
        "dendrite_state_end": float(np.sqrt(np.mean((ro.state["H1"][:, -1] - h1_np) ** 2))),
        "h1_rms": float(np.sqrt(np.mean(h1_np ** 2)))}
    out["max_abs_state_difference_to_numpy"] = {
        "h1": float(np.abs(ro.state["H1"][:, -1] - h1_np).max()),
        "h2": float(np.abs(ro.state["H2"][:, -1] - h2_np).max())}
    if ro.counts:
        out["fano_factor"] = {area: fano_factor(counts) for area, counts in ro.counts.items()}
        out["fano_factor"]["bin_ms"] = c.network.slot_ms
    out["numpy_on_same_digits"] = logp_summary(lp_np)
    out["gain_ratio_to_numpy"] = out["gain"]["mean"] / out["numpy_on_same_digits"]["gain"]["mean"]
    out["state"]["gain_ratio_to_numpy"] = (out["state"]["gain"]["mean"] /
                                           out["numpy_on_same_digits"]["gain"]["mean"])
    return out, {"logp": lp_dec, "logp_state": lp_state}


def inpainting_task(b: Backends, x: np.ndarray, mean_image: np.ndarray, *, rng) -> Task:
    """Half-missing digits and the numpy in-painting of them, from the same starting values
    (uniform noise on the missing pixels) as the networks'."""
    c, p = b.config, b.params
    mask = random_half_mask(x.shape, rng=rng)
    start = rng.random(x.shape)
    filled = inpaint(x, mask, p, rng=rng, n_encode_decode=c.inpaint_cycles,
                     config=InferenceConfig(delta=c.delta, alpha=c.inpaint_alpha), start=start)
    numpy = {"mse": mean_se(missing_pixel_mse(filled, x, mask)),
             "mean_image_mse": mean_se(missing_pixel_mse(np.broadcast_to(mean_image, x.shape), x,
                                                     mask)),
             "settings": {"cycles": c.inpaint_cycles, "inference_steps_per_cycle": 15,
                          "alpha": c.inpaint_alpha, "fraction_missing": 0.5,
                          "start": "missing pixels start at the same U(0, 1) noise in numpy "
                                   "and the networks (held there during the first "
                                   "feed-forward sweep)"}}
    phases, last = _with_end_hold(
        schedule.inpainting_phases(c.inpaint_cycles, 15, c.inpaint_alpha, c.ff_slots), c)
    pres = [schedule.Presentation(phases, clamp=np.where(mask[k], x[k], schedule.UNCLAMPED),
                                  start_clamp=np.where(mask[k], x[k], start[k]))
            for k in range(len(x))]
    return Task("inpainting", pres, [last], numpy, {"x": x, "mask": mask, "filled": filled},
                [c.end_slots])


def inpainting_result(b: Backends, task: Task, ro, n: int) -> tuple[dict, dict]:
    """MSE of the pixels read from the reconstruction area's spike counts over the read-out
    hold (headline), and of its dendrite's value over the same window (secondary)."""
    x, mask = task.arrays["x"][:n], task.arrays["mask"][:n]
    counted = np.where(mask, x, np.clip(ro.decoded["XR"][:, -1], 0, 1))
    dendrite = np.where(mask, x, np.clip(ro.state["XR"][:, -1], 0, 1))
    out = {"mse": mean_se(missing_pixel_mse(counted, x, mask)),
           "read_from": f"XR spike counts over {b.config.end_slots} slots",
           "mse_dendrite": mean_se(missing_pixel_mse(dendrite, x, mask)),
           "numpy_on_same_digits": mean_se(missing_pixel_mse(task.arrays["filled"][:n], x, mask))}
    out["ratio_to_numpy"] = out["mse"]["mean"] / out["numpy_on_same_digits"]["mean"]
    out["ratio_to_numpy_dendrite"] = (out["mse_dendrite"]["mean"]
                                      / out["numpy_on_same_digits"]["mean"])
    return out, {"filled": counted[:10]}


def generation_task(b: Backends, n: int, *, rng) -> Task:
    """Prior samples of h2 for the networks, and the numpy GENERATE samples."""
    c, p, prior = b.config, b.params, b.model.prior
    samples = generate(p, prior, n, rng=rng, n_encode_decode=c.generate_cycles,
                       config=InferenceConfig(delta=c.delta, alpha=c.generate_alpha))
    phases, last = _with_end_hold(schedule.generation_phases(
        c.generate_cycles, 15, c.generate_alpha, c.ff_slots, c.hold_slots), c)
    h2 = prior.sample(n, rng=rng).astype(np.float64)
    blank = np.full(p.sizes[0], schedule.UNCLAMPED)
    pres = [schedule.Presentation(phases, clamp=blank, free=True, h2_init=h2[k])
            for k in range(n)]
    return Task("generation", pres, [last], {}, {"samples": samples}, [c.end_slots])


def generation_result(b: Backends, task: Task, ro, n: int) -> tuple[dict, dict]:
    """Samples read from the reconstruction area's spike counts over the read-out hold; also
    its dendrite's value over the same window (secondary)."""
    return {}, {"samples": np.clip(ro.decoded["XR"][:, -1], 0, 1),
                "samples_dendrite": np.clip(ro.state["XR"][:, -1], 0, 1)}


def _progress(say, label):
    def report(done, total):
        say(f"  {label}: {done}/{total}")
    return report


RESULT_FUNCTIONS = {"inference": inference_result, "inpainting": inpainting_result,
                    "generation": generation_result}


def compare(model: TrainedModel, dataset: Dataset, config: CompareConfig = CompareConfig(), *,
            seed: int = 0, progress: Callable[[str], None] | None = None) -> tuple[dict, dict]:
    """Run all three tasks on the test set; returns (results for rate_vs_spike.json, arrays).

    The numpy rate model runs first; then each Brian2 variant is built once and runs all
    three tasks (Brian2's standalone device holds one network at a time).
    """
    say = progress or (lambda msg: logger.info(msg))
    rng = np.random.default_rng(seed)
    if len(dataset.test) < config.n_digits:
        raise ValueError(f"n_digits = {config.n_digits} but the test set has "
                         f"{len(dataset.test)} digits")
    t_start = time.perf_counter()
    codes = model_codes(model, dataset.train[:2000], config.network)
    b = Backends(model, codes, config, seed=seed)
    x = dataset.test[:config.n_digits].astype(np.float64)
    say(f"numpy rate model: INFERENCE, in-painting and GENERATE on {len(x)} digits")
    tasks = [inference_task(b, x), inpainting_task(b, x, dataset.train.mean(axis=0), rng=rng),
             generation_task(b, config.n_samples, rng=rng)]
    results = {t.name: {"numpy": t.numpy} for t in tasks}
    arrays = {"inpaint_original": x[:10], "inpaint_mask": tasks[1].arrays["mask"][:10],
              "inpaint_numpy": tasks[1].arrays["filled"][:10],
              "samples_numpy": tasks[2].arrays["samples"][:100]}
    samples = {"numpy": tasks[2].arrays["samples"]}
    for variant in config.variants:
        if variant == "rate" and config.n_rate_digits == 0:
            continue
        net_t0 = time.perf_counter()
        say(f"building the Brian2 {variant} network (once for all tasks)")
        b.network(variant)
        for task in tasks:
            full = len(task.presentations)
            limit = config.n_rate_samples if task.name == "generation" else config.n_rate_digits
            n = min(full, limit) if variant == "rate" else full
            say(f"{task.name}, Brian2 {variant} network: {n} presentations")
            t0 = time.perf_counter()
            ro = b.run(variant, task, n, rng=rng,
                       raster=variant != "rate" and task.name == "inference",
                       progress=_progress(say, f"{task.name} {variant}"))
            summary, extra = RESULT_FUNCTIONS[task.name](b, task, ro, n)
            summary["cost"] = _cost(ro, n, time.perf_counter() - t0)
            results[task.name][variant] = summary
            if task.name == "inference":
                arrays[f"logp_{variant}"] = extra["logp"]
                if ro.raster:
                    arrays[f"raster_{variant}"] = ro.raster
            elif task.name == "inpainting":
                arrays[f"inpaint_{variant}"] = extra["filled"]
            else:
                samples[variant] = extra["samples"]
                arrays[f"samples_{variant}"] = extra["samples"][:100]
                if variant != "rate":
                    samples[f"{variant}_dendrite"] = extra["samples_dendrite"]
        b.release(variant)
        say(f"Brian2 {variant} network done in {time.perf_counter() - net_t0:.0f} s")
    n_parzen = min(len(dataset.valid), 10_000)
    samples["real_training_images"] = dataset.train[
        rng.permutation(len(dataset.train))[:config.n_samples]]
    generation = parzen_comparison(samples, dataset.valid[:n_parzen], dataset.test)
    arrays["generation_samples"] = samples
    for variant in config.variants:
        if variant in results["generation"]:
            generation[variant]["cost"] = results["generation"][variant]["cost"]
    results["generation"] = generation
    results["inpainting"]["mean_image"] = {"mse": results["inpainting"]["numpy"]["mean_image_mse"]}
    results["builds"] = b.builds
    results["n_compilations"] = len(b.builds)
    results["codes"] = {kind: code.as_dict() for kind, code in codes.items()}
    results["transfer_fit"] = asdict(b.transfer)
    results["settings"] = {"compare": config.as_dict(), "seed": seed, "dataset": dataset.name,
                           "model_seed": model.meta.get("seed"),
                           "train_config": model.config.as_dict(), "version": __version__,
                           "variants": list(config.variants),
                           "read_out": "primary numbers from spike counts (LIF, stochastic) or "
                                       "rates (rate variant); *_dendrite: the reconstruction "
                                       "area's closed-form value, secondary"}
    results["wall_s"] = time.perf_counter() - t_start
    arrays["transfer"] = b.transfer_data
    return results, arrays
