"""What Poisson neurons cost, and what more time per iteration or a longer read-out buys back.

Paper: *Towards Biologically Plausible Deep Learning*, Sec. 3 and 9 ("a neural implementation
using spikes with Poisson rates as the source of signal quantization and randomness"). The
package's stochastic unit model fires every neuron of the areas as an inhomogeneous Poisson
process at the rate the sigma-delta LIF neuron would have (Fano factor 1). This script runs
the rate-vs-spike comparison (spike-borne read-outs, the same digits and samples) for:

- ``lif``: the sigma-delta LIF network (reference);
- ``poisson``: the Poisson network with the same schedule;
- ``poisson-long-readout``: the same, counting the end state / pixels over a 4x longer hold;
- ``poisson-slow``: twice the time per INFERENCE iteration (40 ms slots and synaptic filters),
  so each iteration averages twice as many spikes.

Every variant is one sweep run (Dask local cluster by default, ``--scheduler ADDRESS``).
About 25 minutes on 2 cores with the defaults (200 digits, 200 samples).
Writes figures/stochastic_budget.{json,png}.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from _common import FIGURES, parse_sweep_args, sweep_args

#: name -> (variant, CompareConfig changes, NetworkConfig changes)
SETTINGS = {
    "lif": ("spiking", {}, {}),
    "poisson": ("stochastic", {}, {}),
    "poisson-long-readout": ("stochastic", {"end_slots": 40}, {}),
    "poisson-slow": ("stochastic", {}, {"slot_ms": 40.0, "tau_syn_ms": 40.0}),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", required=True, help="a trained model (runs/paper-seed1)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", default=str(FIGURES))
    parser.add_argument("--n-digits", type=int, default=200)
    parser.add_argument("--n-samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=list(SETTINGS))
    parser.add_argument("--quick", action="store_true",
                        help="10 digits and 10 samples, LIF and Poisson only (a smoke test)")
    sweep_args(parser)
    args = parse_sweep_args(parser, argv)
    if args.quick:
        args.n_digits, args.n_samples, args.settings = 10, 10, ["lif", "poisson"]

    from spiking_em.experiments.plotting import write_json
    from spiking_em.experiments.stochastic_budget import budget_run, plot_budget
    from spiking_em.sweep import Run, run_sweep
    t0 = time.perf_counter()
    say = lambda m: print(f"[{time.perf_counter() - t0:6.1f} s] {m}", flush=True)  # noqa: E731
    run_dir = str(Path(args.run_dir).resolve())
    runs = [Run(name, budget_run, {"run_dir": run_dir, "data_dir": args.data_dir,
                                   "variant": SETTINGS[name][0], "changes": SETTINGS[name][1],
                                   "network_changes": SETTINGS[name][2],
                                   "n_digits": args.n_digits, "n_samples": args.n_samples,
                                   "seed": args.seed})
            for name in args.settings]
    results = run_sweep(runs, Path(args.run_dir) / "stochastic-budget", scheduler=args.scheduler,
                        n_workers=args.workers, say=say)
    out = Path(args.out) / "stochastic_budget.json"
    write_json(out, {"settings": {"run_dir": args.run_dir, "n_digits": args.n_digits,
                                  "n_samples": args.n_samples, "seed": args.seed,
                                  "variants": {k: SETTINGS[k] for k in args.settings}},
                     "results": results})
    for name, r in results.items():
        say(f"{name}: in-painting x{r['inpaint_ratio_to_numpy']:.2f} of numpy, Parzen "
            f"{r['parzen_minus_numpy']:+.1f} nats vs numpy, end state {r['end_state']:.2f} "
            f"(target {r['end_state_target']:.2f}), Fano H1 {r['fano_h1']:.2f}, "
            f"{r['digits_per_minute']:.0f} INFERENCE digits/min")
    png = plot_budget(results, out.with_suffix(".png"))
    print(f"wrote {out} and {png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
