"""A spike corruption between weak and paper-sized: the long run's learner with the pixels'
baseline and its sample at half the paper's rms, beside the committed learners on the same
digits.

Paper: *Towards Biologically Plausible Deep Learning*, Sec. 3 (spikes are the noise of the
denoising auto-encoders). On the long run's digits the weak sample (rms ~0.05) gives the best
model up to 10,200 digits and then decays to a near-identity auto-encoder, and the paper-sized
sample with the pixels' baseline keeps ~95 nats without decaying
(``simulations/spiking_noise_size.py``, ``simulations/spiking_pixel_baseline.py``). This
script trains the learner in between (:mod:`spiking_em.experiments.noise_between`): the
pixel-baseline learner (same start model, digits, order, η 3e-3, coarse network, OFF pixel
neurons at baseline 0.1, rounds of 17 digits per worker) with every area's sample at
``--fraction`` of the paper's rms, the rate factors read off the measured curve with the floor
(figures/spiking_denoising.json). Its model is kept and evaluated by the long run's protocol at
every long-run checkpoint up to ``--presentations``; the other learners' numbers are their
committed results.

About 75 minutes for 20,400 digits on 2 idle cores, plus about two minutes of evaluation per
checkpoint; a killed run resumes with the same command (checkpoint every 5 rounds; Ctrl-C
writes one), and a larger ``--presentations`` continues a smaller one.

    python simulations/spiking_noise_between.py --workers 2
Writes figures/spiking_noise_between.{json,png} and figures/spiking_noise_between_samples.png
(its GENERATE samples at every count).
"""
from __future__ import annotations

import time
from pathlib import Path

from _common import FIGURES, parse_variant_args, refuse, run_resumable, variant_parser


def main(argv=None) -> int:
    parser = variant_parser(__doc__, "runs/spiking-noise-between")
    parser.add_argument("--denoising-json", default=str(FIGURES / "spiking_denoising.json"),
                        help="simulations/spiking_denoising.py's results (the floor curve)")
    parser.add_argument("--fraction", type=float, default=None,
                        help="the sample's rms as a fraction of the paper's (default 0.5)")
    args = parse_variant_args(parser, argv, "spiking_noise_between.py")
    from spiking_em.experiments import noise_between as nb
    args.fraction = nb.FRACTION if args.fraction is None else args.fraction
    if not 0 < args.fraction < 1:
        _refuse(f"--fraction must be in (0, 1) (1 is the paper-sized learner), got "
                f"{args.fraction}")
    if not Path(args.denoising_json).is_file():
        _refuse(f"--denoising-json: {args.denoising_json} not found; run "
                "simulations/spiking_denoising.py (it measures the floor curve)")
    try:
        args.sample = nb.sample_between(Path(args.denoising_json), args.fraction)
    except (ValueError, KeyError) as exc:
        _refuse(f"--fraction / --denoising-json: {exc}")
    return run_resumable(_run, args)


def _refuse(message: str) -> None:
    refuse("spiking_noise_between.py", message)


