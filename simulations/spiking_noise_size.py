"""Paper-sized spike noise against weak spike noise over 20,400 digits: the long run's spiking
learner with the code's own (weak) sample, beside the long run's learners on the same digits.

Paper: *Towards Biologically Plausible Deep Learning*, Sec. 3 (spikes are the noise of the
denoising auto-encoders). The denoising issue asks whether the network's own noise at the
paper's size makes a better generative model than weak noise, with each learner given at least
20,000 presentations of the same digits. The long run (``simulations/spiking_at_scale.py``)
holds the paper-sized learner and numpy at 5,100 / 10,200 / 20,400 / ... digits, and
``simulations/spiking_pixel_baseline.py`` the paper-sized learner with the pixels' baseline.
This script trains the fourth: the same learner (same start model, digits, order, η 3e-3, coarse
network, rounds of 17 digits per worker) with the weak sample (:class:`SampleConfig` at rate
factor 1: rms x 0.05, h1 0.02, h2 0.02; η 3e-3 is the rate the from-scratch comparison chose
for it), kept and evaluated at every long-run checkpoint up to ``--presentations``.

About 2 hours for 20,400 digits on 2 cores (170-190 a minute), plus a minute of evaluation per
checkpoint; `--presentations 30600`, `40800`, `50000` continue to one epoch; a
killed run resumes with the same command (checkpoint every 5 rounds; Ctrl-C writes one).

    python simulations/spiking_noise_size.py --workers 2
Writes figures/spiking_noise_size.{json,png}, figures/spiking_noise_size_samples.png (the
learners' GENERATE samples at the last count) and the ``from_scratch_at_scale`` part of
figures/spiking_denoising.json.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from _common import parse_variant_args, refuse, run_resumable, variant_parser

#: the learners compared, in the order they are reported: (key, label)
LEARNERS = (("spiking_paper_noise", "spiking, paper-sized noise (long run)"),
            ("spiking_paper_noise_pixel_baseline", "spiking, paper-sized + pixel baseline 0.1"),
            ("spiking_weak_noise", "spiking, weak noise"),
            ("numpy", "numpy, batch 1 (long run)"))


def main(argv=None) -> int:
    parser = variant_parser(__doc__, "runs/spiking-weak-noise")
    parser.add_argument("--at-scale-dir", default="runs/at-scale",
                        help="the long run's folder: its start model, spiking and numpy models")
    parser.add_argument("--pixel-baseline-dir", default="runs/spiking-pixel-baseline",
                        help="simulations/spiking_pixel_baseline.py's folder")
    args = parse_variant_args(parser, argv, "spiking_noise_size.py")
    if not (Path(args.at_scale_dir) / "start" / "model.npz").is_file():
        _refuse(f"--at-scale-dir: no start model at {Path(args.at_scale_dir) / 'start'}; run "
                "simulations/spiking_at_scale.py first (it writes the start model)")
    return run_resumable(_run, args)


def _refuse(message: str) -> None:
    refuse("spiking_noise_size.py", message)


def weak_noise_config():
    """The long run's spiking learner (η 3e-3, the coarse network) with the weak sample."""
    from spiking_em.experiments import at_scale
    from spiking_em.spiking.replay import SampleConfig
    from spiking_em.spiking.teaching import SpikingTrainConfig
    from spiking_em.spiking.wiring import NetworkConfig
    return SpikingTrainConfig(eta=at_scale.SPIKING_ETA, sample=SampleConfig(),
                              network=NetworkConfig.coarse())


def _run(args) -> int:
    from spiking_em import data
    from spiking_em.experiments import at_scale
    from spiking_em.experiments import from_scratch as fs
    from spiking_em.experiments import long_run_variant as variant
    from spiking_em.experiments.plotting import write_json
    from spiking_em.model.trained import TrainedModel
    t0 = time.perf_counter()
    say = lambda m: print(f"[{time.perf_counter() - t0:7.1f} s] {m}", flush=True)  # noqa: E731

    # Parameters: everything checked before any work
    dataset = data.load("mnist", args.data_dir)
    config = weak_noise_config()
    runs, long_run = Path(args.runs_dir), Path(args.at_scale_dir)
    try:
        variant.check_own_checkpoint(runs, config, args.seed, args.workers)
    except ValueError as exc:
        _refuse(f"{exc} (or another --runs-dir)")
    start = TrainedModel.load(long_run / "start")
    sequence = fs.digit_sequence(dataset.train, args.presentations, args.seed)
    counts = [c for c in at_scale.CHECKPOINTS if c <= args.presentations]

    # Run: the weak-noise learner checkpoint after checkpoint, each kept and evaluated
    for n in counts:
        say(f"weak-noise learner to {n} digits")
        model = variant.learn_to(runs, n, config, sequence, dataset.valid[:1000], start,
                                 seed=args.seed, workers=args.workers,
                                 scheduler=args.scheduler, say=say)
        variant.evaluated(runs, n, model, dataset, seed=args.seed, say=say)

    # Results: the four learners at every count where the long run has them
    checkpoints = [row for n in counts
                   if (row := _checkpoint(n, runs, long_run, Path(args.pixel_baseline_dir)))]
    complete = [c for c in checkpoints if all(k in c for k in fs.TARGET_LEARNERS)]
    last = complete[-1] if complete else None
    summary = {k: last[k] for k, _ in LEARNERS if k in last} if last else {}
    targets = _targets(summary) if last else {}
    settings = {"presentations": args.presentations, "seed": args.seed,
                "workers": args.workers, "weak_noise_config": config.as_dict(),
                "start": str(long_run / "start"),
                "sequence": "from_scratch.digit_sequence(train, presentations, seed): the long "
                            "run's first digits, in its order",
                "learning_rates": "η 3e-3 for every spiking learner, SGD 3e-3 for numpy: the "
                                  "rates the from-scratch comparison chose by the validation "
                                  "local losses under the paper preset's corruption",
                "evaluation": {k: v for k, v in at_scale.EVAL_CONFIG.__dict__.items()
                               if k != "sigmas"}}
    results = {"settings": settings, "presentations": last["presentations"] if last else None,
               "from_scratch": summary, "targets": targets, "checkpoints": checkpoints}
    out = Path(args.out)
    write_json(out / "spiking_noise_size.json", results)
    _plot(checkpoints, out / "spiking_noise_size.png")
    if last:
        _plot_samples(last, dataset, args, out / "spiking_noise_size_samples.png", say)
    if last:
        fs.merge_into_denoising(out / "spiking_denoising.json", summary, targets, settings,
                                key="from_scratch_at_scale")
    for c in checkpoints:
        say(f"at {c['presentations']} digits: " + "; ".join(
            f"{k} {c[k]['parzen_generate']:.1f} nats (Fréchet {c[k]['frechet_generate']:.1f}, "
            f"{c[k]['classes_generate']} classes)" for k, _ in LEARNERS if k in c))
    if targets:
        say("targets: " + ", ".join(f"{k} {v}" for k, v in targets.items()))
    print(f"wrote {out / 'spiking_noise_size'}.json, .png and _samples.png")
    return 0


