"""``spiking-em demo``: the whole pipeline in a few minutes on one data set, rate and spikes.

Trains the paper's 784-1000-100 architecture with Algorithm 2 on the embedded glyph digits
(or MNIST when found), evaluates it (Parzen LL of GENERATE and ancestral samples, the
log p(x, h) curve, in-painting, class coverage of the samples) and writes figures 3-5; then
runs the trained model as the Brian2 network of LIF areas on a few dozen digits and writes,
read from its spikes, a raster of the areas during INFERENCE, the decoded log p(x, h) beside
numpy's, in-painting and GENERATE samples (``DIR/spiking/``).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from spiking_em.data.glyphs import glyph_dataset
from spiking_em.data.loaders import Dataset
from spiking_em.evaluation.evaluate import EvalConfig, evaluate_model
from spiking_em.evaluation.metrics import class_coverage
from spiking_em.experiments import plotting
from spiking_em.model.config import TrainConfig
from spiking_em.model.training import train
from spiking_em.progress import ProgressBar


@dataclass(frozen=True)
class DemoConfig:
    """Sizes and schedule of the demo (fits about 3 minutes on 2 idle cores).

    Chosen on the embedded glyphs (``figures/demo.json`` has the measured run): Adam at
    3e-4 decayed by 0.8 per epoch, so that validation reconstruction falls at every epoch
    (a constant rate made it rise again after epoch 8), over 10 epochs of 20,000 images
    (the same number of updates on 10,000 images left GENERATE below ancestral sampling).
    """

    n_train: int = 20_000
    epochs: int = 10
    optimizer: str = "adam"
    learning_rate: float = 3e-4
    lr_decay: float = 0.8
    n_glyph_train: int = 20_000
    n_glyph_valid: int = 2_000
    n_glyph_test: int = 2_000
    #: digits (and GENERATE samples) run through the LIF network; 0 skips the spiking part
    spiking_digits: int = 24

    def train_config(self) -> TrainConfig:
        return TrainConfig.paper(epochs=self.epochs, optimizer=self.optimizer,
                                 learning_rate=self.learning_rate, lr_decay=self.lr_decay)


def demo_glyphs(config: DemoConfig = DemoConfig(), seed: int = 0) -> Dataset:
    """The embedded glyph digits at the demo's sizes."""
    return glyph_dataset(config.n_glyph_train, config.n_glyph_valid, config.n_glyph_test,
                         seed=seed)


def run_demo(dataset: Dataset, *, out_dir: Path, seed: int = 0, print_fn=print,
             overwrite: bool = False, config: DemoConfig = DemoConfig()) -> dict:
    """Train briefly, evaluate, plot; returns the metrics (also in ``out_dir/run/metrics.json``).

    ``overwrite`` replaces a previous demo run in ``out_dir``.
    """
    out_dir = Path(out_dir)
    train_config = config.train_config()
    bars = {}

    def progress(p):
        bar = bars.setdefault(p.epoch, ProgressBar(f"train epoch {p.epoch}/{train_config.epochs}"))
        bar.update(p.batch, p.n_batches, f"{p.examples_per_s:6.0f} ex/s")

    t0 = time.perf_counter()
    run_dir = out_dir / "run"
    if overwrite:
        for name in ("checkpoint.npz", "model.npz"):
            (run_dir / name).unlink(missing_ok=True)
    model = train(dataset.train[:config.n_train], dataset.valid, train_config, seed=seed,
                  out_dir=run_dir, dataset_name=dataset.name, progress=progress,
                  on_epoch=lambda r: print_fn(f"epoch {r.epoch}: valid reconstruction "
                                              f"{r.valid_reconstruction:.2f}"))
    train_s = time.perf_counter() - t0
    print_fn(f"trained in {train_s:.0f} s; evaluating")
    metrics, arrays = evaluate_model(model, dataset, seed=seed, config=EvalConfig.quick(),
                                     progress=lambda m: print_fn("  " + m))
    for kind in ("generate", "ancestral"):
        metrics[f"class_coverage_{kind}"] = class_coverage(
            arrays[f"samples_{kind}"], dataset.train, dataset.train_labels)
    history = model.meta["history"]
    recon = [h["valid_reconstruction"] for h in history]
    metrics["demo"] = {"settings": {**config.__dict__, "seed": seed}, "train_s": train_s,
                       "valid_reconstruction": recon,
                       "last_vs_best_reconstruction": recon[-1] / min(recon)}
    plotting.write_json(run_dir / "metrics.json", metrics)
    figures = plotting.write_all(out_dir, metrics, arrays)
    cov = metrics["class_coverage_generate"]
    print_fn(f"Parzen LL GENERATE {metrics['parzen_ll_generate']['mean']:.1f} nats, ancestral "
             f"{metrics['parzen_ll_ancestral']['mean']:.1f}; in-painting MSE "
             f"{metrics['inpaint_mse']['mean']:.4f} (mean image "
             f"{metrics['inpaint_mse_mean_image']['mean']:.4f}); GENERATE samples cover "
             f"{cov['classes_present']}/{cov['n_classes']} classes (nearest class mean, "
             f"entropy {cov['normalised_entropy']:.2f})")
    if config.spiking_digits:
        metrics["demo"]["spiking"] = _spikes(model, dataset, out_dir, seed, print_fn,
                                             config.spiking_digits)
        figures += metrics["demo"]["spiking"].pop("figures")
    metrics["demo"]["total_s"] = time.perf_counter() - t0
    plotting.write_json(run_dir / "metrics.json", metrics)
    print_fn(f"done in {time.perf_counter() - t0:.0f} s. Figures:")
    for f in figures:
        print_fn(f"  {f}")
    return metrics


def _spikes(model, dataset: Dataset, out_dir: Path, seed: int, print_fn, n: int) -> dict:
    """The trained model as the Brian2 LIF network on ``n`` test digits and ``n`` GENERATE
    samples (one compilation): figures and headline numbers, read from spikes."""
    from dataclasses import replace

    from spiking_em.experiments import rate_vs_spike_figures
    from spiking_em.experiments.rate_vs_spike import CompareConfig, compare
    from spiking_em.experiments.rate_vs_spike_measures import summary_lines
    t0 = time.perf_counter()
    print_fn(f"running the model as Brian2 LIF areas on {n} digits (one compilation)")
    config = replace(CompareConfig.quick(), n_digits=n, n_samples=n, n_rate_digits=0,
                     n_rate_samples=0, variants=("spiking",))
    results, arrays = compare(model, dataset, config, seed=seed,
                              progress=lambda m: print_fn("  " + m))
    figures = rate_vs_spike_figures.write_all(out_dir / "spiking", results, arrays)
    for line in summary_lines(results):
        print_fn("  " + line)
    return {"figures": [p for p in figures if p.suffix == ".png"], "seconds":
            time.perf_counter() - t0, "n_digits": n, "results": str(out_dir / "spiking" /
                                                                     "rate_vs_spike.json")}
