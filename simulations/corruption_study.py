"""Spikes as the corruption: train the same model with each corruption scheme and compare.

Paper: *Towards Biologically Plausible Deep Learning*, Sec. 3 and 9 (spikes as a noisy
quantization of the voltages; that noise as the denoising corruption). Schemes, all 784-1000-100
on MNIST, same seed and budget (20 epochs):

- ``paper``: Gaussian noise on x and h1, mean of 3 Bernoulli samples of h2 (authors' code);
- ``poisson``: Poisson-rate quantization of every layer, counting window T chosen on validation;
- ``mixed``: Gaussian pixels, Poisson-rate quantization of h1 and h2 (same T).

Stages (each skips work already on disk, so an interrupted study continues where it stopped;
training itself resumes from its checkpoint):

1. ``sweep``: short ``poisson`` runs for each window T; T* = best validation Parzen LL of GENERATE.
2. ``train``: the 20-epoch runs.
3. ``evaluate``: ``spiking-em evaluate`` on each run (Parzen LL, Fig. 4 curve, in-painting).
4. ``spiking``: each model's Brian2 LIF network vs its rate model (``spiking-em compare``).
5. ``report``: ``figures/corruption_study.{png,json,md}``.

Every stage's runs (one per window, scheme or model) go through one Dask sweep
(:mod:`spiking_em.sweep`: a local cluster of one worker per core, or ``--scheduler ADDRESS``);
a killed study resumes without redoing finished runs. Full study: about 2 hours on 2 cores.
``--quick`` runs every stage on embedded glyphs with tiny models in a few minutes (a smoke test
of the pipeline, not a result).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from _common import FIGURES, parse_sweep_args, sweep_args

from spiking_em import atomic

STAGES = ("sweep", "train", "evaluate", "spiking", "report")
SCHEMES = ("paper", "poisson", "mixed")


def _run_all(args, root: Path, stage: str, commands: dict[str, list[str]]) -> None:
    """Run the stage's ``spiking-em`` commands (name -> argv) as one sweep."""
    from spiking_em.sweep import Run, cli_run, run_sweep
    if not commands:
        return
    for name, argv in commands.items():
        print(f"{name}: $ spiking-em " + " ".join(argv), flush=True)
    run_sweep([Run(name, cli_run, {"argv": argv}) for name, argv in commands.items()],
              root / "sweep-results" / stage, scheduler=args.scheduler,
              n_workers=args.workers)


def _train_args(args, preset: str, out: Path, epochs: int, window: float | None) -> list[str]:
    cli = ["train", "--dataset", args.dataset, "--preset", preset, "--epochs", str(epochs),
           "--seed", str(args.seed), "--out", str(out)]
    if window is not None:
        cli += ["--window", f"{window:g}"]
    if args.data_dir:
        cli += ["--data-dir", args.data_dir]
    if args.quick:
        cli += ["--n-hidden1", "128", "--n-hidden2", "16", "--optimizer", "adam",
                "--learning-rate", "1e-3", "--batch-size", "50"]
    if (out / "checkpoint.npz").is_file():
        cli.append("--resume")
    return cli


def _train_command(args, preset: str, out: Path, epochs: int,
                   window: float | None) -> list[str] | None:
    if (out / "model.npz").is_file():
        print(f"{out}: trained")
        return None
    return _train_args(args, preset, out, epochs, window)


