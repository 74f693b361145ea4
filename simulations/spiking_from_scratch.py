"""Learning from scratch in the spiking network, at the paper's noise and at weak noise,
beside the numpy trainer, digit for digit.

Paper: *Towards Biologically Plausible Deep Learning*, Sec. 3 (Algorithm 2, TRAIN) carried out
entirely by the Brian2 network: INFERENCE by the areas' dynamics, the M-step by
ΔW ∝ S_pre · dV_post/dt in the plastic synapses, the corruption by the network's own spikes.

1. Three learners start from the same untrained 784-1000-100 model and see the same MNIST
   digits in the same order, one SGD step per digit: the network with its sample at the
   paper's corruption size (``spiking_paper_noise``), the network at its code's own rates
   (``spiking_weak_noise``, 10-30x less corruption), and numpy with the ``paper`` preset
   (batch 1).
2. Learning rates: each learner's from the same grid, by the total of the four validation
   local losses under the paper preset's corruption (one fixed draw) after the first
   ``--select-presentations`` digits (all grid runs go through one Dask sweep).
3. The chosen rates run to ``--presentations`` (default 20,400 = 1,200 binary runs; each
   spiking run continues from its selection checkpoint); learning curves against examples
   seen.
4. Parzen LL of GENERATE (10,000 samples, σ on validation), in-painting and samples of the
   untrained and the three trained models (the same evaluation protocol and seed), and the
   Fréchet distance and class coverage of their GENERATE and ancestral samples (and of 10,000
   real training images) in the features of the package's MNIST classifier.

Every run keeps its model in ``--runs-dir``; the sweep skips finished runs, a cut-short
spiking run resumes from its checkpoint. ``--quick``: a small 784-64-16 model on a few hundred
digits, a few minutes.
Writes figures/spiking_from_scratch.{json,png}, figures/spiking_from_scratch_samples.png and
the ``from_scratch`` part of figures/spiking_denoising.json.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from _common import FIGURES, parse_sweep_args, sweep_args


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", default=str(FIGURES))
    parser.add_argument("--runs-dir", default="runs/from-scratch")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--presentations", type=int, default=20_400)
    parser.add_argument("--select-presentations", type=int, default=None,
                        help="selection runs' length (default: 60 binary runs of the spiking "
                             "learner, 1020 digits)")
    parser.add_argument("--grid", type=float, nargs="+", default=None,
                        help="learning rates tried for every learner")
    sweep_args(parser)
    parser.add_argument("--learners", nargs="+", default=None,
                        help="a subset of the learners (default: all; numpy and the spiking "
                             "learners of spiking_em.experiments.from_scratch)")
    parser.add_argument("--name", default=None,
                        help="stem of the written figures (default spiking_from_scratch; a "
                             "subset of the learners is written under its own name and not "
                             "merged into figures/spiking_denoising.json)")
    parser.add_argument("--quick", action="store_true")
    args = parse_sweep_args(parser, argv)
    from spiking_em.experiments import from_scratch as fs
    every = ("numpy", *fs.SPIKING_LEARNERS)
    unknown = sorted(set(args.learners or ()) - set(every))
    if unknown:
        parser.error(f"--learners: unknown {', '.join(unknown)}; choose from {', '.join(every)}")
    learners = tuple(k for k in every if args.learners is None or k in args.learners)
    stem = args.name or ("spiking_from_scratch_quick" if args.quick else "spiking_from_scratch")
    complete = set(fs.TARGET_LEARNERS) <= set(learners)
    if not complete and args.name is None:
        parser.error("--learners without all of " + ", ".join(fs.TARGET_LEARNERS)
                     + " needs --name (the full comparison's figures stay as they are)")

    # Parameters / Model

    import numpy as np

    from spiking_em import data
    from spiking_em.experiments.from_scratch_figures import plot_curves, plot_samples
    from spiking_em.experiments.plotting import write_json
    from spiking_em.model.start import initial_model
    from spiking_em.model.trained import TrainedModel
    from spiking_em.sweep import Run, run_sweep
    t0 = time.perf_counter()
    say = lambda m: print(f"[{time.perf_counter() - t0:6.1f} s] {m}", flush=True)  # noqa: E731
    dataset = data.load("mnist", args.data_dir)
    sizes = (784, 64, 16) if args.quick else (784, 1000, 100)
    n_full = 200 if args.quick else args.presentations
    n_select = 100 if args.quick else (args.select_presentations or fs.N_SELECT)
    grid = tuple(args.grid or ((1e-3, 3e-3) if args.quick else fs.LEARNING_RATE_GRID))
    runs = Path(args.runs_dir) / ("quick" if args.quick else "")
    runs.mkdir(parents=True, exist_ok=True)
    if not (runs / TrainedModel.FILE).exists():
        initial_model(sizes, dataset.train[:1000], seed=args.seed).save(runs)
    sequence_file, valid_file = runs / "sequence.npy", runs / "valid.npy"
    if not sequence_file.exists():
        np.save(sequence_file, fs.digit_sequence(dataset.train, n_full, args.seed))
        np.save(valid_file, dataset.valid[:200 if args.quick else 1000])
    common = dict(start_dir=str(runs), sequence_file=str(sequence_file),
                  valid_file=str(valid_file), seed=args.seed)
    spiking_extra = {"quick": True, "n_prior": 50} if args.quick else {}

    # Run: learning-rate selection (every learner, every grid point, one sweep)
    say(f"choosing learning rates on the first {n_select} digits; grid {grid}")

    def task(learner: str, lr: float, n: int) -> Run:
        if learner == "numpy":
            return Run(f"numpy-{lr:g}-{n}", fs.rate_run,
                       dict(common, learning_rate=lr, n_presentations=n, n_select=n_select,
                            out_dir=str(runs / f"{'select-' if n == n_select else ''}"
                                                f"numpy-{lr:g}")))
        extra = dict(spiking_extra)
        if n == n_select:
            extra["n_prior"] = 20 if args.quick else 100
        return Run(f"{learner}-{lr:g}-{n}", fs.spiking_run,
                   dict(common, eta=lr, n_presentations=n, n_select=n_select, learner=learner,
                        out_dir=str(runs / f"{learner}-{lr:g}"), **extra))

    chosen = run_sweep([task(learner, lr, n_select) for learner in learners for lr in grid],
                       runs / "sweep", scheduler=args.scheduler, n_workers=args.workers, say=say)
    best = {learner: fs.best_learning_rate([chosen[f"{learner}-{lr:g}-{n_select}"]
                                            for lr in grid]) for learner in learners}
    say("chosen: " + ", ".join(f"{k} {v:g}" for k, v in best.items()))

    # Run: the chosen rates to full length (each spiking run from its selection checkpoint)
    say(f"the chosen runs continue to {n_full} presentations")
    finals = run_sweep([task(learner, best[learner], n_full)    # the long spiking runs first
                        for learner in sorted(learners, key=lambda k: k == "numpy")],
                       runs / "sweep", scheduler=args.scheduler, n_workers=args.workers, say=say)
    finals = {learner: finals[f"{learner}-{best[learner]:g}-{n_full}"] for learner in learners}

    # Analysis: the same evaluation for the untrained, numpy and spiking models
    from spiking_em.evaluation.evaluate import (
        EvalConfig,
        evaluate_model,
        real_training_images,
    )
    eval_config = EvalConfig.quick() if args.quick else EvalConfig(
        n_samples=10_000, n_parzen_valid=2_000, n_parzen_test=10_000, n_logp=1_000,
        n_inpaint=2_000, n_nearest=300)
    start = TrainedModel.load(runs)
    models = {"untrained": fs.untrained_with_prior(start, np.load(sequence_file)[:1000]),
              **{learner: TrainedModel.load(finals[learner]["run_dir"])
                 for learner in learners}}
    evaluated, samples, sample_sets = {}, {}, {}
    for name, model in models.items():
        say(f"evaluating the {name} model (GENERATE {eval_config.n_samples} samples, Parzen, "
            "in-painting)")
        metrics, arrays = evaluate_model(model, dataset, seed=args.seed, config=eval_config)
        evaluated[name] = fs.headline(metrics)
        samples[name] = arrays["samples_generate"][:100]
        sample_sets[f"{name}_generate"] = arrays["samples_generate"]
        sample_sets[f"{name}_ancestral"] = arrays["samples_ancestral"]
    say("Fréchet distance and class coverage in the package's MNIST classifier's features")
    from spiking_em.evaluation.classifier import mnist_classifier
    from spiking_em.evaluation.frechet import sample_quality
    sample_sets["real_train"] = real_training_images(dataset, eval_config.n_samples, args.seed)
    classifier = mnist_classifier(dataset)
    quality = sample_quality(classifier, sample_sets, dataset.test)
    summary = fs.summary(learners, evaluated, quality, finals)
    results = {
        "settings": {"sizes": list(sizes), "presentations": n_full, "seed": args.seed,
                     "select_presentations": n_select, "grid": list(grid), "quick": args.quick,
                     "learners": {
                         "numpy": "rate trainer's Algorithm 2 step: paper preset's "
                                  "corruptions, plain SGD on one digit at a time, sequence "
                                  "in order",
                         **{k: f"train_spiking, one digit at a time, shuffle off, sample "
                               f"{v.as_dict()}" for k, v in fs.SPIKING_LEARNERS.items()
                            if k in learners}},
                     "selection": "lowest total validation local loss under the paper "
                                  "preset's corruption (sum of the four maps' losses, one "
                                  f"fixed draw of the noise) after {n_select} digits",
                     "evaluation": {k: v for k, v in eval_config.__dict__.items()
                                    if k != "sigmas"}},
        "selection": {k: {"learning_rate": v["learning_rate"],
                          "total_local_loss_paper_noise": v["selection_loss"],
                          "at_selection": next((h for h in v["history"]
                                                if h.get("presentations") == n_select), None)}
                      for k, v in chosen.items()},
        "chosen": best,
        "runs": {k: {kk: v[kk] for kk in ("learner", "learning_rate", "presentations",
                                          "distinct_digits", "repeats", "history",
                                          "selection_loss", "speed")
                     if kk in v} for k, v in finals.items()},
        "evaluation": evaluated,
        "sample_quality": {"reference": "MNIST test images", "sets": quality,
                           "classifier_test_accuracy": classifier.test_accuracy},
        "from_scratch": summary,
        "targets": fs.targets(summary) if complete else {},
    }
    out = Path(args.out)
    write_json(out / f"{stem}.json", results)
    plot_curves(results, out / f"{stem}.png")
    plot_samples(samples, evaluated, out / f"{stem}_samples.png", quality)
    if not args.quick and complete and args.name is None:
        fs.merge_into_denoising(out / "spiking_denoising.json", summary, results["targets"],
                                results["settings"])
    for learner, row in summary.items():
        say(f"{learner}: Parzen GENERATE {row['parzen_generate']:.1f} nats, Fréchet "
            f"{row['frechet_generate']:.1f} ({row['classes_generate']}/10 classes), in-painting "
            f"{row['inpaint_mse']:.4f}, {row['distinct_digits']} distinct digits, "
            f"{row['repeats']} repeats")
    say("targets: " + ", ".join(f"{k} {v}" for k, v in results["targets"].items()))
    print(f"wrote {out / stem}.json, .png and _samples.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
