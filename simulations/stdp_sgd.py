"""STDP as SGD (Bengio et al. 2015, Sec. 2, beyond Fig. 1): the rule alone trains a layer.

Post-synaptic voltages are pulled by feedback from their feed-forward value towards targets
while pre-synaptic neurons fire Poisson spikes; ΔW = η S_pre dV_post/dt. Reports the cosine
between the summed rule updates and the true squared-error gradient (weights frozen) and the
training curve when the rule alone changes the weights, in numpy and in Brian2.
About 30 s on 2 cores (plus one Brian2 compilation); ``--quick`` runs 8 epochs.

Writes figures/stdp_sgd.{png,json}.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from _common import FIGURES


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(FIGURES))
    parser.add_argument("--seed", type=int, default=0)  # fixed seed for the task and the spikes
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--backends", nargs="+", default=["numpy", "brian2"],
                        choices=["numpy", "brian2"])
    args = parser.parse_args(argv)

    from spiking_em.plotting import write_json
    from spiking_em.stdp_figures import plot_sgd, sgd_results
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = [sgd_results(b, seed=args.seed, quick=args.quick) for b in args.backends]
    plot_sgd(results, out / "stdp_sgd.png")
    write_json(out / "stdp_sgd.json", {r["backend"]: r for r in results})
    for r in results:
        print(f"{r['backend']}: cosine {r['cosine_rule_vs_gradient']:.3f}, loss reduction "
              f"{100 * r['loss_reduction']:.1f}%, {r['timing']}")
    print(f"wrote {out / 'stdp_sgd.png'} and .json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
