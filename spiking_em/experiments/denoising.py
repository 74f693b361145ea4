"""The spiking learner as a denoising auto-encoder: is the sample in the synapses' change the
sample in the prediction, and how large is the spikes' corruption?

``same_vs_independent`` runs digits through a learning network twice: once learning (run A)
and once with the weights frozen and fresh noise (run B, an independent spike sample of the same
digits). For each map it compares the synapses' accumulated change ΔW with numpy's gradient of
the matching loss, d~ ⊗ (T~ - act(b + W d~)), computed

- from run A's own sample (``same_sample``: what a denoising step on the network's sample is),
- from run B's sample (``independent_sample``),

and scores two substitutes the same way, so that the measurement shows it can fail:
``decoupled`` (the prediction from run A's sample, the presynaptic factor from run B's: a
design whose synapses see other spikes than the prediction) and ``clean`` (the gradient at the
noise-free values: a numpy gradient substituted at read-back).

``corruption_curve`` measures the rms corruption of x, h1 and h2 (value decoded from a sample
minus the value its spikes carry) and the synaptic events per presentation against the sample
phase's rate factor.
"""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from spiking_em.model.layers import ACTIVATIONS, LAYER_ACTIVATION, Params
from spiking_em.spiking.codes import AREA_KIND
from spiking_em.spiking.plasticity import LEARNING_MAPS
from spiking_em.spiking.replay import SOURCE_AREAS, SOURCE_KIND, SampleConfig
from spiking_em.spiking.teaching import (
    MAP_INPUT,
    SpikingTrainConfig,
    codes_for,
    decoded_inputs,
    teach,
)

#: the ``paper`` preset's corruption of each source, as an rms deviation: x ~ N(0, 0.5^2);
#: h1 ~ N(0, 0.3^2) for g1 and N(0, 0.5^2) for f2 (one spike sample feeds both: their mean,
#: from which each lies 25 % away); h2: the mean of 3 Bernoulli draws, computed on the h2 values
PAPER_RMS = {"x": 0.5, "h1": 0.4}
#: the criterion of a denoising learner: cosine with the same sample's gradient at least this,
#: and above the independent sample's
MIN_COSINE = 0.9


def cosine(a: np.ndarray, b: np.ndarray) -> float | None:
    """cos(a, b), or None when either is zero (a map whose source sampled no spike: no
    direction to compare)."""
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.vdot(a, b)) / norm if norm > 0 else None


def matching_gradient(params: Params, name: str, inputs: np.ndarray, targets: np.ndarray,
                      centre: np.ndarray, *, presynaptic: np.ndarray | None = None) -> np.ndarray:
    """Σ over digits of (x~ - c) ⊗ (T~ - act(x~ W + b)) for map ``name`` (its matching loss's
    descent direction in the network's centred coordinates); ``presynaptic`` replaces x~ in
    the first factor only (a decoupled design)."""
    w, b = getattr(params, f"w_{name}"), getattr(params, f"b_{name}")
    y = ACTIVATIONS[LAYER_ACTIVATION[name]](inputs @ w + b)
    pre = inputs if presynaptic is None else presynaptic
    return (pre - centre).T @ (targets - y)


def rms_by_kind(noise: dict) -> dict:
    """Per source kind (x, h1, h2): rms of the decoded-minus-carried values collected per area."""
    return {SOURCE_KIND[a]: float(np.sqrt(np.mean(np.concatenate(v) ** 2)))
            for a, v in noise.items()}


def paper_rms(h2: np.ndarray) -> dict:
    """The ``paper`` preset's rms corruption of x, h1 and h2 (h2's on these h2 values)."""
    h2 = np.clip(h2, 0, 1)
    return {**PAPER_RMS, "h2": float(np.sqrt(np.mean(h2 * (1 - h2)) / 3))}


def passes(dw: dict, same: dict, independent: dict) -> bool:
    """The denoising criterion for every map: cos(ΔW, same) >= MIN_COSINE and above
    cos(ΔW, independent)."""
    def ok(n):
        same_n, indep_n = cosine(dw[n], same[n]), cosine(dw[n], independent[n])
        return same_n is not None and same_n >= MIN_COSINE and (indep_n is None
                                                                 or same_n > indep_n)
    return all(ok(n) for n in dw)


