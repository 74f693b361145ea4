"""Learning from scratch in the spiking network, beside the numpy trainer, digit for digit.

Paper: *Towards Biologically Plausible Deep Learning*, Sec. 3 (Algorithm 2, TRAIN) carried out
entirely by the Brian2 network: INFERENCE by the areas' dynamics, the M-step by
ΔW ∝ S_pre · dV_post/dt in the plastic synapses, the corruption by the network's own spikes.

1. Both learners start from the same untrained 784-1000-100 model and see the same MNIST
   digits in the same order.
   Both take one SGD step per digit (numpy: the rate trainer's Algorithm 2 step, batch 1).
2. Learning rates: each learner's from the same grid, by the total of the four validation
   local losses after the first ``--select-presentations`` digits (all grid runs go through
   one Dask sweep).
3. The chosen rates run to ``--presentations`` (default 10,200 = 600 binary runs; the spiking
   run continues from its selection checkpoint); learning curves against examples seen (the
   four local losses, validation reconstruction).
4. Parzen LL of GENERATE (10,000 samples, σ on validation), in-painting and samples of the
   untrained, numpy- and spiking-trained models (the same evaluation protocol and seed), and
   the Fréchet distance and class coverage of their GENERATE and ancestral samples (and of
   10,000 real training images) in the features of the package's MNIST classifier.

Every run keeps its model in ``--runs-dir``; the sweep skips finished runs, a cut-short
spiking run resumes from its checkpoint. Measured: the spiking run's 10,200 presentations took
113 min of wall time (90 per minute, its two cores shared with other runs), the rest about
30 min (``--quick``: a small 784-64-16 model on a few hundred digits, a few minutes).
Writes figures/spiking_from_scratch.{json,png} and figures/spiking_from_scratch_samples.png.
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
    parser.add_argument("--presentations", type=int, default=10_200)
    parser.add_argument("--select-presentations", type=int, default=None,
                        help="selection runs' length (default: 60 binary runs of the spiking "
                             "learner, 1020 digits)")
    parser.add_argument("--grid", type=float, nargs="+", default=None,
                        help="learning rates tried for both learners")
    sweep_args(parser)
    parser.add_argument("--quick", action="store_true")
    args = parse_sweep_args(parser, argv)

    # Parameters / Model

    import numpy as np

    from spiking_em import data
    from spiking_em.experiments import from_scratch as fs
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

    # Run: learning-rate selection (both learners, every grid point, one sweep)
    say(f"choosing learning rates on the first {n_select} digits; grid {grid}")
    select = [Run(f"select-numpy-{lr:g}", fs.rate_run,
                  dict(common, learning_rate=lr, n_presentations=n_select, n_select=n_select,
                       out_dir=str(runs / f"select-numpy-{lr:g}"))) for lr in grid]
    select += [Run(f"select-spiking-{lr:g}", fs.spiking_run,
                   dict(common, eta=lr, n_presentations=n_select, n_select=n_select,
                        out_dir=str(runs / f"spiking-{lr:g}"),
                        **dict(spiking_extra, n_prior=20 if args.quick else 100)))
               for lr in grid]
    chosen = run_sweep(select, runs / "sweep", scheduler=args.scheduler,
                       n_workers=args.workers, say=say)
    best = {learner: fs.best_learning_rate([chosen[f"{prefix}{lr:g}"] for lr in grid])
            for learner, prefix in (("numpy", "select-numpy-"), ("spiking", "select-spiking-"))}
    say(f"chosen: numpy {best['numpy']:g}, spiking {best['spiking']:g}")

    # Run: the chosen rates to full length (the spiking run from its selection checkpoint)
    full = [Run(f"full-spiking-{best['spiking']:g}", fs.spiking_run,
                dict(common, eta=best["spiking"], n_presentations=n_full, n_select=n_select,
                     out_dir=str(runs / f"spiking-{best['spiking']:g}"), **spiking_extra)),
            Run(f"full-numpy-{best['numpy']:g}", fs.rate_run,
                dict(common, learning_rate=best["numpy"], n_presentations=n_full,
                     n_select=n_select, out_dir=str(runs / f"numpy-{best['numpy']:g}")))]
    say(f"the chosen runs continue to {n_full} presentations")
    finals = run_sweep(full, runs / "sweep", scheduler=args.scheduler,
                       n_workers=args.workers, say=say)

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
              "numpy": TrainedModel.load(finals[f"full-numpy-{best['numpy']:g}"]["run_dir"]),
              "spiking": TrainedModel.load(finals[f"full-spiking-{best['spiking']:g}"]
                                           ["run_dir"])}
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
    num, spk = evaluated["numpy"], evaluated["spiking"]
    parzen_gap = num["parzen_ll_generate"]["mean"] - spk["parzen_ll_generate"]["mean"]
    inpaint_ratio = spk["inpaint_mse"]["mean"] / num["inpaint_mse"]["mean"]
    results = {
        "settings": {"sizes": list(sizes), "presentations": n_full, "seed": args.seed,
                     "select_presentations": n_select, "grid": list(grid), "quick": args.quick,
                     "numpy_learner": "rate trainer's Algorithm 2 step: paper preset's "
                                      "corruptions, plain SGD on one digit at a time, "
                                      "sequence in order",
                     "spiking_learner": "train_spiking, one digit at a time, shuffle off",
                     "selection": "lowest total validation local loss (sum of the four maps' "
                                  f"losses) after {n_select} digits",
                     "evaluation": {k: v for k, v in eval_config.__dict__.items()
                                    if k != "sigmas"}},
        "selection": {k: {"learning_rate": v["learning_rate"],
                          "total_local_loss": v["selection_loss"],
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
        "targets": {"parzen_gap_nats": parzen_gap, "parzen_within_25": parzen_gap <= 25,
                    "inpaint_ratio": inpaint_ratio, "inpaint_within_1_3": inpaint_ratio <= 1.3},
    }
    out = Path(args.out)
    name = "spiking_from_scratch_quick" if args.quick else "spiking_from_scratch"
    write_json(out / f"{name}.json", results)
    plot_curves(results, out / f"{name}.png")
    plot_samples(samples, evaluated, out / f"{name}_samples.png", quality)
    say(f"Parzen GENERATE: untrained {evaluated['untrained']['parzen_ll_generate']['mean']:.1f}, "
        f"numpy {num['parzen_ll_generate']['mean']:.1f}, spiking "
        f"{spk['parzen_ll_generate']['mean']:.1f} nats (gap {parzen_gap:.1f}); in-painting "
        f"numpy {num['inpaint_mse']['mean']:.4f}, spiking {spk['inpaint_mse']['mean']:.4f} "
        f"(x{inpaint_ratio:.2f})")
    say("Fréchet distance to test images (classes present): " + ", ".join(
        f"{k} {q['frechet_distance']:.1f} ({q['classes_present']})" for k, q in quality.items()))
    print(f"wrote {out / name}.json, .png and _samples.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
