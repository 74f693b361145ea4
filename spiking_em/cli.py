"""``spiking-em`` command line: demo, fetch-data, train, evaluate, figures, stdp-curve, stdp-sgd."""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from spiking_em import __version__

logger = logging.getLogger("spiking_em")


def _load_dataset(name: str, data_dir, *, download: bool):
    from spiking_em import data, glyphs
    if name == "glyphs":
        return glyphs.glyph_dataset()
    return data.load(name, data_dir, download=download)


def _train_command(args) -> int:
    from spiking_em.config import TrainConfig
    from spiking_em.progress import ProgressBar
    from spiking_em.training import train

    overrides = {k: v for k, v in (("epochs", args.epochs), ("learning_rate", args.learning_rate),
                                   ("optimizer", args.optimizer), ("batch_size", args.batch_size),
                                   ("prior_spread", args.prior_spread),
                                   ("n_hidden1", args.n_hidden1), ("n_hidden2", args.n_hidden2))
                 if v is not None}
    config = TrainConfig.preset(args.preset, window_s=args.window, **overrides)
    if args.corrupt:
        config = replace(config, corruptions=config.corruptions.with_overrides(args.corrupt))
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
        train(train_x, dataset.valid, config, seed=args.seed, out_dir=args.out,
              resume=args.resume, dataset_name=dataset.name, progress=progress, on_epoch=on_epoch)
    except KeyboardInterrupt:
        print(f"\ninterrupted; checkpoint saved in {args.out}. Continue with the same command "
              "and --resume.", file=sys.stderr)
        return 130
    print(f"trained in {time.perf_counter() - t0:.0f} s; model written to {Path(args.out) / 'model.npz'}")
    return 0


def _evaluate_command(args) -> int:
    from spiking_em import plotting
    from spiking_em.evaluate import EvalConfig, evaluate_model, prior_spread_comparison
    from spiking_em.model import TrainedModel
    from spiking_em.training import infer_all

    model = TrainedModel.load(args.run_dir)
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
    figs = plotting.write_all(args.figures or args.run_dir, metrics, arrays)
    _print_summary(metrics)
    print(f"metrics: {out}\nfigures: " + ", ".join(str(f) for f in figs))
    return 0


def _compare_command(args) -> int:
    from dataclasses import replace as dc_replace

    from spiking_em import rate_vs_spike_figures
    from spiking_em.model import TrainedModel
    from spiking_em.rate_vs_spike import CompareConfig, compare

    model = TrainedModel.load(args.run_dir)
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
    paths = rate_vs_spike_figures.write_all(args.out, results, arrays)
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
    from spiking_em.demo import run_demo
    try:
        dataset = data.load("mnist", args.data_dir)
        note = "MNIST found"
    except data.DataNotFoundError:
        from spiking_em.glyphs import glyph_dataset
        dataset = glyph_dataset()
        note = "MNIST not found: using the embedded glyph digits (no download)"
    print(f"demo data: {note}; {dataset.summary()}")
    run_demo(dataset, out_dir=Path(args.out), seed=args.seed, print_fn=print)
    return 0


def _fetch_command(args) -> int:
    from spiking_em import data
    path = data.locate(args.dataset, args.data_dir, download=True)
    print(f"{args.dataset} is in {path}")
    return 0


def _stdp_curve_command(args) -> int:
    from spiking_em.stdp_figures import run_stdp_curve
    run_stdp_curve(backend=args.backend, out_dir=Path(args.out), seed=args.seed,
                   quick=args.quick, print_fn=print)
    return 0


