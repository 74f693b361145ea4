"""The pixels' baseline in spikes: the long run's spiking learner with X's OFF neurons, so that
its own spike sample corrupts every pixel, black ones included.

Paper: *Towards Biologically Plausible Deep Learning*, Sec. 3 (spikes are the noise of the
denoising auto-encoders). The long run's spiking learner (``simulations/spiking_at_scale.py``)
learns from Poisson pixels that fire at ``gain * v``: black pixels fire nothing, their samples
are exactly 0, and their f1 weights never learn; the rate twin (``simulations/pixel_baseline.py``)
traced most of its GENERATE gap to numpy to that. Here the same learner (same start model, same
digits in the same order, same η, rounds of 17 digits per worker on ``--workers`` Dask workers)
learns with a pixel baseline ``--baseline`` b: in the sample every pixel's ON and OFF neuron fire
``rho gain b`` more (the OFF neurons nothing else), x's rate factor raised so that the
corruption's mean variance is unchanged (:mod:`spiking_em.experiments.pixel_baseline`).

1. Learning (about 16 minutes for 5,100 digits on 2 cores); a killed run resumes with the same
   command from its checkpoint (written every 5 rounds; Ctrl-C writes one).
2. The corruption read from spikes on 102 validation digits with the learned weights frozen,
   the plain sample beside the baseline's, in one worker's network.
3. The evaluation of the long run (Parzen LL of 10,000 GENERATE samples, Fréchet distance and
   classes, in-painting, ancestral Parzen LL) and the mean |ΔW_f1| from always-black pixels,
   beside the long run's spiking model and the rate twin's runs at the same count, if there.

    python simulations/spiking_pixel_baseline.py --workers 2
Writes figures/spiking_pixel_baseline.{json,png}.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from _common import FIGURES, parse_sweep_args, refuse, run_resumable, sweep_args


def main(argv=None) -> int:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", default=str(FIGURES))
    parser.add_argument("--runs-dir", default="runs/spiking-pixel-baseline")
    parser.add_argument("--at-scale-dir", default="runs/at-scale",
                        help="the long run's folder (its spiking model at --presentations)")
    parser.add_argument("--rate-twin", default=str(FIGURES / "pixel_baseline.json"),
                        help="the rate twin's results (simulations/pixel_baseline.py)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--presentations", type=int, default=5_100)
    parser.add_argument("--baseline", type=float, default=None,
                        help="the pixels' baseline in pixel values (default 0.1: the same "
                             "variance on every pixel as the rate twin's baseline 0.2)")
    sweep_args(parser)
    args = parse_sweep_args(parser, argv)
    args.workers = args.workers or 2
    if not 100 <= args.presentations <= 50_000:
        _refuse(f"--presentations must be between 100 and 50000, got {args.presentations}")
    if args.baseline is not None and not 0 < args.baseline <= 1:
        _refuse(f"--baseline must be in (0, 1] (pixel values), got {args.baseline}")
    return run_resumable(_run, args)


def _refuse(message: str) -> None:
    refuse("spiking_pixel_baseline.py", message)


def _run(args) -> int:
    import numpy as np

    from spiking_em import data
    from spiking_em.experiments import at_scale
    from spiking_em.experiments import from_scratch as fs
    from spiking_em.experiments import long_run_variant as variant
    from spiking_em.experiments import pixel_baseline as pb
    from spiking_em.experiments.plotting import write_json
    from spiking_em.model.start import kept_initial_model
    from spiking_em.spiking.replay import SampleConfig
    from spiking_em.spiking.teaching import codes_for
    t0 = time.perf_counter()
    say = lambda m: print(f"[{time.perf_counter() - t0:7.1f} s] {m}", flush=True)  # noqa: E731

    # Parameters: everything checked before any work
    dataset = data.load("mnist", args.data_dir)
    sequence = fs.digit_sequence(dataset.train, args.presentations, args.seed)
    # the rate twin's mean, whatever --presentations: a longer run continues a shorter one
    mean_pixel = pb.sequence_mean_pixel(dataset.train, args.seed)
    baseline = pb.SPIKING_BASELINE if args.baseline is None else args.baseline
    config = pb.spiking_config(baseline, mean_pixel)
    runs = Path(args.runs_dir)
    try:
        variant.check_own_checkpoint(runs, config, args.seed, args.workers)
    except ValueError as exc:
        _refuse(f"{exc} (or another --runs-dir)")
    start = kept_initial_model(runs / "start", (784, 1000, 100), dataset.train, seed=args.seed)
    say(f"pixel baseline {baseline:g} (x's rate factor {config.sample.rate_x:.4f}, mean pixel "
        f"{mean_pixel:.4f}); {args.presentations} digits")

    # Run: learning and the corruption from spikes (one cluster), the evaluation; kept in at-N/
    def corruption(learner, model):
        say("the corruption read from spikes, plain sample and baseline (weights frozen)")
        params = model.params.astype(np.float64)
        codes = codes_for(params, model.prior, dataset.train[:config.n_reference], config)
        plain = SampleConfig.paper_noise_floor()   # the long run's sample
        future = learner.submit(pb.spike_corruption, params, codes, dataset.valid[1000:1102],
                                config, [plain, config.sample], args.seed, args.seed)
        (points,) = learner.gather([future])
        return {"plain": points[0], "baseline": points[1]}

    model = variant.learn_to(runs, args.presentations, config, sequence, dataset.valid[:1000],
                             start, seed=args.seed, workers=args.workers,
                             scheduler=args.scheduler, say=say,
                             measure=("corruption.json", corruption))
    variant.evaluated(runs, args.presentations, model, dataset, seed=args.seed, say=say)
    twin = _rate_twin(Path(args.rate_twin), args.presentations)
    checkpoints = [_checkpoint(d, start, dataset.train, args.seed, Path(args.at_scale_dir))
                   for d in sorted(runs.glob("at-*"), key=lambda d: int(d.name[3:]))
                   if (d / "evaluation.json").exists() and (d / "corruption.json").exists()]
    last = next(c for c in checkpoints if c["presentations"] == args.presentations)
    row, reference = last["spiking_baseline"], last["spiking_plain_long_run"]
    results = {
        "settings": {"presentations": args.presentations, "seed": args.seed,
                     "baseline": baseline, "mean_pixel": mean_pixel,
                     "workers": args.workers, "config": config.as_dict(),
                     "sequence": "from_scratch.digit_sequence(train, presentations, seed): the "
                                 "long run's first digits, in its order",
                     "evaluation": {k: v for k, v in at_scale.EVAL_CONFIG.__dict__.items()
                                    if k != "sigmas"}},
        "presentations": args.presentations,
        "spiking_baseline": row, "corruption_from_spikes": last["corruption_from_spikes"],
        "spiking_plain_long_run": reference, "rate_twin": twin,
        "gain_over_plain_nats": (row["parzen_generate"] - reference["parzen_generate"]
                                 if reference else None),
        "checkpoints": checkpoints}
    out = Path(args.out)
    write_json(out / "spiking_pixel_baseline.json", results)
    rows = {f"spiking, baseline {baseline:g}": row}
    if reference:
        rows["spiking, plain (long run)"] = reference
    for name, label in (("spike_code", "rate twin, spike code"),
                        ("baseline_0.2", "rate twin, baseline 0.2"),
                        ("gaussian", "rate twin, Gaussian")):
        if twin and name in twin:
            rows[label] = twin[name]
    pb.plot_rows(rows, f"the pixels' baseline in spikes: {args.presentations} digits, same "
                       "start and order", out / "spiking_pixel_baseline.png",
                 curves=_curves(checkpoints, baseline))
    for c in checkpoints:
        ref = c["spiking_plain_long_run"]
        say(f"at {c['presentations']} digits: spiking with baseline {baseline:g}: Parzen "
            f"GENERATE {c['spiking_baseline']['parzen_generate']:.1f} (ancestral "
            f"{c['spiking_baseline']['parzen_ancestral']:.1f}, Fréchet "
            f"{c['spiking_baseline']['frechet_generate']:.1f}, "
            f"{c['spiking_baseline']['classes']} classes)"
            + (f"; plain (long run) {ref['parzen_generate']:.1f}" if ref else ""))
    print(f"wrote {out / 'spiking_pixel_baseline'}.json and .png")
    return 0


def _curves(checkpoints: list, baseline: float) -> dict | None:
    """Parzen LL of GENERATE against examples seen: the baseline learner, the long run's
    spiking and numpy learners at the same counts (None for a single count)."""
    if len(checkpoints) < 2:
        return None
    curves = {}
    for key, label in (("spiking_baseline", f"spiking, baseline {baseline:g}"),
                       ("spiking_plain_long_run", "spiking, plain (long run)"),
                       ("numpy_long_run", "numpy, batch 1 (long run)")):
        points = [(c["presentations"], c[key]["parzen_generate"]) for c in checkpoints
                  if c[key] is not None]
        if points:
            curves[label] = tuple(zip(*points, strict=True))
    return curves


def _checkpoint(snap: Path, start, x_train, seed: int, at_scale_dir: Path) -> dict:
    """One count's row: the baseline learner's evaluation and corruption, beside the long
    run's spiking and numpy models at the same count (if there)."""
    from spiking_em.experiments import from_scratch as fs
    from spiking_em.experiments import long_run_variant as variant
    from spiking_em.experiments import pixel_baseline as pb
    from spiking_em.model.trained import TrainedModel
    n = int(snap.name[3:])
    sequence = fs.digit_sequence(x_train, n, seed)
    row = {**variant.learner_row(snap.parent, n),
           "never_on_f1_weight_change": pb.never_on_weight_change(
               TrainedModel.load(snap).params, start.params, sequence)}
    row.pop("run_dir")
    numpy_eval = at_scale_dir / "numpy" / f"at-{n}" / "evaluation.json"
    return {"presentations": n, "spiking_baseline": row,
            "spiking_plain_long_run": pb.long_run_spiking(at_scale_dir, n, start, sequence),
            "numpy_long_run": (json.loads(numpy_eval.read_text()) if numpy_eval.exists()
                               else None),
            "corruption_from_spikes": json.loads((snap / "corruption.json").read_text())}


def _rate_twin(path: Path, n: int):
    """The rate twin's runs (``simulations/pixel_baseline.py``) at ``n`` digits, if there."""
    if not path.exists():
        return None
    twin = json.loads(path.read_text())
    return twin["runs"] if twin["settings"]["presentations"] == n else None


if __name__ == "__main__":
    raise SystemExit(main())