def _validation_parzen(run_dir: Path, args) -> dict:
    """Parzen LL of GENERATE samples on validation digits (sigma on one half, score the other)."""
    from spiking_em.evaluation.parzen import parzen_evaluate
    from spiking_em.model.sampling import generate
    from spiking_em.model.trained import TrainedModel
    sys.path.insert(0, str(Path(__file__).parent))
    from _common import dataset_for

    model = TrainedModel.load(run_dir)
    dataset = dataset_for(model, args.data_dir)
    n = 300 if args.quick else 2000
    samples = generate(model.params, model.prior, n, rng=np.random.default_rng(args.seed))
    valid = dataset.valid
    half = min(len(valid) // 2, n)
    result = parzen_evaluate(samples, valid[:half], valid[half:2 * half])
    return {"parzen_valid": result.mean, "se": result.se, "sigma": result.sigma, "n_samples": n}


def stage_sweep(args, root: Path) -> float:
    path = root / "sweep.json"
    sweep = json.loads(path.read_text()) if path.is_file() else {}
    todo = {f"{w:g}": root / f"sweep-poisson-T{w:g}" for w in args.windows
            if f"{w:g}" not in sweep}
    commands = {f"sweep-T{key}": _train_command(args, "poisson", run, args.sweep_epochs,
                                                float(key)) for key, run in todo.items()}
    _run_all(args, root, "sweep", {k: v for k, v in commands.items() if v is not None})
    for key, run in todo.items():
        sweep[key] = _validation_parzen(run, args)
        print(f"T = {key} s: validation Parzen LL {sweep[key]['parzen_valid']:.1f}", flush=True)
        atomic.write_json(path, sweep, indent=1)
    best = max(sweep, key=lambda k: sweep[k]["parzen_valid"])
    print(f"window chosen on validation: T* = {best} s")
    return float(best)


def _scheme_runs(args, root: Path, window: float) -> dict[str, Path]:
    runs = {s: root / f"{s}-seed{args.seed}" for s in SCHEMES}
    if args.paper_run:
        runs["paper"] = Path(args.paper_run)
    return runs


def stage_train(args, root: Path, window: float) -> None:
    commands = {f"train-{scheme}": _train_command(args, scheme, run, args.epochs,
                                                  None if scheme == "paper" else window)
                for scheme, run in _scheme_runs(args, root, window).items()}
    _run_all(args, root, "train", {k: v for k, v in commands.items() if v is not None})


def stage_evaluate(args, root: Path, window: float) -> None:
    commands = {}
    for scheme, run in _scheme_runs(args, root, window).items():
        if (run / "metrics.json").is_file():
            print(f"{run}: evaluated")
            continue
        cli = ["evaluate", str(run)]  # evaluation seed 0, as for every metrics.json
        if args.quick:
            cli.append("--quick")
        if args.data_dir:
            cli += ["--data-dir", args.data_dir]
        commands[f"evaluate-{scheme}"] = cli
    _run_all(args, root, "evaluate", commands)


def stage_spiking(args, root: Path, window: float) -> None:
    commands = {}
    for scheme, run in _scheme_runs(args, root, window).items():
        if (run / "spiking" / "rate_vs_spike.json").is_file():
            print(f"{run}: spiking comparison done")
            continue
        cli = ["compare", str(run), "--out", str(run / "spiking")]
        cli += ["--quick"] if args.quick else [
            "--n-digits", str(args.spiking_digits), "--n-samples", str(args.spiking_digits),
            "--rate-digits", "0", "--variants", "spiking"]   # LIF network vs numpy
        if args.data_dir:
            cli += ["--data-dir", args.data_dir]
        commands[f"compare-{scheme}"] = cli
    _run_all(args, root, "spiking", commands)


def stage_report(args, root: Path, window: float, out: Path) -> None:
    from spiking_em.experiments.corruption_report import (
        collect,
        plot_study,
        table_markdown,
    )
    from spiking_em.experiments.plotting import write_json

    runs = _scheme_runs(args, root, window)
    sweep_path = root / "sweep.json"
    sweep = json.loads(sweep_path.read_text()) if sweep_path.is_file() else {}
    study = collect(runs, sweep=sweep, window=window,
                    settings={"seed": args.seed, "epochs": args.epochs, "dataset": args.dataset,
                              "sweep_epochs": args.sweep_epochs, "windows": args.windows,
                              "quick": args.quick})
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "corruption_study.json", study)
    atomic.write_text(out / "corruption_study.md", table_markdown(study))
    plot_study(study, out / "corruption_study.png")
    print(table_markdown(study))
    print(f"wrote {out / 'corruption_study.png'}, .json and .md")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="runs/corruption", help="directory for the runs")
    parser.add_argument("--paper-run", default=None,
                        help="reuse an existing 20-epoch `paper` run instead of training one")
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--seed", type=int, default=1)  # the same seed for every scheme
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--sweep-epochs", type=int, default=4)
    parser.add_argument("--windows", type=float, nargs="+", default=[0.03, 0.1, 0.3])
    parser.add_argument("--spiking-digits", type=int, default=200,
                        help="test digits and samples for each model's LIF network")
    parser.add_argument("--stages", nargs="+", default=list(STAGES), choices=STAGES)
    parser.add_argument("--out", default=str(FIGURES))
    sweep_args(parser)
    parser.add_argument("--quick", action="store_true")
    args = parse_sweep_args(parser, argv)
    if args.quick:
        args.dataset, args.epochs, args.sweep_epochs = "glyphs", 2, 1
        args.windows = args.windows[:2]
        if args.root == "runs/corruption":
            args.root = "runs/corruption-quick"
        if args.out == str(FIGURES):
            args.out = str(Path(args.root) / "figures")

    root = Path(args.root)
    root.mkdir(parents=True, exist_ok=True)
    window = stage_sweep(args, root) if "sweep" in args.stages or (root / "sweep.json").is_file() \
        else 0.1
    if "train" in args.stages:
        stage_train(args, root, window)
    if "evaluate" in args.stages:
        stage_evaluate(args, root, window)
    if "spiking" in args.stages:
        stage_spiking(args, root, window)
    if "report" in args.stages:
        stage_report(args, root, window, Path(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
