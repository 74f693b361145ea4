"""Speed of the spiking areas: digits per minute, simulated s per wall s, synaptic events per s.

The reference is a bare Brian2 network with the same neuron groups (sizes, ON/OFF included),
the same synapses (connectivity: 3.7 M for the paper's model) and the same firing rate in
every group, built from plain LIF neurons with constant currents and ``v_post += w`` synapses,
run for the same simulated time in the same process on the same machine, spikes counted the
same way (a counter in the reset): the ratio of events per wall-clock second says what our
network's extra machinery (dendrites, drive currents, gates, recorded spikes and states)
costs. Both binaries run single-threaded (OpenMP is slower on 2 cores).

Usage: ``python benchmarks/spiking_speed.py --run-dir runs/paper-seed1 --json figures/spiking_speed.json``
(about 5 minutes with the default 3 repeats; without ``--run-dir`` a randomly initialised 784-1000-100 model is used).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import brian2 as b2
import numpy as np

from spiking_em import atomic
from spiking_em.data.glyphs import glyph_dataset
from spiking_em.experiments.rate_vs_spike import CompareConfig, model_codes
from spiking_em.model.config import TrainConfig
from spiking_em.model.inference import GaussianPrior, infer
from spiking_em.model.layers import init_params
from spiking_em.model.trained import TrainedModel
from spiking_em.spiking import device, schedule
from spiking_em.spiking.areas import AREAS, PATHWAYS, AreaNetwork
from spiking_em.spiking.readout import run_presentations
from spiking_em.spiking.transfer import fitted_transfer


def _model(run_dir, digits):
    """The trained model, or a random one with a prior fitted to its own h2."""
    if run_dir:
        return TrainedModel.load(run_dir)
    params = init_params((784, 1000, 100), rng=np.random.default_rng(0), dtype=np.float64)
    _, h2 = infer(digits, params)
    return TrainedModel(params, GaussianPrior(h2.mean(axis=0), 4 * h2.std(axis=0) + 1e-3),
                        TrainConfig(), {})


def measure_areas(model, digits, config: CompareConfig, seed: int,
                  repeats: int) -> tuple[dict, dict, dict]:
    """Spiking INFERENCE on ``digits``, ``repeats`` times (figures of the median repeat by
    events per wall s); returns (figures, spikes per neuron per s by area, group sizes)."""
    params = model.params.astype(np.float64)
    codes = model_codes(model, digits, config.network)
    fit, _ = fitted_transfer(config.network.lif, r_max_hz=config.network.r_max_hz)
    t0 = time.perf_counter()
    net = AreaNetwork(params.sizes, "spiking", config.network, fit, seed=seed)
    build_s = time.perf_counter() - t0
    phases = schedule.inference_phases(config.n_steps, config.alpha, config.ff_slots)
    pres = [schedule.Presentation(phases, clamp=x) for x in digits]
    trials = []
    for _ in range(repeats):   # the same seed: identical work in every repeat
        t0 = time.perf_counter()
        ro = run_presentations(net, params, codes, pres, [config.ff_slots + config.n_steps - 1],
                               delta=config.delta, window=config.window_slots,
                               rng=np.random.default_rng(seed))
        trials.append((ro.n_events / ro.run_s, time.perf_counter() - t0, ro))
    trials.sort(key=lambda trial: trial[0])
    _, wall, ro = trials[len(trials) // 2]
    sim_last = config.network.n_slots * config.network.slot_ms * 1e-3
    sizes = {area: len(net.neurons[area]) for area, _, _ in AREAS}
    rates = {area: float(np.sum(net.neurons[area].n_spikes[:]) / (sizes[area] * sim_last))
             for area in sizes}                                # last run only
    figures = {"digits": len(digits), "wall_s": wall, "binary_run_s": ro.run_s,
               "digits_per_minute": 60 * len(digits) / wall, "sim_s": ro.sim_s,
               "sim_s_per_wall_s": ro.sim_s / ro.run_s, "synaptic_events": ro.n_events,
               "events_per_wall_s": ro.n_events / ro.run_s,
               "events_per_wall_s_repeats": [trial[0] for trial in trials], "runs": ro.n_runs,
               "compilations": 1, "compile_s": net.compile_s, "build_s": build_s,
               "synapses": net.n_synapses, "neurons": net.n_neurons,
               "dendrite_units": int(sum(net.units(a) for a, k, _ in AREAS if k != "visible"))}
    targets = {name: len(net.groups[dst]) if weight else 1 for name, _, dst, _, weight in PATHWAYS}
    device.reset()
    return figures, rates, {"sizes": sizes, "fanout": targets}


BARE_EQS = """
dv/dt = (I - v) / tau_m : 1 (unless refractory)
I : 1 (constant)
n_spikes : 1
"""
BARE_POISSON_EQS = """
rate : Hz (constant)
n_spikes : 1
"""


def measure_bare(layout: dict, rates: dict, config: CompareConfig, sim_s: float,
                 seed: int, repeats: int) -> dict:
    """A bare LIF network with the same groups, synapses and per-group rates, run ``repeats``
    times (the median run's figures)."""
    lif = config.network.lif
    device.activate_standalone(seed)
    b2.defaultclock.dt = lif.dt_ms * b2.ms
    sizes, fanout = layout["sizes"], layout["fanout"]
    groups, objects = {}, []
    for area, kind, _ in AREAS:
        if kind == "visible":   # counted like ours: by the reset
            g = b2.NeuronGroup(sizes[area], BARE_POISSON_EQS, threshold="rand() < rate * dt",
                               reset="n_spikes += 1", name=area)
            g.rate = max(rates[area], 0.1) * b2.Hz
        else:
            g = b2.NeuronGroup(sizes[area], BARE_EQS, threshold="v > 1",
                               reset="v -= 1\nn_spikes += 1",
                               refractory=lif.refractory_ms * b2.ms, method="euler", name=area,
                               namespace={"tau_m": lif.tau_m_ms * b2.ms})
            # noise-free LIF: the current that the measured, fitted curve (the one our areas
            # invert) assigns to the group's mean rate
            fit, _ = fitted_transfer(lif, r_max_hz=config.network.r_max_hz)
            g.I = float(fit.current_for_rate(max(rates[area], 0.1))[0])
        groups[area] = g
        objects.append(g)
    for name, src, dst, _, weight in PATHWAYS:
        n_targets = fanout[name]   # every source neuron reaches this many target neurons
        syn = b2.Synapses(groups[src], groups[dst], "w : 1",
                          on_pre="v_post += w" if dst != "X" else "", name=name)
        if weight is None:
            syn.connect(i=np.arange(sizes[src]), j=np.arange(sizes[src]) % sizes[dst])
        else:
            syn.connect(i=np.repeat(np.arange(sizes[src]), n_targets),
                        j=np.tile(np.arange(n_targets), sizes[src]))
        syn.w = 0.0   # every event does the same work; the rates stay those set above
        objects.append(syn)
    net = b2.Network(*objects)
    net.run(sim_s * b2.second)
    directory = device.build_dir("bare_" + "-".join(str(sizes[a]) for a, _, _ in AREAS))
    compile_s = device.build(directory)
    run_s = float(np.median([device.run(directory, {}) for _ in range(repeats)]))
    counts = {area: np.asarray(groups[area].n_spikes[:]) for area in groups}
    events = sum(int(np.sum(counts[src])) * fanout[name] for name, src, *_ in PATHWAYS)
    measured = {area: float(np.sum(counts[area]) / (sizes[area] * sim_s)) for area in groups}
    device.reset()
    return {"sim_s": sim_s, "binary_run_s": run_s, "sim_s_per_wall_s": sim_s / run_s,
            "synaptic_events": events, "events_per_wall_s": events / run_s,
            "compile_s": compile_s, "rates_hz": measured, "repeats": repeats}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", default=None)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--digits", type=int, default=160)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of each network; the median is reported (default 3)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)

    from spiking_em import data
    try:
        digits = data.load("mnist", args.data_dir, download=False).test[:args.digits].astype(np.float64)
        source = "MNIST test digits"
    except data.DataNotFoundError:  # no MNIST here: the embedded glyphs (same shape)
        digits = glyph_dataset(n_train=10, n_valid=10, n_test=args.digits).test.astype(np.float64)
        source = "embedded glyphs"
    model = _model(args.run_dir, digits)
    config = CompareConfig()
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")
    ours, rates, layout = measure_areas(model, digits, config, args.seed, args.repeats)
    bare = measure_bare(layout, rates, config, ours["sim_s"], args.seed, args.repeats)
    result = {"areas": ours, "bare_brian2": bare, "area_rates_hz": rates,
              "group_sizes": layout["sizes"],
              "events_per_s_ratio_bare_over_ours": bare["events_per_wall_s"] / ours["events_per_wall_s"],
              "load_average_1min_at_end": os.getloadavg()[0], "cpu_count": os.cpu_count(),
              "settings": {"digits": args.digits, "repeats": args.repeats, "source": source,
                           "run_dir": args.run_dir,
                           "seed": args.seed, "compare": config.as_dict()}}
    print(f"spiking INFERENCE: {ours['digits_per_minute']:.0f} digits/min "
          f"({ours['digits']} digits, {config.ff_slots + config.n_steps} slots of "
          f"{config.network.slot_ms:g} ms each), {ours['sim_s_per_wall_s']:.2f} simulated s per "
          f"wall s, compiled once in {ours['compile_s']:.1f} s")
    print(f"synaptic events/s: ours {ours['events_per_wall_s']:.3g}, bare Brian2 "
          f"{bare['events_per_wall_s']:.3g} -> bare/ours = "
          f"{result['events_per_s_ratio_bare_over_ours']:.2f} (medians of {args.repeats} runs; "
          f"ours per run: {', '.join(f'{e:.3g}' for e in ours['events_per_wall_s_repeats'])})")
    if args.json:
        atomic.write_json(args.json, result)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
