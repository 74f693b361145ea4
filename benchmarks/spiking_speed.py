"""Speed of the spiking areas: digits per minute, simulated s per wall s, synaptic events per s.

The reference is a bare Brian2 network with the same areas (sizes), the same synapses
(connectivity, 2.7 M for the paper's model) and the same firing rate in every area, built
from plain LIF neurons and ``v_post += w`` synapses, run for the same simulated time in the
same process on the same machine: the ratio of events per wall-clock second says what our
network's extra machinery (value traces, gates, rate matching, monitors) costs.

Usage: ``python benchmarks/spiking_speed.py --run-dir runs/paper-seed1 --json figures/spiking_speed.json``
(about 3 minutes; without ``--run-dir`` a randomly initialised 784-1000-100 model is used).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import brian2 as b2
import numpy as np

from spiking_em.glyphs import glyph_dataset
from spiking_em.layers import init_params
from spiking_em.rate_vs_spike import CompareConfig, model_values
from spiking_em.spiking import device, schedule
from spiking_em.spiking.areas import AREAS, PATHWAYS, AreaNetwork, derive_gains
from spiking_em.spiking.readout import run_presentations
from spiking_em.spiking.transfer import fitted_transfer


def _model(run_dir):
    from spiking_em.model import TrainedModel
    if run_dir:
        model = TrainedModel.load(run_dir)
        return model.params.astype(np.float64), model
    return init_params((784, 1000, 100), rng=np.random.default_rng(0), dtype=np.float64), None


def measure_areas(params, model, digits, config: CompareConfig, seed: int) -> tuple[dict, dict]:
    """Spiking INFERENCE on ``digits``; returns (figures, mean rate per area in Hz)."""
    if model is not None:
        values = model_values(model, digits)
    else:
        from spiking_em.inference import infer
        h1, h2 = infer(digits, params)
        values = {"x": digits, "h1": h1, "h2": h2}
    gains = derive_gains(values, config.network.r_max_hz)
    fit, _ = fitted_transfer(config.network.lif, r_max_hz=config.network.r_max_hz)
    t0 = time.perf_counter()
    net = AreaNetwork(params.sizes, "spiking", config.network, fit, seed=seed)
    build_s = time.perf_counter() - t0
    phases = schedule.inference_phases(config.n_steps, config.alpha, config.ff_slots)
    pres = [schedule.Presentation(phases, clamp=x) for x in digits]
    t0 = time.perf_counter()
    ro = run_presentations(net, params, gains, pres, [config.ff_slots + config.n_steps - 1],
                           delta=config.delta, window=config.window_slots,
                           rng=np.random.default_rng(seed))
    wall = time.perf_counter() - t0
    rates = {area: float(np.sum(net.monitors[f"counts_{area}"].count[:]) /
                         (len(net.groups[area]) * config.network.n_slots *
                          config.network.slot_ms * 1e-3))
             for area, _, _ in AREAS}                      # last run only
    figures = {"digits": len(digits), "wall_s": wall, "binary_run_s": ro.run_s,
               "digits_per_minute": 60 * len(digits) / wall, "sim_s": ro.sim_s,
               "sim_s_per_wall_s": ro.sim_s / ro.run_s, "synaptic_events": ro.n_events,
               "events_per_wall_s": ro.n_events / ro.run_s, "runs": ro.n_runs,
               "compilations": 1, "compile_s": net.compile_s, "build_s": build_s,
               "synapses": net.n_synapses}
    device.reset()
    return figures, rates


BARE_EQS = """
dv/dt = (I - v) / tau_m : 1 (unless refractory)
I : 1 (constant)
"""


def measure_bare(params, rates: dict, config: CompareConfig, sim_s: float, seed: int) -> dict:
    """A bare LIF network with the same sizes, synapses and per-area rates."""
    lif = config.network.lif
    device.activate_standalone(seed)
    b2.defaultclock.dt = lif.dt_ms * b2.ms
    n_x, n_h1, n_h2 = params.sizes
    sizes = {"X": n_x, "XR": n_x, "F1X": n_h1, "F1XR": n_h1, "H1": n_h1, "G2H2": n_h1,
             "F2H1": n_h2, "F2G2": n_h2, "H2": n_h2}
    groups, objects = {}, []
    for area, kind, _ in AREAS:
        if kind == "visible":
            g = b2.PoissonGroup(sizes[area], rates=max(rates[area], 0.1) * b2.Hz, name=area)
        else:
            g = b2.NeuronGroup(sizes[area], BARE_EQS, threshold="v > 1", reset="v = 0",
                               refractory=lif.refractory_ms * b2.ms, method="exact", name=area,
                               namespace={"tau_m": lif.tau_m_ms * b2.ms})
            # noise-free LIF: the current of the area's mean rate
            isi = 1 / max(rates[area], 0.1) - lif.refractory_ms * 1e-3
            g.I = 1 / (1 - np.exp(-max(isi, 1e-4) / (lif.tau_m_ms * 1e-3)))
        groups[area] = g
        objects.append(g)
    counts = {}
    for name, src, dst, _, weight in PATHWAYS:
        syn = b2.Synapses(groups[src], groups[dst], "w : 1", on_pre="v_post += w" if dst != "X"
                          else "", name=name)
        if weight is None:
            syn.connect(j="i")
        else:
            syn.connect()
        syn.w = 1e-4
        objects.append(syn)
    for area in groups:
        counts[area] = b2.SpikeMonitor(groups[area], record=False, name=f"count_{area}")
    net = b2.Network(*objects, *counts.values())
    net.run(sim_s * b2.second)
    directory = device.cache_dir(f"bare_{n_x}-{n_h1}-{n_h2}")
    compile_s = device.build(directory)
    run_s = device.run(directory, {})
    fanout = {name: (1 if weight is None else sizes[dst]) for name, _, dst, _, weight in PATHWAYS}
    events = sum(int(np.sum(counts[src].count[:])) * fanout[name]
                 for name, src, *_ in PATHWAYS)
    device.reset()
    return {"sim_s": sim_s, "binary_run_s": run_s, "sim_s_per_wall_s": sim_s / run_s,
            "synaptic_events": events, "events_per_wall_s": events / run_s,
            "compile_s": compile_s}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", default=None)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--digits", type=int, default=160)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)

    params, model = _model(args.run_dir)
    try:
        from spiking_em import data
        digits = data.load("mnist", args.data_dir).test[:args.digits].astype(np.float64)
        source = "MNIST test digits"
    except Exception:  # no MNIST here: the embedded glyphs (same shape)
        digits = glyph_dataset(n_train=10, n_valid=10, n_test=args.digits).test.astype(np.float64)
        source = "embedded glyphs"
    config = CompareConfig()
    ours, rates = measure_areas(params, model, digits, config, args.seed)
    bare = measure_bare(params, rates, config, ours["sim_s"], args.seed)
    result = {"areas": ours, "bare_brian2": bare, "area_rates_hz": rates,
              "events_per_s_ratio_bare_over_ours": bare["events_per_wall_s"] / ours["events_per_wall_s"],
              "load_average_1min_at_end": os.getloadavg()[0], "cpu_count": os.cpu_count(),
              "settings": {"digits": args.digits, "source": source, "run_dir": args.run_dir,
                           "seed": args.seed, "compare": config.as_dict()}}
    print(f"spiking INFERENCE: {ours['digits_per_minute']:.0f} digits/min "
          f"({ours['digits']} digits, {config.ff_slots + config.n_steps} slots of "
          f"{config.network.slot_ms:g} ms each), {ours['sim_s_per_wall_s']:.2f} simulated s per "
          f"wall s, compiled once in {ours['compile_s']:.1f} s")
    print(f"synaptic events/s: ours {ours['events_per_wall_s']:.3g}, bare Brian2 "
          f"{bare['events_per_wall_s']:.3g} -> bare/ours = "
          f"{result['events_per_s_ratio_bare_over_ours']:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
