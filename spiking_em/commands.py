"""The command functions of ``spiking-em`` (the parser and error handling are in :mod:`cli`).

Each takes the parsed arguments, checks options and output paths before any work
(:mod:`spiking_em.preflight`), and returns an exit code.
"""
from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

from spiking_em.preflight import UsageError, no_overwrite, output_dir


def load_dataset(name: str, data_dir, *, download: bool):
    from spiking_em import data
    from spiking_em.data import glyphs
    if name == "glyphs":
        where = glyphs.cache_file(sum(glyphs.DEFAULT_SPLIT), 0)
        print(f"the embedded glyph digits: loading {where}" if where.is_file() else
              f"rendering the embedded glyph digits (10-60 s, once; kept in {where})",
              flush=True)
        return glyphs.glyph_dataset()
    return data.load(name, data_dir, download=download)


def train_command(args) -> int:
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
    dataset = load_dataset(args.dataset, args.data_dir, download=not args.no_download)
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


#: the checkpoint each training command writes, and the command that continues it
RUN_KINDS = {"checkpoint.npz": "train", "spiking_checkpoint.npz": "train-spiking"}


def _refuse_other_kind(out: Path, command: str) -> None:
    """A run folder of the other training command is continued by that command: say which."""
    for name, owner in RUN_KINDS.items():
        if owner != command and (out / name).exists():
            raise UsageError(f"--out {out} holds a `spiking-em {owner}` run ({name}); continue "
                             f"it with `spiking-em {owner} --out {out} --resume`, or choose "
                             "another --out")


def _check_run_dir(out: Path, args, config) -> None:
    """Before loading data: refuse to reuse a run directory, or check that it can resume."""
    from spiking_em.model import checkpoint
    from spiking_em.model.trained import TrainedModel
    from spiking_em.model.training import CHECKPOINT_FILE, check_resumable

    _refuse_other_kind(out, "train")
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