def _run(args) -> int:
    from spiking_em import data
    from spiking_em.experiments import at_scale
    from spiking_em.experiments import from_scratch as fs
    from spiking_em.experiments import long_run_variant as variant
    from spiking_em.experiments import noise_between as nb
    from spiking_em.experiments import pixel_baseline as pb
    from spiking_em.experiments.plotting import write_json
    from spiking_em.model.start import kept_initial_model
    t0 = time.perf_counter()
    say = lambda m: print(f"[{time.perf_counter() - t0:7.1f} s] {m}", flush=True)  # noqa: E731

    # Parameters: everything checked before any work
    dataset = data.load("mnist", args.data_dir)
    sequence = fs.digit_sequence(dataset.train, args.presentations, args.seed)
    mean_pixel = pb.sequence_mean_pixel(dataset.train, args.seed)
    config = pb.spiking_config(pb.SPIKING_BASELINE, mean_pixel, sample=args.sample)
    runs = Path(args.runs_dir)
    try:
        variant.check_own_checkpoint(runs, config, args.seed, args.workers)
    except ValueError as exc:
        _refuse(f"{exc} (or another --runs-dir)")
    start = kept_initial_model(runs / "start", (784, 1000, 100), dataset.train, seed=args.seed)
    counts = [c for c in at_scale.CHECKPOINTS if c <= args.presentations]
    s = config.sample
    say(f"sample at {args.fraction:g} of the paper's rms: rate factors x {s.rate_x:.4f} "
        f"(pixel baseline {s.baseline_x:g}), h1 {s.rate_h1:.4f}, h2 {s.rate_h2:.4f}, floor "
        f"{s.floor_h1:g} spike; {args.presentations} digits")

    # Run: the learner checkpoint after checkpoint, each kept and evaluated
    for n in counts:
        say(f"learner between weak and paper-sized noise to {n} digits")
        model = variant.learn_to(runs, n, config, sequence, dataset.valid[:1000], start,
                                 seed=args.seed, workers=args.workers,
                                 scheduler=args.scheduler, say=say)
        variant.evaluated(runs, n, model, dataset, seed=args.seed, say=say)

    # Results: this learner beside the committed ones at every count
    key = "spiking_noise_between"
    checkpoints = []
    for n in counts:
        own = variant.learner_row(runs, n)
        row = {"presentations": n, key: own, **nb.committed_rows(Path(args.out), n)}
        row["gaps_to_numpy"] = nb.gaps(row)
        checkpoints.append(row)
    settings = {"presentations": args.presentations, "seed": args.seed,
                "workers": args.workers, "fraction_of_paper_rms": args.fraction,
                "mean_pixel": mean_pixel, "config": config.as_dict(),
                "rates_from": f"{args.denoising_json}: floor.curve, log-log interpolation",
                "start": str(runs / "start"),
                "sequence": "from_scratch.digit_sequence(train, presentations, seed): the long "
                            "run's first digits, in its order",
                "others": "committed results: figures/spiking_at_scale.json (spiking, numpy), "
                          "spiking_pixel_baseline.json, spiking_noise_size.json",
                "evaluation": {k: v for k, v in at_scale.EVAL_CONFIG.__dict__.items()
                               if k != "sigmas"}}
    last = checkpoints[-1]
    within = [c["gaps_to_numpy"].get(key, {}).get("within_25") for c in checkpoints]
    results = {"settings": settings, "presentations": args.presentations,
               "checkpoints": checkpoints,
               "targets": {"within_25_nats_of_numpy_every_checkpoint": all(within),
                           "gaps_nats": [c["gaps_to_numpy"].get(key, {}).get("gap_nats")
                                         for c in checkpoints]}}
    out = Path(args.out)
    write_json(out / "spiking_noise_between.json", results)
    context = [{"presentations": n, **nb.committed_rows(out, n)} for n in at_scale.CHECKPOINTS]
    _plot(checkpoints, context, out / "spiking_noise_between.png")
    _plot_samples(runs, counts, checkpoints, out / "spiking_noise_between_samples.png")
    for c in checkpoints:
        say(f"at {c['presentations']} digits: " + "; ".join(
            f"{k} {c[k]['parzen_generate']:.1f} nats (Fréchet {c[k]['frechet_generate']:.1f})"
            for k in (key, *(o for o, _ in nb.OTHERS)) if k in c))
    say(f"gap to numpy at each count: {results['targets']['gaps_nats']}; within 25 nats "
        f"everywhere: {results['targets']['within_25_nats_of_numpy_every_checkpoint']}; "
        f"last count {last['presentations']}")
    print(f"wrote {out / 'spiking_noise_between'}.json, .png and _samples.png")
    return 0


def _plot(checkpoints: list, context: list, path: Path) -> None:
    """Parzen LL of GENERATE and its samples' Fréchet distance against digits seen: this
    learner at its ``checkpoints``, the committed learners (dashed) wherever ``context`` has
    them."""
    from spiking_em import atomic
    from spiking_em.experiments import noise_between as nb
    from spiking_em.experiments.plotting import STYLE, plt
    learners = (("spiking_noise_between", "spiking, half the paper's rms + pixel baseline"),
                *nb.OTHERS)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
        for key, label in learners:
            rows = checkpoints if key == "spiking_noise_between" else context
            points = [(c["presentations"], c[key]) for c in rows if key in c]
            if not points:
                continue
            seen = [n for n, _ in points]
            style = "o-" if key == "spiking_noise_between" else "o--"
            axes[0].plot(seen, [r["parzen_generate"] for _, r in points], style, label=label)
            axes[1].plot(seen, [r["frechet_generate"] for _, r in points], style, label=label)
        axes[0].set_title("Parzen LL of GENERATE (nats)")
        axes[1].set_title("Fréchet distance of GENERATE (lower is better)")
        for ax in axes:
            ax.set_xlabel("examples seen (digits, the same sequence)")
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8)
        fig.suptitle("spike noise between weak and paper-sized, from the same start")
        fig.tight_layout(rect=(0, 0.12, 1, 1))
        atomic.save_figure(fig, path)
        plt.close(fig)


def _plot_samples(runs: Path, counts: list, checkpoints: list, path: Path) -> None:
    """100 GENERATE samples of this learner at every count, its numbers in the titles."""
    from spiking_em.experiments import long_run_variant as variant
    from spiking_em.experiments.at_scale_figures import plot_samples
    samples, row = {}, {}
    for n, c in zip(counts, checkpoints, strict=True):
        images = variant.kept_samples(runs, n)
        if images is not None:
            samples[n] = images
            row[n] = {**c["spiking_noise_between"],
                      "title": f"half the paper's rms, {n} digits"}
    if samples:
        plot_samples(samples, row, path)


if __name__ == "__main__":
    raise SystemExit(main())