def same_vs_independent(net, params: Params, prior, x: np.ndarray, x_reference: np.ndarray,
                        config: SpikingTrainConfig, *, seed: int, eta: float,
                        progress=None) -> dict:
    """Per map: cosines of the synapses' change with the same sample's and an independent
    sample's denoising gradient, the substitutes' scores, and the corruption's rms size.

    Every binary run starts from ``params`` (``eta`` small: the weights barely move within a
    run), so ΔW is the sum of the teaching phases' changes at those weights.
    """
    params = params.astype(np.float64)
    codes = codes_for(params, prior, x_reference, config)
    slot_ms = net.config.slot_ms
    rng_a, rng_b = np.random.default_rng(seed), np.random.default_rng(seed + 10_007)
    zeros = {n: 0.0 for n in LEARNING_MAPS}
    dw, same, indep, decoupled, clean = (dict(zeros) for _ in range(5))
    noise = {area: [] for area in SOURCE_AREAS}
    h2_states, events, learning_wall_s = [], 0, 0.0
    for start in range(0, len(x), config.digits_per_run):
        chunk = x[start:start + config.digits_per_run]
        t0 = time.perf_counter()
        run_a = teach(net, params, codes, chunk, config, rng=rng_a, eta=eta)
        learning_wall_s += time.perf_counter() - t0
        run_b = teach(net, params, codes, chunk, config, rng=rng_b, eta=0.0)
        events += run_a.n_events
        a = decoded_inputs(run_a, codes, config, slot_ms)
        b = decoded_inputs(run_b, codes, config, slot_ms)
        truth = {"X": chunk, **run_a.teach_states}
        h2_states.append(run_a.teach_states["H2"])
        for area in SOURCE_AREAS:
            noise[area].append(a[area] - truth[area])
        for name in LEARNING_MAPS:
            src, tgt = MAP_INPUT[name]
            centre = codes[AREA_KIND[src]].centre
            dw[name] = dw[name] + (getattr(run_a.params, f"w_{name}")
                                   - getattr(params, f"w_{name}"))
            same[name] = same[name] + matching_gradient(params, name, a[src], a[tgt], centre)
            indep[name] = indep[name] + matching_gradient(params, name, b[src], b[tgt], centre)
            decoupled[name] = decoupled[name] + matching_gradient(
                params, name, a[src], a[tgt], centre, presynaptic=b[src])
            clean[name] = clean[name] + matching_gradient(params, name, truth[src], truth[tgt],
                                                          centre)
        if progress is not None:
            progress(min(start + len(chunk), len(x)), len(x))
    return {
        "n_digits": int(len(x)), "eta": eta, "seed": seed, "sample": config.sample.as_dict(),
        "cosine_same_sample": {n: cosine(dw[n], same[n]) for n in LEARNING_MAPS},
        "cosine_independent_sample": {n: cosine(dw[n], indep[n]) for n in LEARNING_MAPS},
        "substitutes": {
            label: {"cosine_same_sample": {n: cosine(g[n], same[n]) for n in LEARNING_MAPS},
                    "cosine_independent_sample": {n: cosine(g[n], indep[n])
                                                  for n in LEARNING_MAPS},
                    "passes": passes(g, same, indep)}
            for label, g in (("decoupled", decoupled), ("clean", clean))},
        "passes": passes(dw, same, indep),
        "corruption_rms": rms_by_kind(noise),
        "paper_rms": paper_rms(np.concatenate(h2_states)),
        "events_per_presentation": events / len(x),
        "presentations_per_minute": 60 * len(x) / learning_wall_s,
    }


def corruption_curve(net, params: Params, prior, x: np.ndarray, x_reference: np.ndarray,
                     config: SpikingTrainConfig, rates, *, seed: int, progress=None) -> list:
    """rms corruption of x, h1, h2 and synaptic events per presentation at each sample rate
    factor in ``rates`` (the same factor for all three sources), weights frozen."""
    samples = [replace(config.sample, rate_x=rate, rate_h1=rate, rate_h2=rate)
               for rate in rates]
    points = sample_statistics(net, params, prior, x, x_reference, config, samples,
                               seed=seed, progress=progress)
    return [{"rate": float(rate), **point} for rate, point in zip(rates, points, strict=True)]


def sample_statistics(net, params: Params, prior, x: np.ndarray, x_reference: np.ndarray,
                      config: SpikingTrainConfig, samples, *, seed: int,
                      progress=None) -> list:
    """For each :class:`SampleConfig` in ``samples`` (weights frozen, the same digits and
    noise seed): per source kind the rms and the mean of the decoded-minus-carried values
    (the corruption and its bias, in value units), the fraction of units whose sample is
    decoded exactly at the code's centre (ON count = OFF count: for a thin sample, units
    dropped out), and synaptic events per presentation."""
    params = params.astype(np.float64)
    codes = codes_for(params, prior, x_reference, config)
    points = []
    for k, sample in enumerate(samples):
        cfg = replace(config, sample=sample)
        rng = np.random.default_rng(seed)
        noise, at_centre, events = {area: [] for area in SOURCE_AREAS}, {}, 0
        for start in range(0, len(x), cfg.digits_per_run):
            chunk = x[start:start + cfg.digits_per_run]
            run = teach(net, params, codes, chunk, cfg, rng=rng, eta=0.0)
            events += run.n_events
            values = decoded_inputs(run, codes, cfg, net.config.slot_ms)
            truth = {"X": chunk, **run.teach_states}
            for area in SOURCE_AREAS:
                noise[area].append(values[area] - truth[area])
                at_centre.setdefault(area, []).append(run.sample_counts[area] == 0)
        points.append({"sample": sample.as_dict(),
                       "rms": rms_by_kind(noise),
                       "mean_error": {SOURCE_KIND[a]: float(np.mean(np.concatenate(v)))
                                      for a, v in noise.items()},
                       "at_centre": {SOURCE_KIND[a]: float(np.mean(np.concatenate(v)))
                                     for a, v in at_centre.items()},
                       "events_per_presentation": events / len(x)})
        if progress is not None:
            progress(k + 1, len(samples))
    return points


def rate_for_rms(points: list, kind: str, target: float) -> float:
    """The rate factor at which ``kind``'s rms corruption reaches ``target``, interpolated
    log-log between the measured points (clamped to the measured range)."""
    rates = np.array([p["rate"] for p in points])
    rms = np.array([p["rms"][kind] for p in points])
    order = np.argsort(rms)
    return float(np.exp(np.interp(np.log(target), np.log(rms[order]),
                                  np.log(rates[order]))))


def paper_sized(points: list, h2_paper_rms: float, slots: int) -> SampleConfig:
    """The sample whose corruption of x, h1, h2 matches the paper preset's rms sizes."""
    targets = {**PAPER_RMS, "h2": h2_paper_rms}
    return SampleConfig(slots=slots, **{f"rate_{k}": rate_for_rms(points, k, targets[k])
                                        for k in ("x", "h1", "h2")})