def _stdp_sgd_command(args) -> int:
    from spiking_em.stdp_figures import run_stdp_sgd
    run_stdp_sgd(backend=args.backend, out_dir=Path(args.out), seed=args.seed,
                 quick=args.quick, print_fn=print)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spiking-em", description=__doc__)
    parser.add_argument("--version", action="version", version=f"spiking-em {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)

    def data_args(p):
        p.add_argument("--data-dir", default=None, help="directory with the four IDX files "
                       "(else $SPIKING_EM_DATA, then the user cache)")
        p.add_argument("--no-download", action="store_true", help="never try to download")

    p = sub.add_parser("demo", help="short train + evaluate + figures on embedded data (minutes)")
    p.add_argument("--out", default="spiking-em-demo")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", default=None)
    p.set_defaults(func=_demo_command)

    p = sub.add_parser("fetch-data", help="download MNIST or Fashion-MNIST into the user cache")
    p.add_argument("--dataset", default="mnist", choices=["mnist", "fashion-mnist"])
    p.add_argument("--data-dir", default=None)
    p.set_defaults(func=_fetch_command)

    p = sub.add_parser("train", help="train with Algorithm 2 (TRAIN)")
    p.add_argument("--dataset", default="mnist", choices=["mnist", "fashion-mnist", "glyphs"])
    p.add_argument("--preset", default="paper", choices=["paper", "poisson", "mixed"],
                   help="paper: Gaussian + Bernoulli-3 noise; poisson: Poisson-rate quantization "
                        "of every layer; mixed: Gaussian pixels, Poisson h1 and h2")
    p.add_argument("--window", type=float, default=None, metavar="SECONDS",
                   help="spike-counting window T of the poisson/mixed presets (default 0.1)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="run directory (checkpoint.npz, model.npz)")
    p.add_argument("--resume", action="store_true", help="continue from RUN_DIR/checkpoint.npz")
    p.add_argument("--optimizer", choices=["rmsprop", "sgd", "adam"])
    p.add_argument("--learning-rate", type=float)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--n-hidden1", type=int)
    p.add_argument("--n-hidden2", type=int)
    p.add_argument("--prior-spread", choices=["std", "variance"],
                   help="p(h2) spread: empirical std x 4 (authors' code) or variance x 4 (text)")
    p.add_argument("--n-train", type=int, default=None, help="use only the first N training images")
    p.add_argument("--corrupt", action="append", default=[], metavar="NAME=SPEC",
                   help="per-layer corruption, repeatable: NAME in x_for_f1, h1_for_g1, h1_for_f2, "
                        "h2_for_g2; SPEC none | gaussian:SIGMA | bernoulli:K | "
                        "poisson:GAIN_HZ:WINDOW_S")
    data_args(p)
    p.set_defaults(func=_train_command)

    p = sub.add_parser("evaluate", help="write RUN_DIR/metrics.json and figures 3-5")
    p.add_argument("run_dir")
    p.add_argument("--dataset", default=None, choices=["mnist", "fashion-mnist", "glyphs"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="small sample counts (smoke test)")
    p.add_argument("--figures", default=None, help="directory for the figures (default RUN_DIR)")
    data_args(p)
    p.set_defaults(func=_evaluate_command)

    p = sub.add_parser("compare", help="rate vs spikes: numpy, Brian2 rate and Brian2 LIF "
                                       "networks on the same test digits")
    p.add_argument("run_dir")
    p.add_argument("--out", required=True, help="directory for rate_vs_spike.json and figures")
    p.add_argument("--dataset", default=None, choices=["mnist", "fashion-mnist", "glyphs"])
    p.add_argument("--n-digits", type=int, default=None,
                   help="test digits for INFERENCE and in-painting (default 1000)")
    p.add_argument("--n-samples", type=int, default=None,
                   help="GENERATE samples of the LIF network and numpy (default 500)")
    p.add_argument("--rate-digits", type=int, default=None,
                   help="digits and samples through the Brian2 rate network (default 100; 0 skips)")
    p.add_argument("--clip-quantile", type=float, default=None,
                   help="quantile of |value - centre| that fires at the maximum rate, 400 Hz "
                        "(default 0.999: 0.1%% of values clipped)")
    p.add_argument("--code", choices=["signed", "plain"], default=None,
                   help="signed: ON/OFF neurons centred on the model's typical values (default); "
                        "plain: one neuron per unit firing at gain * value")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="20 digits (smoke test)")
    data_args(p)
    p.set_defaults(func=_compare_command)

    for name, func, what in (("stdp-curve", _stdp_curve_command, "Fig. 1: the STDP curve"),
                             ("stdp-sgd", _stdp_sgd_command, "STDP acting as SGD (delta rule)")):
        p = sub.add_parser(name, help=what)
        p.add_argument("--backend", choices=["numpy", "brian2"], default="numpy")
        p.add_argument("--out", required=True)
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--quick", action="store_true")
        p.set_defaults(func=func)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from spiking_em.data import DataCorruptError, DataNotFoundError
    try:
        return args.func(args)
    except (DataNotFoundError, DataCorruptError, FileNotFoundError, FileExistsError,
            ValueError, TypeError) as exc:
        print(f"spiking-em {args.command}: error: {exc}", file=sys.stderr)
        return 2
