"""Running presentations through a compiled area network and reading the areas' values out.

A spiking area's value at the end of slot s is decoded from its spike counts over a sliding
window of the last ``window`` slots: ``centre + (n_on - n_off) / (gain * window * slot_s)``
(see :mod:`spiking_em.spiking.codes`). A rate area's value is ``centre + (r_on - r_off) / gain``.
The state h of the hidden areas (the voltage-like variable that the spikes quantize) is read at
the same instants.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from spiking_em.model.layers import Params
from spiking_em.spiking.areas import AreaNetwork
from spiking_em.spiking.codes import AREA_KIND, RateCode
from spiking_em.spiking.schedule import Presentation, pack

READ_AREAS = ("H1", "H2", "XR")


@dataclass
class Readout:
    """Values at the requested end-of-slot instants, stacked over presentations.

    ``decoded[area]``: (n_presentations, n_instants, n_units) values decoded from spikes
    (spiking) or rates (rate variant); ``state[area]``: the same for the state h of H1/H2 and
    for the value of the reconstruction area XR (sigmoid of its synaptic input, averaged over
    the decoding window: the pixel intensity its spikes quantize);
    ``counts[area]`` (only when asked): (n_presentations, n_kept_instants, 2 n_units) spike
    counts of every ON (first half) and OFF neuron over the decoding window;
    ``raster``: spike times (s), unit indices and signs of the first presentation per recorded
    area (spiking only); ``run_s``: wall time of the binary runs; ``sim_s``: simulated time.
    """

    decoded: dict[str, np.ndarray]
    state: dict[str, np.ndarray]
    raster: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    counts: dict[str, np.ndarray] = field(default_factory=dict)
    run_s: float = 0.0
    sim_s: float = 0.0
    n_runs: int = 0
    n_spikes: int = 0
    n_events: int = 0


def window_counts(slot_idx: np.ndarray, unit_idx: np.ndarray, n_slots: int, n_units: int,
                  ends: np.ndarray, window, weights: np.ndarray | None = None) -> np.ndarray:
    """Spike counts of each unit over slots (end - window, end], for every ``end`` (``window``:
    one width, or one per end).

    ``weights`` (one per spike, e.g. +1 for ON and -1 for OFF neurons) makes them signed counts.
    """
    counts = np.bincount(slot_idx * n_units + unit_idx, weights=weights,
                         minlength=n_slots * n_units).reshape(n_slots, n_units)
    cumulative = np.concatenate([np.zeros((1, n_units)), np.cumsum(counts, axis=0)])
    ends = np.asarray(ends)
    return cumulative[ends + 1] - cumulative[np.maximum(ends + 1 - window, 0)]


def signed_counts(net, rec, area: str, ends, window) -> np.ndarray:
    """ON-minus-OFF spike counts of every unit of ``area`` in a run's recording ``rec``, over
    slots (end - window, end] for every ``end`` (``window``: one width or one per end)."""
    slots, unit, sign, _ = rec.spikes[area]
    return window_counts(slots, unit, net.config.n_slots, net.units(area), np.asarray(ends),
                         window, weights=sign.astype(np.float64))


def run_presentations(net: AreaNetwork, params: Params, codes: dict[str, RateCode],
                      presentations: list[Presentation], readout_slots: list[int], *,
                      delta: float, window: int, rng: np.random.Generator,
                      keep_raster: bool = False, keep_counts: tuple[int, ...] = (),
                      windows: list[int] | None = None,
                      progress: Callable[[int, int], None] | None = None) -> Readout:
    """Run every presentation and read H1, H2 and XR at the ends of ``readout_slots``.

    Parameters
    ----------
    codes : the rate code of each kind of value (:func:`codes.derive_codes`).
    readout_slots : slot indices within a presentation (the same for all presentations).
    window : decoding window in slots (spike counts, and the average of XR's value).
    windows : one window per read-out slot instead (e.g. a longer one for an end state).
    keep_counts : positions in ``readout_slots`` at which every neuron's spike counts over the
        window are also returned (``counts``), for variability measures.
    keep_raster : keep the spike times of the first presentation (spiking variant).
    progress : called as ``progress(done, total)`` after each run of the binary.
    """
    c = net.config
    slot_s = c.slot_ms * 1e-3
    n_x, _, n_h2 = net.sizes
    runs = pack(presentations, c.n_slots, n_x, n_h2)
    readout_slots = np.asarray(readout_slots)
    widths = np.full(len(readout_slots), window) if windows is None else np.asarray(windows)
    if widths.shape != readout_slots.shape or np.any(widths < 1):
        raise ValueError(f"windows must give one positive width per read-out slot "
                         f"({len(readout_slots)}), got {windows}")
    decoded = {a: [] for a in READ_AREAS}
    counts_kept = {a: [] for a in READ_AREAS}
    state = {"H1": [], "H2": [], "XR": []}
    result = Readout(decoded={}, state={})
    model_args = net.run_args(params, codes, delta=delta)   # checks shapes before any run
    done = 0
    for run_inputs in runs:
        rec = net.run(model_args, run_inputs, rng=rng)
        result.run_s += rec.run_s
        result.sim_s += c.n_slots * slot_s
        result.n_runs += 1
        result.n_events += rec.n_events
        result.n_spikes += int(sum(len(s[0]) for s in rec.spikes.values()))
        for start in run_inputs.starts:
            ends = start + readout_slots
            for area in READ_AREAS:
                code = codes[AREA_KIND[area]]
                if net.unit_model.emits_spikes:
                    rate = signed_counts(net, rec, area, ends, widths) / (widths[:, None]
                                                                          * slot_s)
                    if len(keep_counts):
                        slots, unit, sign, _ = rec.spikes[area]
                        n_units = net.units(area)
                        neuron = unit + n_units * (sign < 0)
                        kept = np.asarray(keep_counts)
                        counts_kept[area].append(window_counts(
                            slots, neuron, c.n_slots, 2 * n_units, ends[kept], widths[kept]
                        ).astype(np.int16))
                else:
                    rate = rec.states[f"{area}.r"][ends + 1]
                decoded[area].append(code.decode(rate))
            for area in ("H1", "H2"):
                state[area].append(rec.states[f"{area}.h"][ends + 1])
            # the reconstruction area's value, averaged over the same window as the counts
            xr = rec.states["XR.u"]
            state["XR"].append(np.stack([xr[e + 1 - w + 1:e + 2].mean(axis=0)
                                         for e, w in zip(ends, widths, strict=False)]))
        if keep_raster and net.unit_model.emits_spikes and not result.raster:
            first = run_inputs.starts[0]
            n_pres = presentations[0].n_slots
            for area, (slots, unit, sign, times) in rec.spikes.items():
                keep = (slots >= first) & (slots < first + n_pres)
                result.raster[area] = (times[keep] - first * slot_s, unit[keep], sign[keep])
        done += len(run_inputs.starts)
        if progress is not None:
            progress(done, len(presentations))
    result.decoded = {a: np.stack(v).astype(np.float32) for a, v in decoded.items()}
    result.state = {a: np.stack(v).astype(np.float32) for a, v in state.items()}
    if len(keep_counts):
        result.counts = {a: np.stack(v).astype(np.int32) for a, v in counts_kept.items() if v}
    return result

