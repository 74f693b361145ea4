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

from _common import backend_figure_main


def summary(r: dict) -> str:
    fit = r["fit"]
    return (f"{r['backend']}: shape {r['shape']}; tau+ {fit.get('tau_plus_ms', float('nan')):.1f} ms, "
            f"tau- {fit.get('tau_minus_ms', float('nan')):.1f} ms (Bi & Poo 16.8 / 33.7); {r['timing']}")


def main(argv=None) -> int:
    from spiking_em.experiments.stdp_figures import curve_results, plot_curve
    return backend_figure_main(__doc__, "fig1_stdp_curve", curve_results, plot_curve, summary, argv)


if __name__ == "__main__":
    raise SystemExit(main())
