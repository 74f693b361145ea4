"""Running presentations through a compiled area network and reading the areas' values out.

A spiking area's value at the end of slot s is decoded from its spike counts over a sliding
window of the last ``window`` slots: ``count / (gain * window * slot_s)``. A rate area's value
is its rate divided by its gain. The state h of the hidden areas (the voltage-like variable
that the spikes quantize) is read at the same instants.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from spiking_em.layers import Params
from spiking_em.spiking.areas import AREA_VALUE, AreaNetwork
from spiking_em.spiking.schedule import Presentation, pack

READ_AREAS = ("H1", "H2", "XR")


@dataclass
class Readout:
    """Values at the requested end-of-slot instants, stacked over presentations.

    ``decoded[area]``: (n_presentations, n_instants, n_units) values decoded from spikes
    (spiking) or rates (rate variant); ``state[area]``: the same for the state h of H1/H2 and
    for the value of the reconstruction area XR (sigmoid of its synaptic input, averaged over
    the decoding window: the pixel intensity its spikes quantize);
    ``raster``: spike times (s) and indices of the first presentation per recorded area
    (spiking only); ``run_s``: wall time of the binary runs; ``sim_s``: simulated time.
    """

    decoded: dict[str, np.ndarray]
    state: dict[str, np.ndarray]
    raster: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    run_s: float = 0.0
    sim_s: float = 0.0
    n_runs: int = 0
    n_spikes: int = 0
    n_events: int = 0


def window_counts(slot_idx: np.ndarray, neuron_idx: np.ndarray, n_slots: int, n_units: int,
                  ends: np.ndarray, window: int) -> np.ndarray:
    """Spike counts of each unit over slots (end - window, end], for every ``end``."""
    counts = np.bincount(slot_idx * n_units + neuron_idx,
                         minlength=n_slots * n_units).reshape(n_slots, n_units)
    cumulative = np.concatenate([np.zeros((1, n_units), np.int64), np.cumsum(counts, axis=0)])
    ends = np.asarray(ends)
    return cumulative[ends + 1] - cumulative[np.maximum(ends + 1 - window, 0)]


def run_presentations(net: AreaNetwork, params: Params, gains: dict,
                      presentations: list[Presentation], readout_slots: list[int], *,
                      delta: float, window: int, rng: np.random.Generator,
                      keep_raster: bool = False,
                      progress: Callable[[int, int], None] | None = None) -> Readout:
    """Run every presentation and read H1, H2 and XR at the ends of ``readout_slots``.

    Parameters
    ----------
    readout_slots : slot indices within a presentation (the same for all presentations).
    window : decoding window in slots (spiking variant).
    keep_raster : keep the spike times of the first presentation (spiking variant).
    progress : called as ``progress(done, total)`` after each run of the binary.
    """
    c = net.config
    slot_s = c.slot_ms * 1e-3
    n_x, n_h1, n_h2 = net.sizes
    units = {"H1": n_h1, "H2": n_h2, "XR": n_x, "X": n_x}
    runs = pack(presentations, c.n_slots, n_x, n_h2)
    readout_slots = np.asarray(readout_slots)
    decoded = {a: [] for a in READ_AREAS}
    state = {"H1": [], "H2": [], "XR": []}
    result = Readout(decoded={}, state={})
    done = 0
    for run_inputs in runs:
        rec = net.run(params, gains, run_inputs, delta=delta, rng=rng)
        result.run_s += rec.run_s
        result.sim_s += c.n_slots * slot_s
        result.n_runs += 1
        result.n_events += rec.n_events
        result.n_spikes += int(sum(len(i) for _, i, _ in rec.spikes.values()))
        for start in run_inputs.starts:
            ends = start + readout_slots
            for area in READ_AREAS:
                gain = gains[AREA_VALUE[area]]
                if net.variant == "spiking":
                    slots, idx, _ = rec.spikes[area]
                    counts = window_counts(slots, idx, c.n_slots, units[area], ends, window)
                    decoded[area].append(counts / (gain * window * slot_s))
                else:
                    decoded[area].append(rec.states[f"{area}.r"][ends + 1] / gain)
            for area in ("H1", "H2"):
                state[area].append(rec.states[f"{area}.h"][ends + 1])
            # the reconstruction area's value (its neurons' intended rate / gain), averaged
            # over the same window as the spike counts
            xr = rec.states["XR.u"] if net.variant == "spiking" else rec.states["XR.r"] / gains["x"]
            state["XR"].append(np.mean([xr[ends + 1 - k] for k in range(window)], axis=0))
        if keep_raster and net.variant == "spiking" and not result.raster:
            first = run_inputs.starts[0]
            n_pres = presentations[0].n_slots
            for area, (slots, idx, times) in rec.spikes.items():
                keep = (slots >= first) & (slots < first + n_pres)
                result.raster[area] = (times[keep] - first * slot_s, idx[keep])
        done += len(run_inputs.starts)
        if progress is not None:
            progress(done, len(presentations))
    result.decoded = {a: np.stack(v).astype(np.float32) for a, v in decoded.items()}
    result.state = {a: np.stack(v).astype(np.float32) for a, v in state.items()}
    return result