def evaluate_command(args) -> int:
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
    dataset = load_dataset(args.dataset or model.meta.get("dataset", "mnist"), args.data_dir,
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


def compare_command(args) -> int:
    from dataclasses import replace as dc_replace

    from spiking_em.experiments import rate_vs_spike_figures
    from spiking_em.experiments.rate_vs_spike import CompareConfig, compare
    from spiking_em.model.trained import TrainedModel

    model = TrainedModel.load(args.run_dir)
    out = output_dir(args.out, "--out")
    no_overwrite([out / "rate_vs_spike.json"], "--out", args.overwrite)
    dataset = load_dataset(args.dataset or model.meta.get("dataset", "mnist"), args.data_dir,
                            download=not args.no_download)
    config = CompareConfig.quick() if args.quick else CompareConfig()
    changes = {k: v for k, v in (("n_digits", args.n_digits), ("n_samples", args.n_samples))
               if v is not None}
    if args.rate_digits is not None:
        changes.update(n_rate_digits=args.rate_digits, n_rate_samples=args.rate_digits)
    if args.variants is not None:
        changes.update(variants=tuple(dict.fromkeys(args.variants)))
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
    from spiking_em.experiments.rate_vs_spike_measures import summary_lines
    for line in summary_lines(results):
        print(line)
    print(f"{results['n_compilations']} compilations; wrote " + ", ".join(str(p) for p in paths))
    return 0


def _print_summary(metrics: dict) -> None:
    g, a = metrics["parzen_ll_generate"], metrics["parzen_ll_ancestral"]
    c = metrics["logp_curve"]
    print(f"Parzen LL GENERATE  {g['mean']:8.1f} ± {g['se']:.1f} nats (σ={g['sigma']:.3g}); "
          f"at σ=0.2: {g['mean_at_sigma_0.2']:.1f}")
    print(f"Parzen LL ancestral {a['mean']:8.1f} ± {a['se']:.1f} nats (σ={a['sigma']:.3g}); "
          f"at σ=0.2: {a['mean_at_sigma_0.2']:.1f}")
    if "parzen_ll_real_data" in metrics:
        r = metrics["parzen_ll_real_data"]
        print(f"Parzen LL of as many real training images {r['mean']:8.1f} ± {r['se']:.1f} nats "
              f"(σ={r['sigma']:.3g}): the estimator's value for data itself")
    print(f"log p(x,h): {c['mean'][0]:.1f} -> {c['mean'][-1]:.1f} over {len(c['mean']) - 1} "
          f"iterations; rises at every one: {c['rises_at_every_iteration']}")
    print(f"in-painting MSE {metrics['inpaint_mse']['mean']:.4f} vs mean image "
          f"{metrics['inpaint_mse_mean_image']['mean']:.4f} "
          f"(ratio {metrics['inpaint_ratio_to_mean_image']:.2f})")


def demo_command(args) -> int:
    from spiking_em import data
    from spiking_em.experiments.demo import run_demo
    out = output_dir(args.out, "--out")
    no_overwrite([out / "run", out / "fig3_samples.png"], "--out", args.overwrite)
    try:
        dataset = data.load("mnist", args.data_dir)
        note = "MNIST found"
    except data.DataNotFoundError:
        from spiking_em.experiments.demo import demo_glyphs
        print("MNIST not found: the embedded glyph digits (no download; rendered once, then "
              "kept in ~/.cache/spiking-em/glyphs)", flush=True)
        dataset = demo_glyphs()
        note = "embedded glyph digits"
    print(f"demo data: {note}; {dataset.summary()}")
    run_demo(dataset, out_dir=out, seed=args.seed, print_fn=print, overwrite=args.overwrite)
    return 0


def fetch_command(args) -> int:
    from spiking_em import data
    path = data.locate(args.dataset, args.data_dir, download=True)
    print(f"{args.dataset} is in {path}")
    return 0


def stdp_command(args) -> int:
    """``stdp-curve`` and ``stdp-sgd``: one experiment of Fig. 1, one backend."""
    from spiking_em.experiments import stdp_figures
    name = args.command.replace("-", "_")
    out = output_dir(args.out, "--out")
    no_overwrite([out / f"{name}.json"], "--out", args.overwrite)
    run = {"stdp_curve": stdp_figures.run_stdp_curve, "stdp_sgd": stdp_figures.run_stdp_sgd}[name]
    run(backend=args.backend, out_dir=out, seed=args.seed, quick=args.quick, print_fn=print)
    return 0


def train_spiking_command(args) -> int:
    """``train-spiking``: the Brian2 network learns the model by itself (the spiking M-step)."""
    from dataclasses import replace as dc_replace

    from spiking_em.model.start import initial_model
    from spiking_em.model.trained import TrainedModel
    from spiking_em.progress import ProgressBar
    from spiking_em.spiking.teaching import SpikingTrainConfig
    from spiking_em.spiking.trainer import CHECKPOINT_FILE, train_spiking

    out = output_dir(args.out, "--out")
    _refuse_other_kind(out, "train-spiking")
    if not args.resume and ((out / CHECKPOINT_FILE).exists() or (out / "model.npz").exists()):
        raise UsageError(f"--out {out} holds a previous run; pass --resume to continue it or "
                         "choose another --out")
    if args.resume and not (out / CHECKPOINT_FILE).is_file():
        raise UsageError(f"--resume: there is no {out / CHECKPOINT_FILE} to continue; drop "
                         "--resume to start a new run")
    start = TrainedModel.load(args.init) if args.init else None
    dataset_name = args.dataset or (start.meta.get("dataset", "mnist") if start else "mnist")
    from spiking_em.spiking.plasticity import TeachingConfig
    from spiking_em.spiking.replay import SampleConfig
    from spiking_em.spiking.wiring import NetworkConfig
    config = dc_replace(SpikingTrainConfig(), eta=args.eta, teach_slots=args.teach_slots,
                        ff_slots=args.ff_slots,
                        sample=SampleConfig(args.sample_slots, *args.sample_rate,
                                            *args.sample_floor, args.sample_baseline),
                        teaching=TeachingConfig(pixel_off=args.sample_baseline > 0),
                        variant={"lif": "spiking", "poisson": "stochastic"}[args.neurons],
                        network=(NetworkConfig.coarse() if args.coarse
                                 else SpikingTrainConfig().network),
                        ).packing(args.digits_per_run)
    parallel = args.workers is not None or args.scheduler is not None
    if parallel:
        from spiking_em.sweep import check_options
        check_options(args.scheduler, args.workers)
    blocks = args.workers if args.workers is not None or not parallel else None
    if args.resume:   # a refusal that needs only the run folder comes before the data
        from spiking_em.model import checkpoint
        from spiking_em.spiking.trainer import check_resumable
        _, meta = checkpoint.load(out / CHECKPOINT_FILE)
        check_resumable(meta, out / CHECKPOINT_FILE, config, args.seed, dataset_name,
                        meta.get("parallel_blocks") if blocks is None and parallel else blocks)
    dataset = load_dataset(dataset_name, args.data_dir, download=not args.no_download)
    print(f"data: {dataset.summary()}", flush=True)
    if start is None:
        print(f"starting from an untrained {dataset.train.shape[1]}-{args.n_hidden1}-"
              f"{args.n_hidden2} model (the rate trainer's initialisation)", flush=True)
        start = initial_model((dataset.train.shape[1], args.n_hidden1, args.n_hidden2),
                              dataset.train[:config.n_reference], seed=args.seed)
    elif start.params.sizes[0] != dataset.train.shape[1]:
        raise UsageError(f"--init {args.init} is a model of {start.params.sizes[0]} pixels, "
                         f"the data set has {dataset.train.shape[1]}")
    bar = ProgressBar(f"presentations (eta {config.eta:g})")
    t0 = time.perf_counter()

    def on_run(r):
        bar.update(r.presentations, args.presentations,
                   f"{60 * r.presentations / max(r.wall_s, 1e-9):5.0f}/min")

    def on_eval(h):
        losses = " ".join(f"L_{k}={v:.3f}" for k, v in h["local_losses"].items())
        print(f"\n{h['presentations']:6d} presentations  {losses}  valid reconstruction "
              f"{h['valid_reconstruction']:.3f}", flush=True)

    learner, cluster = None, None
    try:
        if parallel:
            learner, cluster = _parallel_learner(args, config, out)
        train_spiking(dataset.train, dataset.valid[:args.n_valid], start, config,
                      n_presentations=args.presentations, seed=args.seed, out_dir=out,
                      resume=args.resume, dataset_name=dataset.name, on_run=on_run,
                      n_prior=args.n_prior, parallel=learner,
                      on_eval=on_eval, say=lambda m: print(m, flush=True))
    except KeyboardInterrupt:
        print(f"\ninterrupted; the last checkpoint in {out} is kept. Continue with the same "
              "command and --resume.", file=sys.stderr)
        return 130
    finally:
        if learner is not None:
            learner.client.close()
        if cluster is not None:
            cluster.close()
    print(f"trained in the spiking network in {time.perf_counter() - t0:.0f} s; model written "
          f"to {out / 'model.npz'} (spiking-em evaluate / compare load it)")
    return 0


def _parallel_learner(args, config, out):
    """``train-spiking --workers/--scheduler``: the data-parallel learner on a Dask cluster
    (blocks per round: --workers, else the external cluster's worker count, else the resumed
    checkpoint's)."""
    from spiking_em.spiking.parallel import ParallelLearner, open_client
    client, cluster, where = open_client(args.workers, args.scheduler)
    blocks = args.workers
    if blocks is None and args.resume:
        from spiking_em.model import checkpoint
        from spiking_em.spiking.trainer import CHECKPOINT_FILE
        blocks = checkpoint.load(out / CHECKPOINT_FILE)[1].get("parallel_blocks")
    if blocks is None:
        blocks = max(1, len(client.scheduler_info()["workers"]))
    print(f"data-parallel learning on {where}: {blocks} blocks of {config.digits_per_run} "
          "digits per round, the weights moved by the sum of their changes", flush=True)
    return ParallelLearner(client, config, blocks, net_seed=args.seed), cluster
