"""Helpers shared by the figure scripts: where figures go and how a model is obtained."""
from __future__ import annotations

from pathlib import Path

FIGURES = Path(__file__).resolve().parents[1] / "figures"


def model_parser(doc: str):
    """The arguments every model-based script shares: --run-dir, --data-dir, --out, --seed,
    --quick."""
    import argparse
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--run-dir", help="directory of a model trained by `spiking-em train`")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", default=str(FIGURES))
    parser.add_argument("--seed", type=int, default=0)  # fixed: numpy and Brian2 streams
    parser.add_argument("--quick", action="store_true")
    return parser


def variant_parser(doc: str, runs_dir: str):
    """The arguments of a script that trains a variant of the long run's spiking learner to one
    of its checkpoints: --data-dir, --out, --runs-dir, --seed, --presentations (default
    20,400), and the sweep's --scheduler and --workers (:func:`sweep_args`)."""
    import argparse
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", default=str(FIGURES))
    parser.add_argument("--runs-dir", default=runs_dir)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--presentations", type=int, default=20_400,
                        help="digits to learn (a long-run checkpoint: 5100, 10200, 20400, ...)")
    sweep_args(parser)
    return parser


def parse_variant_args(parser, argv, script: str):
    """Parse :func:`variant_parser`'s arguments and check them before any work (--workers
    defaults to 2; --presentations must be a long-run checkpoint), ending ``script`` with one
    line and exit code 2 on a bad one."""
    from spiking_em.experiments import at_scale
    args = parse_sweep_args(parser, argv)
    args.workers = args.workers or 2
    if args.presentations not in at_scale.CHECKPOINTS:
        refuse(script, f"--presentations must be one of the long run's checkpoints "
                       f"{', '.join(map(str, at_scale.CHECKPOINTS))}, got {args.presentations}")
    return args


def sweep_args(parser) -> None:
    """--scheduler and --workers: where a script's sweep runs (:mod:`spiking_em.sweep`)."""
    parser.add_argument("--scheduler", default=None,
                        help="address of a running Dask scheduler (default: a local cluster)")
    parser.add_argument("--workers", type=int, default=None,
                        help="local cluster size (default: one per core)")


def parse_sweep_args(parser, argv):
    """Parse, then check --scheduler and --workers before any work: a bad one ends the script
    with one line on stderr and exit code 2."""
    import sys

    from spiking_em.sweep import check_options
    args = parser.parse_args(argv)
    try:
        check_options(args.scheduler, args.workers)
    except ValueError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    return args


def model_for_figures(run_dir: str | None, quick: bool, out_dir: Path):
    """Load RUN_DIR's model, or (with --quick and no RUN_DIR) train a small one on glyphs."""
    from spiking_em.data.glyphs import glyph_dataset
    from spiking_em.model.config import TrainConfig
    from spiking_em.model.trained import TrainedModel
    from spiking_em.model.training import train

    if run_dir is not None:
        return TrainedModel.load(run_dir)
    if not quick:
        raise SystemExit("pass --run-dir RUN_DIR (a model trained by `spiking-em train`), "
                         "or --quick to train a small demonstration model")
    ds = glyph_dataset(n_train=2000, n_valid=300, n_test=300, seed=3)
    run = out_dir / "quick-model"
    for f in ("checkpoint.npz", "model.npz"):
        (run / f).unlink(missing_ok=True)
    config = TrainConfig.paper(n_hidden1=128, n_hidden2=16, epochs=2, optimizer="adam",
                               learning_rate=1e-3, batch_size=50)
    return train(ds.train, ds.valid, config, seed=0, out_dir=run, dataset_name="glyphs")


def dataset_for(model, data_dir: str | None):
    from spiking_em import data
    from spiking_em.data.glyphs import glyph_dataset
    name = model.meta.get("dataset", "mnist")
    if name == "glyphs":
        return glyph_dataset(n_train=2000, n_valid=300, n_test=300, seed=3)
    return data.load(name, data_dir)


def backend_figure_main(doc: str, name: str, results_fn, plot_fn, summary_fn, argv=None) -> int:
    """Shared body of the per-backend STDP scripts: run each backend, plot, write JSON."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--out", default=str(FIGURES))
    parser.add_argument("--seed", type=int, default=0)  # fixed seed: numpy and Brian2 streams
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--backends", nargs="+", default=["numpy", "brian2"],
                        choices=["numpy", "brian2"])
    args = parser.parse_args(argv)

    from spiking_em.experiments.plotting import write_json
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # Run
    results = [results_fn(b, seed=args.seed, quick=args.quick) for b in args.backends]
    # Analysis and plotting
    plot_fn(results, out / f"{name}.png")
    write_json(out / f"{name}.json", {r["backend"]: r for r in results})
    for r in results:
        print(summary_fn(r))
    print(f"wrote {out / (name + '.png')} and .json")
    return 0


def run_resumable(run, args) -> int:
    """``run(args)``, a script's work that keeps a spiking checkpoint: a Ctrl-C ends it with
    one line and exit code 130 (the checkpoint kept, the same command resumes)."""
    import sys
    try:
        return run(args)
    except KeyboardInterrupt:
        print("interrupted: the spiking checkpoint is kept; run the same command to resume",
              file=sys.stderr)
        return 130


def refuse(script: str, message: str):
    """End ``script`` before any work: one line on stderr naming what to fix, exit code 2."""
    import sys
    print(f"{script}: error: {message}", file=sys.stderr)
    raise SystemExit(2)
