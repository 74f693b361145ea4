"""Trials per second of the Fig. 1 simulation, numpy against one compiled Brian2 binary.

The Brian2 network (one LIF neuron per trial, one pre-synaptic spike, the rule as on_pre) is
compiled once; the compile time is reported separately and the binary is then re-run with
fresh trials through ``run_args`` (no recompilation).

    python benchmarks/stdp_speed.py [--trials 40000] [--reruns 3] [--json out.json]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

from spiking_em import atomic
from spiking_em.stdp import ramp


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40_000)
    parser.add_argument("--reruns", type=int, default=3)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    config = ramp.RampConfig(n_trials=args.trials)
    rng = np.random.default_rng(0)

    t0 = time.perf_counter()
    ramp.simulate_ramps(config, rng=rng)
    numpy_s = time.perf_counter() - t0

    # a fresh build folder, so the compile time is the real one and not a cache hit
    os.environ["SPIKING_EM_BRIAN2_CACHE"] = tempfile.mkdtemp(prefix="spiking-em-bench-")
    from spiking_em.spiking import device
    from spiking_em.stdp import synapse
    t0 = time.perf_counter()
    net = synapse.build_ramp_network(config, seed=0)
    build_s = time.perf_counter() - t0
    run_s = []
    for _ in range(args.reruns):
        t0 = time.perf_counter()
        synapse.run_ramp_network(net, rng=rng)
        run_s.append(time.perf_counter() - t0)
    device.reset()
    best = min(run_s)
    out = {"n_trials": args.trials, "simulated_ms_per_trial": 2 * config.window_ms,
           "numpy": {"run_s": numpy_s, "trials_per_s": args.trials / numpy_s},
           "brian2": {"compile_s": net.compile_s, "build_total_s": build_s, "run_s": run_s,
                      "trials_per_s": args.trials / best, "n_compilations": 1}}
    print(f"numpy : {args.trials / numpy_s:9.0f} trials/s ({numpy_s:.2f} s for {args.trials})")
    print(f"brian2: {args.trials / best:9.0f} trials/s (best of {args.reruns} re-runs of one binary, "
          f"{best:.2f} s each incl. ~0.1 s start-up); compiled once in {net.compile_s:.1f} s")
    print(f"ratio brian2/numpy: {numpy_s / best:.2f}")
    if args.json:
        atomic.write_json(args.json, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
