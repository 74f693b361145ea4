"""STDP as SGD (Bengio et al. 2015, Sec. 2, beyond Fig. 1): the rule alone trains a layer.

Post-synaptic voltages are pulled by feedback from their feed-forward value towards targets
while pre-synaptic neurons fire Poisson spikes; ΔW = η S_pre dV_post/dt. Reports the cosine
between the summed rule updates and the true squared-error gradient (weights frozen) and the
training curve when the rule alone changes the weights, in numpy and in Brian2.
About 30 s on 2 cores (plus one Brian2 compilation); ``--quick`` runs 8 epochs.

Writes figures/stdp_sgd.{png,json}.
"""
from __future__ import annotations

from _common import backend_figure_main


def summary(r: dict) -> str:
    return (f"{r['backend']}: cosine {r['cosine_rule_vs_gradient']:.3f}, loss reduction "
            f"{100 * r['loss_reduction']:.1f}%, {r['timing']}")


def main(argv=None) -> int:
    from spiking_em.experiments.stdp_figures import plot_sgd, sgd_results
    return backend_figure_main(__doc__, "stdp_sgd", sgd_results, plot_sgd, summary, argv)


if __name__ == "__main__":
    raise SystemExit(main())
