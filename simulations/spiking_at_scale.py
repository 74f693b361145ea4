"""The long run: a generative model learned from scratch in spikes over one MNIST epoch, beside
numpy (batch 1) and the package's trainer, evaluated at six checkpoints.

Paper: *Towards Biologically Plausible Deep Learning*, Sec. 3 (Algorithm 2, TRAIN) carried out
by the Brian2 network for 50,000 presentations: INFERENCE by the areas' dynamics, the M-step by
ΔW ∝ S_pre · dV_post/dt in the plastic synapses, the corruption by the network's own spikes at
the paper's size (with the floor), on the coarse network (0.4 ms, 300 Hz), data-parallel over
``--workers`` Dask workers (rounds of 17 digits per worker; the weights move by the sum of the
workers' changes). The learners and the protocol: :mod:`spiking_em.experiments.at_scale`.

1. numpy (batch 1) and the trainer (``TrainConfig.paper``) run over the 50,000 digits, keeping
   their models at every checkpoint (minutes).
2. The spiking learner runs checkpoint after checkpoint (about 2.5 hours on 2 cores), its
   checkpoint written every 5 rounds; at every checkpoint the three models are evaluated
   (Parzen LL of 10,000 GENERATE samples, Fréchet distance and classes, in-painting) and the
   results and figures are rewritten, so a cut-short run leaves its curve so far.

A killed run resumes with the same command (Ctrl-C writes the spiking checkpoint; the rate
learners' few minutes start over). ``--continue-from DIR`` starts the spiking learner from
another run of the same learner on the same digits (``runs/workers-learning/workers-2`` of
``simulations/spiking_workers_learning.py`` is its first 5,100 digits); the settings, seed, the
number of workers and the start model must match, or it refuses before any work.

    python simulations/spiking_at_scale.py --workers 2
Writes figures/spiking_at_scale.{json,png} and figures/spiking_at_scale_samples.png.
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from _common import FIGURES, parse_sweep_args, refuse, run_resumable, sweep_args


def main(argv=None) -> int:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", default=str(FIGURES))
    parser.add_argument("--runs-dir", default="runs/at-scale")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--checkpoints", type=int, nargs="+", default=None,
                        help="examples seen at which the learners are evaluated (default "
                             "5100 10200 20400 30600 40800 50000)")
    parser.add_argument("--continue-from", default=None,
                        help="a run directory of the same spiking learner on the same digits "
                             "(its spiking_checkpoint.npz, and its start model in ../start)")
    sweep_args(parser)
    args = parse_sweep_args(parser, argv)
    args.workers = args.workers or 2
    return run_resumable(_run, args)


def _refuse(message: str) -> None:
    refuse("spiking_at_scale.py", message)


def _run(args) -> int:
    import numpy as np

    from spiking_em import atomic, data
    from spiking_em.experiments import at_scale
    from spiking_em.experiments import from_scratch as fs
    from spiking_em.model import checkpoint
    from spiking_em.model.start import kept_initial_model
    from spiking_em.model.trained import TrainedModel
    from spiking_em.spiking.replay import SampleConfig
    from spiking_em.spiking.teaching import SpikingTrainConfig
    from spiking_em.spiking.trainer import CHECKPOINT_FILE, check_resumable
    from spiking_em.spiking.wiring import NetworkConfig
    t0 = time.perf_counter()
    say = lambda m: print(f"[{time.perf_counter() - t0:7.1f} s] {m}", flush=True)  # noqa: E731

    # Parameters: everything checked before any work
    dataset = data.load("mnist", args.data_dir)
    config = SpikingTrainConfig(eta=at_scale.SPIKING_ETA, sample=SampleConfig.paper_noise_floor(),
                                network=NetworkConfig.coarse())
    round_size = args.workers * config.digits_per_run
    minibatch = at_scale.rate_configs((784, 1000, 100))["trainer"].batch_size
    try:
        checkpoints = at_scale.check_checkpoints(args.checkpoints or at_scale.CHECKPOINTS,
                                                 minibatch, len(dataset.train))
    except ValueError as exc:
        _refuse(f"--checkpoints: {exc}")
    runs = Path(args.runs_dir)
    spiking_dir = runs / "spiking"
    own = spiking_dir / CHECKPOINT_FILE
    source = own if own.exists() else (Path(args.continue_from) / CHECKPOINT_FILE
                                       if args.continue_from else None)
    if source is not None:
        if not source.is_file():
            _refuse(f"--continue-from: no spiking checkpoint at {source}")
        try:
            check_resumable(checkpoint.load(source)[1], source, config, args.seed,
                            at_scale.DATASET_NAME,
                            args.workers)
        except (ValueError, checkpoint.CorruptFileError) as exc:
            _refuse(str(exc))
    start_dir = runs / "start"
    start = kept_initial_model(start_dir, (784, 1000, 100), dataset.train, seed=args.seed)
    if source is not None and source != own:
        other = TrainedModel.load(source.parent.parent / "start")
        if any(not np.array_equal(a, other.params.as_dict()[k])
               for k, a in start.params.as_dict().items()):
            _refuse(f"--continue-from: {source.parent.parent / 'start'} is another start "
                    f"model than {start_dir} (another --seed?)")
        spiking_dir.mkdir(parents=True, exist_ok=True)
        for name in (CHECKPOINT_FILE, TrainedModel.FILE):
            shutil.copy2(source.parent / name, spiking_dir / name)
        atomic.write_json(spiking_dir / "provenance.json",
                          {"continued_from": str(source.parent)})
        done = TrainedModel.load(spiking_dir).meta["spiking"]["presentations"]
        if done in checkpoints:   # the run's own model at its end: that checkpoint's snapshot
            TrainedModel.load(spiking_dir).save(at_scale.snapshot_dir(runs, "spiking", done))
        say(f"continuing the spiking learner from {source.parent}")
    sequence = fs.digit_sequence(dataset.train, checkpoints[-1], args.seed)
    x_valid = dataset.valid[:1000]
    eval_config = at_scale.EVAL_CONFIG

    # Run: the rate learners, then the spiking learner checkpoint after checkpoint
    histories = {}
    for learner in ("numpy", "trainer"):
        say(f"{learner}: {checkpoints[-1]} digits (models kept at {list(checkpoints)})")
        histories[learner] = at_scale.train_rate_learner(learner, start, sequence, x_valid,
                                                         checkpoints, runs, seed=args.seed,
                                                         say=say)
    from spiking_em.evaluation.classifier import mnist_classifier
    classifier = mnist_classifier(dataset)
    evaluate = _evaluator(dataset, classifier, eval_config, args.seed, say)
    untrained, _ = evaluate(runs / "untrained", lambda: at_scale.untrained_model(start,
                                                                                 sequence))
    settings = {"sizes": [784, 1000, 100], "seed": args.seed, "checkpoints": list(checkpoints),
                "workers": args.workers, "round_digits": round_size,
                "sequence": "from_scratch.digit_sequence(train, 50000, seed): every training "
                            "digit once, in one seeded order, the same for all learners",
                "spiking": {"config": config.as_dict(), "learner": "spiking_paper_floor"},
                "numpy": at_scale.rate_configs(start.params.sizes)["numpy"].as_dict(),
                "trainer": at_scale.rate_configs(start.params.sizes)["trainer"].as_dict(),
                "evaluation": {k: v for k, v in eval_config.__dict__.items() if k != "sigmas"},
                "continued_from": _provenance(spiking_dir)}
    rows, spiking_meta = [], {}
    client = cluster = None
    try:
        for n in checkpoints:
            snap = at_scale.snapshot_dir(runs, "spiking", n)
            if not (snap / TrainedModel.FILE).exists():
                if client is None:
                    client, cluster, learner = _parallel(args, config)
                model = _train_spiking(sequence[:n], x_valid, start, config, n, args.seed,
                                       spiking_dir, learner, say)
                model.save(snap)
            row, samples = {"presentations": n}, {}
            for name in at_scale.LEARNERS:
                where = at_scale.snapshot_dir(runs, name, n)
                row[name], samples[name] = evaluate(where, lambda d=where: TrainedModel.load(d))
            rows.append(row)
            spiking_meta = TrainedModel.load(snap).meta["spiking"]
            _write(args.out, settings, untrained, rows, histories, spiking_meta, samples,
                   complete=n == checkpoints[-1])
            say(f"at {n} digits: " + ", ".join(
                f"{k} {row[k]['parzen_generate']:.1f} nats" for k in at_scale.LEARNERS))
    finally:
        if client is not None:
            client.close()
            if cluster is not None:
                cluster.close()
    print(f"wrote {Path(args.out) / 'spiking_at_scale'}.json, .png and _samples.png")
    return 0


def _parallel(args, config):
    """A Dask client on ``args.workers`` local workers (or the scheduler given) and the
    data-parallel learner that holds one compiled network per worker."""
    from spiking_em.spiking.parallel import ParallelLearner, open_client
    client, cluster, where = open_client(args.workers, args.scheduler)
    print(f"spiking learner on {where}", flush=True)
    return client, cluster, ParallelLearner(client, config, args.workers, net_seed=args.seed)


def _train_spiking(sequence, x_valid, start, config, n, seed, out, learner, say):
    """The spiking learner continued to ``n`` digits from its checkpoint (or from ``start``)."""
    from spiking_em.experiments import at_scale
    from spiking_em.spiking.trainer import CHECKPOINT_FILE, progress_lines, train_spiking
    say(f"spiking: learning to {n} digits")
    return train_spiking(sequence, x_valid, start, config, n_presentations=n, seed=seed,
                         out_dir=out, resume=(out / CHECKPOINT_FILE).exists(), shuffle=False,
                         dataset_name=at_scale.DATASET_NAME, eval_every=10, parallel=learner,
                         on_run=progress_lines("spiking", n))


def _evaluator(dataset, classifier, eval_config, seed, say):
    """``evaluate(run_dir, load)``: the checkpoint row of the model ``load()`` gives, kept in
    ``run_dir/evaluation.json`` (and its 100 samples in ``samples.npy``) and reused."""
    import numpy as np

    from spiking_em import atomic
    from spiking_em.experiments import at_scale

    def evaluate(run_dir: Path, load):
        kept, images = run_dir / "evaluation.json", run_dir / "samples.npy"
        if kept.exists() and images.exists():
            return json.loads(kept.read_text()), np.load(images)
        say(f"evaluating {run_dir} (GENERATE {eval_config.n_samples} samples, Parzen, "
            "Fréchet, in-painting)")
        row, samples = at_scale.evaluate_snapshot(load(), dataset, classifier, eval_config,
                                                  seed=seed)
        atomic.write_atomic(images, lambda f: np.save(f, samples))
        atomic.write_json(kept, row)
        return row, samples
    return evaluate


def _provenance(spiking_dir: Path):
    path = spiking_dir / "provenance.json"
    return json.loads(path.read_text())["continued_from"] if path.exists() else None


def _write(out, settings, untrained, rows, histories, spiking_meta, samples, *, complete):
    """The results so far: JSON, curves and the last checkpoint's samples."""
    from spiking_em.experiments import at_scale
    from spiking_em.experiments.at_scale_figures import plot_curves, plot_samples
    from spiking_em.experiments.plotting import write_json
    out = Path(out)
    results = {
        "settings": settings, "complete": complete,
        "presentations": rows[-1]["presentations"], "untrained": untrained,
        "checkpoints": rows, "summary": at_scale.summary(rows),
        "spiking": {k: spiking_meta.get(k) for k in (
            "presentations", "distinct_digits", "repeats", "wall_s", "binary_run_s",
            "synaptic_events", "binary_runs")},
        "histories": {**histories, "spiking": spiking_meta.get("history")}}
    results["spiking"]["presentations_per_minute"] = (60 * spiking_meta["presentations"]
                                                      / spiking_meta["wall_s"])
    write_json(out / "spiking_at_scale.json", results)
    plot_curves(results, out / "spiking_at_scale.png")
    plot_samples(samples, rows[-1], out / "spiking_at_scale_samples.png")


if __name__ == "__main__":
    raise SystemExit(main())