def _checkpoint(n: int, runs: Path, long_run: Path, pixel_baseline: Path) -> dict | None:
    """The learners' rows at ``n`` digits (those evaluated there), each with the issue's keys
    ``parzen_generate, frechet_generate, classes_generate, inpaint_mse, distinct_digits,
    repeats``; None if the weak-noise learner has none."""
    from spiking_em.experiments import long_run_variant as variant
    weak = variant.learner_row(runs, n)
    if weak is None:
        return None
    rows = {"spiking_weak_noise": weak,
            "spiking_paper_noise": variant.learner_row(long_run / "spiking", n),
            "spiking_paper_noise_pixel_baseline": variant.learner_row(pixel_baseline, n)}
    numpy_eval = long_run / "numpy" / f"at-{n}" / "evaluation.json"
    if numpy_eval.exists():   # the rate learner runs over the sequence in order: n distinct
        rows["numpy"] = {**json.loads(numpy_eval.read_text()), "presentations": n,
                         "distinct_digits": n, "repeats": 0}
    out = {"presentations": n}
    for key, row in rows.items():
        if row is not None:
            row = dict(row)
            row["classes_generate"] = row.pop("classes")
            out[key] = row
    return out


def _targets(summary: dict) -> dict:
    """The denoising issue's targets at the last count (the paper-sized learner within 10 nats
    of numpy, its Fréchet distance no worse, no repeats; paper-sized minus weak), and the same
    gaps for the pixel-baseline learner."""
    from spiking_em.experiments import from_scratch as fs
    targets = fs.targets(summary)
    base = summary.get("spiking_paper_noise_pixel_baseline")
    if base:
        gap = summary["numpy"]["parzen_generate"] - base["parzen_generate"]
        targets.update({
            "parzen_gap_pixel_baseline_vs_numpy": gap,
            "pixel_baseline_parzen_within_10": gap <= 10,
            "pixel_baseline_frechet_no_worse": base["frechet_generate"]
            <= summary["numpy"]["frechet_generate"],
            "pixel_baseline_minus_weak_parzen": base["parzen_generate"]
            - summary["spiking_weak_noise"]["parzen_generate"],
            "pixel_baseline_minus_weak_frechet": base["frechet_generate"]
            - summary["spiking_weak_noise"]["frechet_generate"]})
    return targets


def _plot_samples(row: dict, dataset, args, path: Path, say) -> None:
    """100 GENERATE samples of each learner at the checkpoint ``row`` (kept with the
    learners' evaluations; a spiking variant evaluated before samples were kept is evaluated
    again for them)."""
    from spiking_em.experiments import long_run_variant as variant
    from spiking_em.experiments.at_scale_figures import plot_samples
    from spiking_em.model.trained import TrainedModel
    n, samples = row["presentations"], {}
    for key, _ in LEARNERS:
        if key not in row:
            continue
        folder = Path(row[key]["run_dir"]).parent if "run_dir" in row[key] else (
            Path(args.at_scale_dir) / "numpy")
        if variant.kept_samples(folder, n) is None:
            variant.evaluated(folder, n, TrainedModel.load(variant.snapshot(folder, n)),
                              dataset, seed=args.seed, say=say)
        samples[key] = variant.kept_samples(folder, n)
    plot_samples(samples, row, path)


def _plot(checkpoints: list, path: Path) -> None:
    """Parzen LL of GENERATE and its samples' Fréchet distance against digits seen, one line
    per learner."""
    from spiking_em import atomic
    from spiking_em.experiments.plotting import STYLE, plt
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
        for key, label in LEARNERS:
            points = [(c["presentations"], c[key]) for c in checkpoints if key in c]
            if not points:
                continue
            seen = [n for n, _ in points]
            axes[0].plot(seen, [r["parzen_generate"] for _, r in points], "o-", label=label)
            axes[1].plot(seen, [r["frechet_generate"] for _, r in points], "o-", label=label)
        axes[0].set_title("Parzen LL of GENERATE (nats)")
        axes[1].set_title("Fréchet distance of GENERATE (lower is better)")
        for ax in axes:
            ax.set_xlabel("examples seen (digits, the same sequence)")
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8)
        fig.suptitle("paper-sized against weak spike noise, from the same start")
        fig.tight_layout(rect=(0, 0.07, 1, 1))
        atomic.save_figure(fig, path)
        plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
