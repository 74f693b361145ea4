"""Figures 3, 4 and 5 of Bengio et al. (2015) and the Parzen table, from one trained model.

Paper: *Towards Biologically Plausible Deep Learning*, Sec. 7. Shows GENERATE vs ancestral
samples with their Parzen log-likelihoods (Fig. 3), the rise of log p(x, h) over 20 INFERENCE
iterations on the test set (Fig. 4), and in-painting of half-missing digits (Fig. 5).
Takes about 4 minutes on 2 cores for a full MNIST model (10k samples, 10k test digits);
``--quick`` trains a small glyph model and uses small sample counts (about 1 minute).

Writes figures/fig3_samples.{png,json}, fig4_inference_logp.{png,json},
fig5_inpainting.{png,json} and parzen_table.{png,md,json}.
"""
from __future__ import annotations

from pathlib import Path

from _common import dataset_for, model_for_figures, model_parser


def main(argv=None) -> int:
    parser = model_parser(__doc__)
    args = parser.parse_args(argv)

    # Parameters / Model
    from spiking_em.evaluation.evaluate import EvalConfig, evaluate_model
    from spiking_em.experiments import plotting
    out = Path(args.out)
    model = model_for_figures(args.run_dir, args.quick, out)
    dataset = dataset_for(model, args.data_dir)
    # Run
    metrics, arrays = evaluate_model(model, dataset, seed=args.seed,
                                     config=EvalConfig.quick() if args.quick else EvalConfig.full(),
                                     progress=print)
    # Analysis and plotting
    for path in plotting.write_all(out, metrics, arrays):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
