"""``spiking-em demo``: a few-minute version of the whole rate pipeline on one data set."""
from __future__ import annotations

import time
from pathlib import Path

from spiking_em import plotting
from spiking_em.config import TrainConfig
from spiking_em.data import Dataset
from spiking_em.evaluate import EvalConfig, evaluate_model
from spiking_em.progress import ProgressBar
from spiking_em.training import train

DEMO_EPOCHS = 10
DEMO_TRAIN = 10_000


def run_demo(dataset: Dataset, *, out_dir: Path, seed: int = 0, print_fn=print) -> dict:
    """Train the paper's architecture briefly (Adam, 10 epochs on 10k images), evaluate, plot.

    Adam with lr 3e-4 replaces the paper's RMSprop(1e-5) so that 10 short epochs learn something
    visible; ``spiking-em train`` uses the paper preset.
    """
    out_dir = Path(out_dir)
    config = TrainConfig.paper(epochs=DEMO_EPOCHS, optimizer="adam", learning_rate=3e-4)
    bars = {}

    def progress(p):
        bar = bars.setdefault(p.epoch, ProgressBar(f"train epoch {p.epoch}/{config.epochs}"))
        bar.update(p.batch, p.n_batches, f"{p.examples_per_s:6.0f} ex/s")

    t0 = time.perf_counter()
    run_dir = out_dir / "run"
    if (run_dir / "checkpoint.npz").exists():
        (run_dir / "checkpoint.npz").unlink()
    model = train(dataset.train[:DEMO_TRAIN], dataset.valid, config, seed=seed, out_dir=run_dir,
                  dataset_name=dataset.name, progress=progress,
                  on_epoch=lambda r: print_fn(f"epoch {r.epoch}: valid reconstruction "
                                              f"{r.valid_reconstruction:.2f}"))
    print_fn(f"trained in {time.perf_counter() - t0:.0f} s; evaluating")
    metrics, arrays = evaluate_model(model, dataset, seed=seed, config=EvalConfig.quick(),
                                     progress=lambda m: print_fn("  " + m))
    plotting.write_json(run_dir / "metrics.json", metrics)
    figures = plotting.write_all(out_dir, metrics, arrays)
    print_fn(f"Parzen LL GENERATE {metrics['parzen_ll_generate']['mean']:.1f} nats, ancestral "
             f"{metrics['parzen_ll_ancestral']['mean']:.1f}; in-painting MSE "
             f"{metrics['inpaint_mse']['mean']:.4f} (mean image "
             f"{metrics['inpaint_mse_mean_image']['mean']:.4f})")
    print_fn(f"done in {time.perf_counter() - t0:.0f} s. Figures:")
    for f in figures:
        print_fn(f"  {f}")
    return metrics
