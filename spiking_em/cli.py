"""``spiking-em`` command line.

Every failure ends in one line on stderr naming the file or option and what to do, with exit
code 2 and no traceback; option values and output paths are checked before any work starts,
and no command replaces a previous run's results unless asked (``--overwrite``).
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import replace
from pathlib import Path

from spiking_em import __version__
from spiking_em.preflight import (
    UsageError,
    no_overwrite,
    nonnegative_int,
    open_fraction,
    output_dir,
    positive_float,
    positive_int,
)

logger = logging.getLogger("spiking_em")


def _load_dataset(name: str, data_dir, *, download: bool):
    from spiking_em import data
    from spiking_em.data import glyphs
    if name == "glyphs":
        print("rendering the embedded glyph digits (about 10 s)", flush=True)
        return glyphs.glyph_dataset()
    return data.load(name, data_dir, download=download)


def _train_command(args) -> int:
    from spiking_em.model.config import TrainConfig
    from spiking_em.model.training import train
    from spiking_em.progress import ProgressBar

    overrides = {k: v for k, v in (("epochs", args.epochs), ("learning_rate", args.learning_rate),
                                   ("lr_decay", args.lr_decay),
                                   ("optimizer", args.optimizer), ("batch_size", args.batch_size),
                                   ("prior_spread", args.prior_spread),
                                   ("n_hidden1", args.n_hidden1), ("n_hidden2", args.n_hidden2))
                 if v is not None}
    config = TrainConfig.preset(args.preset, window_s=args.window, **overrides)
    if args.corrupt:
        config = replace(config, corruptions=config.corruptions.with_overrides(args.corrupt))
    out = output_dir(args.out, "--out")
    _check_run_dir(out, args, config)
    print("corruptions: " + ", ".join(f"{k}={v.describe()}"
                                      for k, v in config.corruptions.__dict__.items()))
    dataset = _load_dataset(args.dataset, args.data_dir, download=not args.no_download)
    print(f"data: {dataset.summary()}")
    train_x = dataset.train[:args.n_train] if args.n_train else dataset.train
    bar = {"epoch": None, "bar": None}

    def progress(p):
        if bar["epoch"] != p.epoch:
            bar["epoch"], bar["bar"] = p.epoch, ProgressBar(f"epoch {p.epoch}/{config.epochs}")
        bar["bar"].update(p.batch, p.n_batches, f"{p.examples_per_s:6.0f} ex/s")

    def on_epoch(r):
        losses = " ".join(f"L_{k}={v:.3f}" for k, v in r.losses.items())
        print(f"epoch {r.epoch:3d}  {losses}  valid reconstruction {r.valid_reconstruction:.3f}"
              f"  ({r.seconds:.1f} s)", flush=True)

    t0 = time.perf_counter()
    try:
        train(train_x, dataset.valid, config, seed=args.seed, out_dir=out, resume=args.resume,
              allow_changes=args.allow_changes, dataset_name=dataset.name, progress=progress,
              on_epoch=on_epoch)
    except KeyboardInterrupt:
        print(f"\ninterrupted; the last checkpoint in {out} is kept. Continue with the same "
              "command and --resume.", file=sys.stderr)
        return 130
    print(f"trained in {time.perf_counter() - t0:.0f} s; model written to {Path(args.out) / 'model.npz'}")
    return 0


def _check_run_dir(out: Path, args, config) -> None:
    """Before loading data: refuse to reuse a run directory, or check that it can resume."""
    from spiking_em.model import checkpoint
    from spiking_em.model.trained import TrainedModel
    from spiking_em.model.training import CHECKPOINT_FILE, check_resumable

    ckpt = out / CHECKPOINT_FILE
    if not args.resume:
        if ckpt.exists() or (out / TrainedModel.FILE).exists():
            raise UsageError(f"--out {out} holds a previous run; pass --resume to continue it or "
                             "choose another --out")
        if args.allow_changes:
            raise UsageError("--allow-changes only applies with --resume")
        return
    if not ckpt.is_file():
        raise UsageError(f"--resume: there is no {ckpt} to continue; drop --resume to start "
                         "a new run")
    _, meta = checkpoint.load(ckpt)
    check_resumable(meta, config, seed=args.seed, dataset_name=args.dataset,
                    allow_changes=args.allow_changes, path=ckpt)


def _evaluate_command(args) -> int:
    from spiking_em.evaluation.evaluate import (
        EvalConfig,
        evaluate_model,
        prior_spread_comparison,
    )
    from spiking_em.experiments import plotting
    from spiking_em.model.trained import TrainedModel
    from spiking_em.model.training import infer_all

    model = TrainedModel.load(args.run_dir)
    run_dir = output_dir(args.run_dir, "RUN_DIR")
    figures = output_dir(args.figures, "--figures") if args.figures else run_dir
    no_overwrite([run_dir / "metrics.json", figures / "fig3_samples.png"], "--figures",
                 args.overwrite)
    dataset = _load_dataset(args.dataset or model.meta.get("dataset", "mnist"), args.data_dir,
                            download=not args.no_download)
    config = EvalConfig.quick() if args.quick else EvalConfig.full()
    t0 = time.perf_counter()
    metrics, arrays = evaluate_model(model, dataset, seed=args.seed, config=config,
                                     progress=lambda m: print(f"[{time.perf_counter() - t0:6.1f} s] {m}",
                                                              flush=True))
    n_prior = 2000 if args.quick else len(dataset.train)
    _, h2 = infer_all(dataset.train[:n_prior], model.params, model.config.inference)
    metrics["parzen_ll_generate_by_prior_spread"] = prior_spread_comparison(
        model, dataset, h2, seed=args.seed, config=config)
    out = Path(args.run_dir) / "metrics.json"
    plotting.write_json(out, metrics)
    if args.figures:
        plotting.write_json(Path(args.figures) / "rate_model_metrics.json", metrics)
    figs = plotting.write_all(figures, metrics, arrays)
    _print_summary(metrics)
    print(f"metrics: {out}\nfigures: " + ", ".join(str(f) for f in figs))
    return 0


def _compare_command(args) -> int:
    from dataclasses import replace as dc_replace

    from spiking_em.experiments import rate_vs_spike_figures
    from spiking_em.experiments.rate_vs_spike import CompareConfig, compare
    from spiking_em.model.trained import TrainedModel

    model = TrainedModel.load(args.run_dir)
    out = output_dir(args.out, "--out")
    no_overwrite([out / "rate_vs_spike.json"], "--out", args.overwrite)
    dataset = _load_dataset(args.dataset or model.meta.get("dataset", "mnist"), args.data_dir,
                            download=not args.no_download)
    config = CompareConfig.quick() if args.quick else CompareConfig()
    changes = {k: v for k, v in (("n_digits", args.n_digits), ("n_samples", args.n_samples))
               if v is not None}
    if args.rate_digits is not None:
        changes.update(n_rate_digits=args.rate_digits, n_rate_samples=args.rate_digits)
    network = {k: v for k, v in (("clip_quantile", args.clip_quantile),
                                 ("signed", None if args.code is None else args.code == "signed"))
               if v is not None}
    if network:
        changes["network"] = dc_replace(config.network, **network)
    config = dc_replace(config, **changes)
    t0 = time.perf_counter()
    results, arrays = compare(model, dataset, config, seed=args.seed,
                              progress=lambda m: print(f"[{time.perf_counter() - t0:6.1f} s] {m}",
                                                       flush=True))
    paths = rate_vs_spike_figures.write_all(out, results, arrays)
    inf, inp, gen = results["inference"], results["inpainting"], results["generation"]
    rate = {k: (f"{results[k]['rate'][m]['mean']:{f}}" if "rate" in results[k] else "skipped")
            for k, m, f in (("inference", "gain", "+.2f"), ("inpainting", "mse", ".4f"))}
    lif = inf["spiking"]
    print(f"log p(x,h) gain over the feed-forward start: numpy {inf['numpy']['gain']['mean']:+.2f}, "
          f"Brian2 rate {rate['inference']}, LIF decoded {lif['gain']['mean']:+.2f} / "
          f"state {lif['state']['gain']['mean']:+.2f} "
          f"(LIF/numpy on the same digits {lif['gain_ratio_to_numpy']:.2f} / "
          f"{lif['state']['gain_ratio_to_numpy']:.2f}); LIF decoded start and end minus numpy's "
          f"{lif['start_minus_numpy']['mean']:+.2f}, {lif['end_minus_numpy']['mean']:+.2f}")
    print(f"in-painting MSE: numpy {inp['numpy']['mse']['mean']:.4f}, Brian2 rate "
          f"{rate['inpainting']}, LIF {inp['spiking']['mse']['mean']:.4f} "
          f"(x{inp['spiking']['ratio_to_numpy']:.2f}), mean image {inp['mean_image']['mse']['mean']:.4f}")
    print(f"Parzen LL (sigma {gen['sigma']:.3g}): numpy {gen['numpy']['parzen_ll']['mean']:.1f}, "
          f"LIF {gen['spiking']['parzen_ll']['mean']:.1f} "
          f"({gen['spiking']['difference_to_numpy']:+.1f} vs numpy with as many samples)")
    print(f"{results['n_compilations']} compilations; LIF inference "
          f"{inf['spiking']['cost']['items_per_minute']:.0f} digits/min; wrote "
          + ", ".join(str(p) for p in paths))
    return 0


def _print_summary(metrics: dict) -> None:
    g, a = metrics["parzen_ll_generate"], metrics["parzen_ll_ancestral"]
    c = metrics["logp_curve"]
    print(f"Parzen LL GENERATE  {g['mean']:8.1f} ± {g['se']:.1f} nats (σ={g['sigma']:.3g}); "
          f"at σ=0.2: {g['mean_at_sigma_0.2']:.1f}")
    print(f"Parzen LL ancestral {a['mean']:8.1f} ± {a['se']:.1f} nats (σ={a['sigma']:.3g}); "
          f"at σ=0.2: {a['mean_at_sigma_0.2']:.1f}")
    print(f"log p(x,h): {c['mean'][0]:.1f} -> {c['mean'][-1]:.1f} over {len(c['mean']) - 1} "
          f"iterations; rises at every one: {c['rises_at_every_iteration']}")
    print(f"in-painting MSE {metrics['inpaint_mse']['mean']:.4f} vs mean image "
          f"{metrics['inpaint_mse_mean_image']['mean']:.4f} "
          f"(ratio {metrics['inpaint_ratio_to_mean_image']:.2f})")


def _demo_command(args) -> int:
    from spiking_em import data
    from spiking_em.experiments.demo import run_demo
    out = output_dir(args.out, "--out")
    no_overwrite([out / "run", out / "fig3_samples.png"], "--out", args.overwrite)
    try:
        dataset = data.load("mnist", args.data_dir)
        note = "MNIST found"
    except data.DataNotFoundError:
        from spiking_em.experiments.demo import demo_glyphs
        print("MNIST not found: rendering the embedded glyph digits (no download)", flush=True)
        dataset = demo_glyphs()
        note = "embedded glyph digits"
    print(f"demo data: {note}; {dataset.summary()}")
    run_demo(dataset, out_dir=out, seed=args.seed, print_fn=print, overwrite=args.overwrite)
    return 0


def _fetch_command(args) -> int:
    from spiking_em import data
    path = data.locate(args.dataset, args.data_dir, download=True)
    print(f"{args.dataset} is in {path}")
    return 0


def _stdp_command(args) -> int:
    """``stdp-curve`` and ``stdp-sgd``: one experiment of Fig. 1, one backend."""
    from spiking_em.experiments import stdp_figures
    name = args.command.replace("-", "_")
    out = output_dir(args.out, "--out")
    no_overwrite([out / f"{name}.json"], "--out", args.overwrite)
    run = {"stdp_curve": stdp_figures.run_stdp_curve, "stdp_sgd": stdp_figures.run_stdp_sgd}[name]
    run(backend=args.backend, out_dir=out, seed=args.seed, quick=args.quick, print_fn=print)
    return 0


class _DefaultsFormatter(argparse.HelpFormatter):
    """Help that shows each option's default where it has a meaningful one."""

    def _get_help_string(self, action):
        text = action.help or ""
        silent = action.default is None or action.default is False
        if not silent and action.default != argparse.SUPPRESS and "%(default)" not in text:
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``spiking-em train: error: argument --epochs: ...``)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


