"""Headline numbers over training seeds, run as a Dask sweep (one run per seed).

Paper: *Towards Biologically Plausible Deep Learning*, Sec. 4 (Parzen LL of GENERATE and
ancestral samples, in-painting) and the package's rate-vs-spike comparison (Sec. 3), each
taken over ``--seeds`` training seeds and reported as mean ± sd beside the single values.

Per seed (``spiking_em.experiments.seeds.seed_run``): the ``paper``-preset rate model (20
epochs; an existing ``runs/paper-seed<S>/model.npz`` is kept), its evaluation (10,000 GENERATE
and ancestral samples, Parzen σ on validation, beside 10,000 real training images scored the
same way; in-painting), the LIF and stochastic networks on 300 test digits and 500 samples with
spike-borne read-outs, and Fréchet distances / class coverage in the features of the package's
MNIST classifier. The sweep runs on a local Dask cluster (one worker per core, ``--workers``)
or on ``--scheduler ADDRESS``; a killed sweep resumes without redoing finished seeds or steps.
About 35 minutes of one core per seed that needs training, 20 per seed that does not.
Writes figures/seeds.json and figures/seeds.png.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from _common import FIGURES, parse_sweep_args, sweep_args


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--runs-root", default="runs",
                        help="seed S lives in RUNS_ROOT/paper-seedS")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", default=str(FIGURES))
    sweep_args(parser)
    parser.add_argument("--quick", action="store_true",
                        help="tiny models on 2000 digits, 20 test digits (a few minutes)")
    args = parse_sweep_args(parser, argv)
    if len(set(args.seeds)) < 2:
        parser.error("--seeds: give at least two different seeds (an across-seed spread)")

    # Parameters / Model
    from spiking_em.experiments.plotting import write_json
    from spiking_em.experiments.seeds import across_seeds, seed_run
    from spiking_em.experiments.seeds_figures import plot_seeds
    from spiking_em.sweep import Run, run_sweep
    t0 = time.perf_counter()
    say = lambda m: print(f"[{time.perf_counter() - t0:6.1f} s] {m}", flush=True)  # noqa: E731
    root = Path(args.runs_root) / ("quick-seeds" if args.quick else "")
    runs = [Run(f"seed-{s}", seed_run,
                {"seed": s, "run_dir": str((root / f"paper-seed{s}").resolve()),
                 "data_dir": args.data_dir, "quick": args.quick}) for s in args.seeds]

    # Run
    results = run_sweep(runs, root / "seed-sweep", scheduler=args.scheduler,
                        n_workers=args.workers, say=say)

    # Analysis and plotting
    per_seed = [results[r.name] for r in runs]
    summary = {"across_seeds": across_seeds(per_seed), "per_seed": per_seed,
               "settings": {"seeds": args.seeds, "quick": args.quick,
                            "scheduler": args.scheduler or "local cluster"}}
    out = Path(args.out)
    name = "seeds_quick" if args.quick else "seeds"
    write_json(out / f"{name}.json", summary)
    plot_seeds(summary, out / f"{name}.png")
    for key, v in summary["across_seeds"].items():
        if isinstance(v, dict):
            sd = f" ± {v['sd']:.4g}" if v["sd"] is not None else ""
            say(f"{key}: {v['mean']:.4g}{sd} (values {', '.join(f'{x:.4g}' for x in v['values'])})")
        else:
            say(f"{key}: {v}")
    print(f"wrote {out / name}.json and .png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
