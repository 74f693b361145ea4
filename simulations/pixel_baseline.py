"""A pixel code with a baseline rate: does corrupting the background matter for GENERATE?

The spiking learner's black pixels fire nothing, so its f1 weights from them never learn
(:mod:`spiking_em.experiments.pixel_baseline`). This script trains the numpy learner (batch 1,
η 3e-3, the ``paper`` preset's corruptions of h1 and h2) from the long run's start model on
its first ``--presentations`` digits, with x corrupted before f1 by the paper's Gaussian, by
the spiking learner's own pixel code, and by that code with a baseline rate (same overall
variance), one Dask sweep task per setting; then evaluates each model as the long run does.
Beside them, the spiking learner's own model at the same count, if the long run
(``simulations/spiking_at_scale.py``) has it in ``--at-scale-dir``.

    python simulations/pixel_baseline.py --workers 1
Writes figures/pixel_baseline.{json,png}.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from _common import FIGURES, parse_sweep_args, sweep_args


def main(argv=None) -> int:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", default=str(FIGURES))
    parser.add_argument("--runs-dir", default="runs/pixel-baseline")
    parser.add_argument("--at-scale-dir", default="runs/at-scale")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--presentations", type=int, default=5_100)
    sweep_args(parser)
    args = parse_sweep_args(parser, argv)
    if not 100 <= args.presentations <= 50_000:
        return _refuse(f"--presentations must be between 100 and 50000, got "
                       f"{args.presentations}")

    import numpy as np

    from spiking_em import data
    from spiking_em.experiments import at_scale
    from spiking_em.experiments import from_scratch as fs
    from spiking_em.experiments import pixel_baseline as pb
    from spiking_em.experiments.plotting import write_json
    from spiking_em.model.start import kept_initial_model
    from spiking_em.sweep import Run, run_sweep
    t0 = time.perf_counter()
    say = lambda m: print(f"[{time.perf_counter() - t0:6.1f} s] {m}", flush=True)  # noqa: E731
    dataset = data.load("mnist", args.data_dir)
    runs = Path(args.runs_dir)
    start_dir = runs / "start"
    start = kept_initial_model(start_dir, (784, 1000, 100), dataset.train, seed=args.seed)
    sequence_file = runs / "sequence.npy"
    if not sequence_file.exists():
        np.save(sequence_file, fs.digit_sequence(dataset.train, args.presentations, args.seed))
    sequence = np.load(sequence_file)
    if len(sequence) != args.presentations:
        return _refuse(f"{runs} holds a run of {len(sequence)} digits; pass --presentations "
                       f"{len(sequence)} or another --runs-dir")
    corruptions = pb.settings(sequence)
    say("x before f1: " + ", ".join(f"{k} {v.describe()}" for k, v in corruptions.items()))
    tasks = [Run(name, pb.run_setting,
                 dict(name=name, corruption=c.as_dict(), start_dir=str(start_dir),
                      sequence_file=str(sequence_file), data_dir=args.data_dir,
                      out_dir=str(runs / name), seed=args.seed,
                      learning_rate=at_scale.NUMPY_LEARNING_RATE))
             for name, c in corruptions.items()]
    rows = run_sweep(tasks, runs / "sweep", scheduler=args.scheduler, n_workers=args.workers,
                     say=say)
    rows = {name: rows[name] for name in corruptions}
    reference = pb.long_run_spiking(args.at_scale_dir, args.presentations, start, sequence)
    results = {"settings": {"presentations": args.presentations, "seed": args.seed,
                            "learning_rate": at_scale.NUMPY_LEARNING_RATE,
                            "learner": "numpy batch 1, paper preset's h1/h2 corruptions",
                            "background": f"pixels below {pb.BACKGROUND}",
                            "evaluation": {k: v for k, v in at_scale.EVAL_CONFIG.__dict__.items()
                                           if k != "sigmas"}},
               "runs": rows, "spiking_learner": reference}
    out = Path(args.out)
    write_json(out / "pixel_baseline.json", results)
    _plot(results, out / "pixel_baseline.png")
    for name, r in rows.items():
        say(f"{name}: rms {r['corruption_rms']['all']:.3f} (background "
            f"{r['corruption_rms']['background']:.3f}), never-on |ΔW_f1| "
            f"{r['never_on_f1_weight_change']:.4f}, Parzen GENERATE {r['parzen_generate']:.1f}, "
            f"ancestral {r['parzen_ancestral']:.1f}, Fréchet {r['frechet_generate']:.1f} "
            f"({r['classes']} classes)")
    print(f"wrote {out / 'pixel_baseline'}.json and .png")
    return 0


def _refuse(message: str) -> int:
    print(f"pixel_baseline.py: error: {message}", file=sys.stderr)
    return 2


def _plot(results: dict, path: Path) -> None:
    from spiking_em.experiments.pixel_baseline import plot_rows
    rows = dict(results["runs"])
    if results["spiking_learner"]:
        rows["spiking learner (long run)"] = results["spiking_learner"]
    plot_rows(rows, f"x corrupted before f1: numpy learner, "
                    f"{results['settings']['presentations']} digits, same start and order", path)


if __name__ == "__main__":
    raise SystemExit(main())
