"""Learning at equal examples with 1 and 2 Dask workers: does data-parallel learning in the
spiking network learn the same model?

Both runs start from the same untrained 784-1000-100 model and learn the same digits in the
same order (``train_spiking(shuffle=False)`` on one seeded sequence) with the same learner
(the network at the paper-sized corruption with the floor, ``SampleConfig.paper_noise_floor``,
eta 3e-3: the rate the from-scratch comparison chose for it), on the coarse network
(``NetworkConfig.coarse``: 0.4 ms steps, 300 Hz; ``--fine`` for 0.2 ms and 400 Hz). With 1 worker each digit
learns from the weights the previous digit left; with 2, each round's two blocks of 17
digits start from the round's weights and the weights move by the sum of their changes
(:mod:`spiking_em.spiking.parallel`). Reported for each: the validation local losses (clean and
under the paper preset's noise) along the way, the Parzen log-likelihood of 10,000 GENERATE
samples and of ancestral samples, in-painting, and the speed; and their differences.

Each run keeps its checkpoints in ``--runs-dir``/workers-N (a killed run resumes there with
the same command) and its evaluation in ``evaluation.json`` beside the model.

    python simulations/spiking_workers_learning.py --presentations 10000
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _common import FIGURES

WORKERS = (1, 2)


def main(argv=None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        import sys
        print("interrupted: each run's checkpoint is kept; run the same command to resume",
              file=sys.stderr)
        return 130


def _main(argv) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", default=str(FIGURES))
    parser.add_argument("--runs-dir", default="runs/workers-learning")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--presentations", type=int, default=10_000)
    parser.add_argument("--eta", type=float, default=3e-3)
    parser.add_argument("--fine", action="store_true",
                        help="LIF neurons at 0.2 ms and 400 Hz (default: the coarse design, "
                             "0.4 ms and 300 Hz, NetworkConfig.coarse)")
    args = parser.parse_args(argv)
    problem = ("--presentations must be at least 34 (one round of 2 blocks of 17)"
               if args.presentations < 34 else
               f"--eta must be a positive learning rate, got {args.eta}"
               if not args.eta > 0 else None)   # (not > 0: also NaN)
    if problem is not None:
        import sys
        print(f"{parser.prog}: error: {problem}", file=sys.stderr)
        return 2

    from spiking_em import atomic, data
    from spiking_em.evaluation.evaluate import EvalConfig, evaluate_model
    from spiking_em.experiments import from_scratch as fs
    from spiking_em.experiments.plotting import write_json
    from spiking_em.model.start import kept_initial_model
    from spiking_em.model.trained import TrainedModel
    from spiking_em.spiking.parallel import ParallelLearner, open_client
    from spiking_em.spiking.replay import SampleConfig
    from spiking_em.spiking.teaching import SpikingTrainConfig
    from spiking_em.spiking.trainer import CHECKPOINT_FILE, progress_lines, train_spiking
    from spiking_em.spiking.wiring import NetworkConfig
    t0 = time.perf_counter()
    say = lambda m: print(f"[{time.perf_counter() - t0:6.1f} s] {m}", flush=True)  # noqa: E731
    dataset = data.load("mnist", args.data_dir)
    runs = Path(args.runs_dir)
    start_dir = runs / "start"
    start = kept_initial_model(start_dir, (784, 1000, 100), dataset.train, seed=args.seed)
    sequence = fs.digit_sequence(dataset.train, args.presentations, args.seed)
    config = SpikingTrainConfig(eta=args.eta, sample=SampleConfig.paper_noise_floor(),
                                network=NetworkConfig() if args.fine else NetworkConfig.coarse())
    eval_config = EvalConfig(n_samples=10_000, n_parzen_valid=2_000, n_parzen_test=10_000,
                             n_logp=1_000, n_inpaint=2_000, n_nearest=300)
    results = {}
    for workers in WORKERS:
        out = runs / f"workers-{workers}"
        model = TrainedModel.load(out) if (out / TrainedModel.FILE).exists() else None
        if model is None or model.meta["spiking"]["presentations"] < args.presentations:
            say(f"{workers} worker(s): learning {args.presentations} digits")
            client, cluster, where = open_client(workers, None)
            try:
                learner = ParallelLearner(client, config, workers, net_seed=args.seed)
                model = train_spiking(
                    sequence, dataset.valid[:1000], start, config,
                    n_presentations=args.presentations, seed=args.seed, out_dir=out,
                    resume=(out / CHECKPOINT_FILE).exists(), shuffle=False,
                    dataset_name="mnist-sequence", eval_every=10, parallel=learner,
                    on_run=progress_lines(f"{workers} worker(s)", args.presentations))
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
        evaluation = out / "evaluation.json"
        done = model.meta["spiking"]["presentations"]
        if not evaluation.exists() or json.loads(evaluation.read_text()).get(
                "presentations") != done:   # none yet, or one of a shorter run
            say(f"{workers} worker(s): evaluating at {done} digits (GENERATE "
                f"{eval_config.n_samples} samples, Parzen, in-painting)")
            metrics, _ = evaluate_model(model, dataset, seed=args.seed, config=eval_config)
            atomic.write_json(evaluation, {**fs.headline(metrics), "presentations": done})
        spiking = model.meta["spiking"]
        results[str(workers)] = {
            "evaluation": json.loads(evaluation.read_text()),
            "history": spiking["history"], "presentations": spiking["presentations"],
            "distinct_digits": spiking.get("distinct_digits"), "repeats": spiking.get("repeats"),
            "presentations_per_minute": 60 * spiking["presentations"] / spiking["wall_s"]}
    one, two = results["1"], results["2"]
    final = {w: r["history"][-1] for w, r in results.items()}
    summary = {
        "parzen_generate": {w: r["evaluation"]["parzen_ll_generate"]["mean"]
                            for w, r in results.items()},
        "parzen_generate_difference": two["evaluation"]["parzen_ll_generate"]["mean"]
        - one["evaluation"]["parzen_ll_generate"]["mean"],
        "valid_local_losses_paper_noise": {w: h["local_losses_paper_noise"]
                                           for w, h in final.items()},
        "valid_reconstruction": {w: h["valid_reconstruction"] for w, h in final.items()},
        "speedup": two["presentations_per_minute"] / one["presentations_per_minute"]}
    settings = {"presentations": args.presentations, "seed": args.seed, "eta": args.eta,
                "network": config.network.as_dict(),
                "sample": config.sample.as_dict(), "learner": "spiking_paper_floor",
                "sequence": "from_scratch.digit_sequence(train, presentations, seed), in order",
                "evaluation": {k: v for k, v in eval_config.__dict__.items() if k != "sigmas"}}
    path = Path(args.out) / "spiking_workers_learning.json"
    write_json(path, {"settings": settings, "runs": results, "summary": summary})
    _plot(results, Path(args.out) / "spiking_workers_learning.png")
    for w, r in results.items():
        say(f"{w} worker(s): Parzen GENERATE {summary['parzen_generate'][w]:.1f} nats, valid "
            f"reconstruction {summary['valid_reconstruction'][w]:.2f}, "
            f"{r['presentations_per_minute']:.0f} presentations/min")
    print(f"wrote {path} and .png")
    return 0


def _plot(results: dict, path: Path) -> None:
    """Validation local losses under the paper's noise against presentations, per worker count."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from spiking_em import atomic
    maps = ("g1", "f1", "f2", "g2")
    fig, axes = plt.subplots(1, 5, figsize=(17, 3.4))
    for w, r in results.items():
        n = [h["presentations"] for h in r["history"]]
        for ax, m in zip(axes, maps, strict=False):
            ax.plot(n, [h["local_losses_paper_noise"][m] for h in r["history"]],
                    label=f"{w} worker(s)")
        axes[4].plot(n, [h["valid_reconstruction"] for h in r["history"]],
                     label=f"{w} worker(s): Parzen "
                     f"{r['evaluation']['parzen_ll_generate']['mean']:.1f} nats")
    for ax, title in zip(axes, [f"{m} loss, paper's noise" for m in maps]
                         + ["validation reconstruction"], strict=True):
        ax.set_title(title)
        ax.set_xlabel("presentations")
        ax.set_yscale("log")
    axes[4].legend(fontsize=8)
    fig.tight_layout()
    atomic.save_figure(fig, path)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
