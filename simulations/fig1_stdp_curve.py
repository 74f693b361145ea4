"""Figure 1 of Bengio et al. (2015): the STDP curve produced by ΔW ∝ S_pre · dV_post/dt.

Paper: *Towards Biologically Plausible Deep Learning*, Sec. 2. Around a pre-synaptic spike,
post-synaptic voltages drift with random slopes; the rule's mean ΔW per ΔT = t_post − t_pre
bin reproduces the STDP window. Runs the numpy ramp simulation (hard and escape-noise
thresholds) and the same rule as a Brian2 synapse on 40,000 LIF neurons (C++ standalone,
compiled once), fits two-sided exponentials and compares τ± with Bi & Poo (1998).
About 1 minute on 2 cores (plus one 10-30 s compilation); ``--quick`` uses 4,000 trials.

Writes figures/fig1_stdp_curve.{png,json}.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from _common import FIGURES


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(FIGURES))
    parser.add_argument("--seed", type=int, default=0)  # fixed seed: numpy and Brian2 streams
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--backends", nargs="+", default=["numpy", "brian2"],
                        choices=["numpy", "brian2"])
    args = parser.parse_args(argv)

    from spiking_em.plotting import write_json
    from spiking_em.stdp_figures import curve_results, plot_curve
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # Run
    results = [curve_results(b, seed=args.seed, quick=args.quick) for b in args.backends]
    # Analysis and plotting
    plot_curve(results, out / "fig1_stdp_curve.png")
    write_json(out / "fig1_stdp_curve.json", {r["backend"]: r for r in results})
    for r in results:
        f = r["fit"]
        print(f"{r['backend']}: shape {r['shape']}; tau+ {f.get('tau_plus_ms', float('nan')):.1f} ms, "
              f"tau- {f.get('tau_minus_ms', float('nan')):.1f} ms (Bi & Poo 16.8 / 33.7); "
              f"{r['timing']}")
    print(f"wrote {out / 'fig1_stdp_curve.png'} and .json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
