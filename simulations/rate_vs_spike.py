"""Rate vs spikes: the trained model as Brian2 LIF areas, its rate-unit twin and numpy.

Paper: *Towards Biologically Plausible Deep Learning*, Sec. 3 and 9 (INFERENCE as neural
dynamics; spikes as a noisy quantization of the voltages). Runs the same test digits through
the numpy rate model, the Brian2 rate network and the Brian2 LIF network: log p(x, h) over
INFERENCE (Fig. 4 analogue), in-painting (Fig. 5 analogue), samples of the free-running
networks with Parzen LL (Fig. 3 analogue), spike rasters and the cost per digit.
Full run (``--run-dir runs/paper-seed1``): about 45 minutes on 2 cores (1000 digits, 500
samples); ``--quick`` trains a small glyph model and runs 12 digits and 60 samples (a few
minutes).

Writes figures/rate_vs_spike.json, rate_vs_spike_logp.png, rate_vs_spike_images.png,
rate_vs_spike_raster.png and the GENERATE samples of every network (rate_vs_spike_samples.npz,
N x 784 in [0, 1] per network).
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from _common import dataset_for, model_for_figures, model_parser


def main(argv=None) -> int:
    parser = model_parser(__doc__)
    parser.add_argument("--variants", nargs="+", choices=["spiking", "stochastic", "rate"],
                        default=None, help="Brian2 networks to run: sigma-delta LIF, Poisson "
                        "neurons, rate units (default: all three)")
    args = parser.parse_args(argv)

    # Parameters / Model
    from spiking_em.experiments import rate_vs_spike_figures
    from spiking_em.experiments.rate_vs_spike import CompareConfig, compare
    out = Path(args.out)
    model = model_for_figures(args.run_dir, args.quick, out)
    dataset = dataset_for(model, args.data_dir)
    config = CompareConfig.quick() if args.quick else CompareConfig()
    if args.quick:
        config = replace(config, n_digits=min(config.n_digits, len(dataset.test)))
    if args.variants:
        config = replace(config, variants=tuple(args.variants))
    # Run
    t0 = time.perf_counter()
    results, arrays = compare(model, dataset, config, seed=args.seed,
                              progress=lambda m: print(f"[{time.perf_counter() - t0:6.1f} s] {m}",
                                                       flush=True))
    # Analysis and plotting
    for path in rate_vs_spike_figures.write_all(out, results, arrays):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