SEED_HELP = "seed of every random stream (numpy and Brian2)"
COMMANDS = {
    "demo": "short train + evaluate + figures on embedded data (about 3 minutes)",
    "fetch-data": "download MNIST or Fashion-MNIST into the user cache",
    "train": "train with Algorithm 2 (TRAIN)",
    "evaluate": "write RUN_DIR/metrics.json and figures 3-5",
    "compare": "rate vs spikes: numpy, Brian2 rate and Brian2 LIF networks on the same digits",
    "stdp-curve": "Fig. 1: the STDP curve",
    "stdp-sgd": "STDP acting as SGD (delta rule)",
}


def build_parser() -> argparse.ArgumentParser:
    fmt = _DefaultsFormatter
    parser = _Parser(prog="spiking-em", formatter_class=fmt,
                     description="Bengio et al. (2015), Towards Biologically Plausible Deep "
                                 "Learning: STDP as SGD, inference by target propagation, "
                                 "variational EM, and Brian2 spiking areas.")
    parser.add_argument("--version", action="version", version=f"spiking-em {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)

    def command(name, func):
        p = sub.add_parser(name, help=COMMANDS[name], description=COMMANDS[name],
                           formatter_class=fmt)
        p.set_defaults(func=func)
        return p

    def data_args(p):
        p.add_argument("--data-dir", default=None, help="directory with the four IDX files "
                       "(else $SPIKING_EM_DATA, then the user cache)")
        p.add_argument("--no-download", action="store_true", help="never try to download")

    def overwrite_arg(p):
        p.add_argument("--overwrite", action="store_true",
                       help="replace the results of a previous run in the output directory")

    p = command("demo", _demo_command)
    p.add_argument("--out", default="spiking-em-demo", help="output directory")
    p.add_argument("--seed", type=int, default=0, help=SEED_HELP)
    p.add_argument("--data-dir", default=None, help="where to look for MNIST")
    overwrite_arg(p)

    p = command("fetch-data", _fetch_command)
    p.add_argument("--dataset", default="mnist", choices=["mnist", "fashion-mnist"],
                   help="data set")
    p.add_argument("--data-dir", default=None, help="where to look before downloading")

    p = command("train", _train_command)
    p.add_argument("--dataset", default="mnist", choices=["mnist", "fashion-mnist", "glyphs"],
                   help="data set (glyphs: embedded, no download)")
    p.add_argument("--preset", default="paper", choices=["paper", "poisson", "mixed"],
                   help="paper: Gaussian + Bernoulli-3 noise; poisson: Poisson-rate quantization "
                        "of every layer; mixed: Gaussian pixels, Poisson h1 and h2")
    p.add_argument("--window", type=positive_float, default=None, metavar="SECONDS",
                   help="spike-counting window T of the poisson/mixed presets (preset: 0.1)")
    p.add_argument("--epochs", type=positive_int, help="training epochs (preset: 20)")
    p.add_argument("--seed", type=int, default=0, help=SEED_HELP)
    p.add_argument("--out", required=True, help="run directory (checkpoint.npz, model.npz)")
    p.add_argument("--resume", action="store_true", help="continue from RUN_DIR/checkpoint.npz")
    p.add_argument("--allow-changes", action="store_true",
                   help="with --resume: continue a finished or diverged run with another "
                        "--learning-rate or more --epochs")
    p.add_argument("--optimizer", choices=["rmsprop", "sgd", "adam"], help="optimizer (preset: rmsprop with momentum)")
    p.add_argument("--learning-rate", type=positive_float, help="learning rate (preset: 1e-5)")
    p.add_argument("--lr-decay", type=positive_float, metavar="FACTOR",
                   help="learning rate of epoch e is LR * FACTOR**e (preset: 1, constant)")
    p.add_argument("--batch-size", type=positive_int, help="minibatch size (preset: 100)")
    p.add_argument("--n-hidden1", type=positive_int, help="units in h1 (preset: 1000)")
    p.add_argument("--n-hidden2", type=positive_int, help="units in h2 (preset: 100)")
    p.add_argument("--prior-spread", choices=["std", "variance"],
                   help="p(h2) spread: empirical std x 4 (authors' code, preset) or variance x 4 "
                        "(text)")
    p.add_argument("--n-train", type=positive_int, default=None,
                   help="use only the first N training images (default: all)")
    p.add_argument("--corrupt", action="append", default=[], metavar="NAME=SPEC",
                   help="per-layer corruption, repeatable: NAME in x_for_f1, h1_for_g1, h1_for_f2, "
                        "h2_for_g2; SPEC none | gaussian:SIGMA | bernoulli:K | "
                        "poisson:GAIN_HZ:WINDOW_S")
    data_args(p)

    p = command("evaluate", _evaluate_command)
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run directory with model.npz")
    p.add_argument("--dataset", default=None, choices=["mnist", "fashion-mnist", "glyphs"],
                   help="(default: the model's)")
    p.add_argument("--seed", type=int, default=0, help=SEED_HELP)
    p.add_argument("--quick", action="store_true", help="small sample counts (smoke test)")
    p.add_argument("--figures", default=None, help="directory for the figures (default RUN_DIR)")
    overwrite_arg(p)
    data_args(p)

    p = command("compare", _compare_command)
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run directory with model.npz")
    p.add_argument("--out", required=True, help="directory for rate_vs_spike.json and figures")
    p.add_argument("--dataset", default=None, choices=["mnist", "fashion-mnist", "glyphs"],
                   help="(default: the model's)")
    p.add_argument("--n-digits", type=positive_int, default=None,
                   help="test digits for INFERENCE and in-painting (default 1000)")
    p.add_argument("--n-samples", type=positive_int, default=None,
                   help="GENERATE samples of the LIF network and numpy (default 500)")
    p.add_argument("--rate-digits", type=nonnegative_int, default=None,
                   help="digits and samples through the Brian2 rate network (default 100; 0 skips)")
    p.add_argument("--clip-quantile", type=open_fraction, default=None,
                   help="quantile of |value - centre| that fires at the maximum rate, 400 Hz "
                        "(default 0.999: 0.1%% of values clipped)")
    p.add_argument("--code", choices=["signed", "plain"], default=None,
                   help="signed: ON/OFF neurons centred on the model's typical values (default); "
                        "plain: one neuron per unit firing at gain * value")
    p.add_argument("--seed", type=int, default=0, help=SEED_HELP)
    p.add_argument("--quick", action="store_true", help="20 digits (smoke test)")
    overwrite_arg(p)
    data_args(p)

    for name in ("stdp-curve", "stdp-sgd"):
        p = command(name, _stdp_command)
        p.add_argument("--backend", choices=["numpy", "brian2"], default="numpy",
                       help="numpy ramp model or Brian2 LIF synapse")
        p.add_argument("--out", required=True, help="output directory")
        p.add_argument("--seed", type=int, default=0, help=SEED_HELP)
        p.add_argument("--quick", action="store_true", help="fewer trials (smoke test)")
        overwrite_arg(p)
    return parser


def main(argv=None) -> int:
    """Run one command; returns its exit code (0 done, 2 bad input or a failed run, 130 Ctrl-C)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    # long silent phases say what they are doing: Brian2 compilation
    logging.getLogger("spiking_em.spiking.device").setLevel(logging.INFO)
    from spiking_em.model.training import TrainingDiverged
    from spiking_em.progress import ProgressBar
    try:
        return args.func(args)
    except KeyboardInterrupt:
        ProgressBar.end_line()
        print(f"spiking-em {args.command}: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError, TypeError, TrainingDiverged) as exc:
        # data, checkpoint and model errors (DataNotFoundError, DataCorruptError,
        # CorruptFileError) derive from these; an OSError is an unreadable or unwritable path
        ProgressBar.end_line()
        if args.verbose:
            logger.exception("traceback (-v)")
        message = " ".join(str(exc).split())
        print(f"spiking-em {args.command}: error: {message}", file=sys.stderr)
        return 2
