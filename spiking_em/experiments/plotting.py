"""Figures of the paper from evaluation results: Fig. 3 samples, Fig. 4 log p(x, h), Fig. 5 in-painting.

Every writer saves ``<name>.png`` and a ``<name>.json`` with the numbers, seed and settings.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from spiking_em import __version__, atomic  # noqa: E402

STYLE = {"figure.dpi": 110, "font.size": 9, "axes.spines.top": False,
         "axes.spines.right": False, "savefig.bbox": "tight"}


def write_json(path: Path, payload: dict) -> Path:
    """Write ``payload`` (plus the package version) as indented JSON, atomically."""
    return atomic.write_json(path, dict(payload, package_version=__version__))


def write_figure(fig, out_dir: Path, name: str, payload: dict) -> Path:
    """Save ``fig`` as ``out_dir/name.png`` and ``payload`` as ``name.json`` (both atomic),
    close the figure, return the PNG's path."""
    png = atomic.save_figure(fig, Path(out_dir) / f"{name}.png")
    plt.close(fig)
    write_json(Path(out_dir) / f"{name}.json", payload)
    return png


def image_grid(images: np.ndarray, n_cols: int) -> np.ndarray:
    """Tile (n, 784) images into one 2-d array with 1-pixel white gaps."""
    n = len(images)
    n_rows = int(np.ceil(n / n_cols))
    grid = np.ones((n_rows * 29 + 1, n_cols * 29 + 1))
    for k, img in enumerate(images):
        r, c = divmod(k, n_cols)
        grid[1 + r * 29:1 + r * 29 + 28, 1 + c * 29:1 + c * 29 + 28] = img.reshape(28, 28)
    return grid


def plot_samples(out_dir, samples_generate, samples_ancestral, metrics: dict, *, n: int = 100,
                 name: str = "fig3_samples") -> Path:
    """Fig. 3: GENERATE samples beside ancestral samples, with their Parzen LL in the titles."""
    out_dir = Path(out_dir)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(9, 4.8))
        for ax, imgs, key, title in ((axes[0], samples_generate, "parzen_ll_generate", "GENERATE"),
                                     (axes[1], samples_ancestral, "parzen_ll_ancestral",
                                      "ancestral x = g1(g2(h2))")):
            ax.imshow(image_grid(imgs[:n], 10), cmap="gray", vmin=0, vmax=1)
            m = metrics[key]
            ax.set_title(f"{title}\nParzen LL {m['mean']:.1f} ± {m['se']:.1f} nats "
                         f"(σ={m['sigma']:.3g})")
            ax.axis("off")
        return write_figure(fig, out_dir, name, {
            "parzen_ll_generate": metrics["parzen_ll_generate"],
            "parzen_ll_ancestral": metrics["parzen_ll_ancestral"],
            "nearest_train_distance": metrics["nearest_train_distance"],
            "settings": metrics["settings"]})


def plot_logp_curve(out_dir, trajectory: np.ndarray, metrics: dict, *, n_individual: int = 20,
                    name: str = "fig4_inference_logp") -> Path:
    """Fig. 4: mean +- s.e. of log p(x, h) over INFERENCE iterations, and individual digits."""
    out_dir = Path(out_dir)
    curve = metrics["logp_curve"]
    it = np.asarray(curve["iteration"])
    mean, se = np.asarray(curve["mean"]), np.asarray(curve["se"])
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
        for k in range(min(n_individual, trajectory.shape[1])):
            axes[0].plot(it, trajectory[:, k], "--", lw=0.6, color="0.6")
        axes[0].plot(it, mean, color="C3", lw=2, label=f"mean of {curve['n_digits']} test digits")
        axes[0].set_xlabel("INFERENCE iteration")
        axes[0].set_ylabel("log p(x, h1, h2) (nats)")
        axes[0].legend(frameon=False)
        axes[1].errorbar(it, mean - mean[0], yerr=se, color="C3", capsize=2,
                         label=f"α = {curve.get('alpha', 0.001):g} (paper), all test digits")
        for k, (alpha, entry) in enumerate(curve.get("alpha_sweep", {}).items()):
            if "mean" in entry and float(alpha) != curve.get("alpha"):
                axes[1].plot(it, np.asarray(entry["mean"]) - entry["mean"][0], "--",
                             color=f"C{k}", label=f"α = {alpha} (first 1000 digits)")
        axes[1].axhline(0, color="0.5", lw=0.5)
        axes[1].set_xlabel("INFERENCE iteration")
        axes[1].set_ylabel("mean gain over feed-forward start (nats)")
        axes[1].set_title("rises at every iteration (paper α): "
                          f"{curve['rises_at_every_iteration']}")
        axes[1].legend(frameon=False, fontsize=7)
        return write_figure(fig, out_dir, name, {"logp_curve": curve, "settings": metrics["settings"]})


def plot_inpainting(out_dir, original, mask, filled, metrics: dict, *,
                    name: str = "fig5_inpainting") -> Path:
    """Fig. 5: original, half-corrupted start, and in-painted reconstruction, one row per digit."""
    out_dir = Path(out_dir)
    rng = np.random.default_rng(0)  # only for drawing the noise shown in the middle column
    corrupted = np.where(mask, original, rng.random(original.shape))
    rows = []
    for o, c, f in zip(original, corrupted, filled, strict=False):
        rows += [o, c, f]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(4.2, 0.42 * len(original) + 1.0))
        ax.imshow(image_grid(np.array(rows), 3), cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([15, 44, 73], ["original", "half\nnoise", "in-\npainted"], fontsize=8)
        ax.set_yticks([])
        m, b = metrics["inpaint_mse"], metrics["inpaint_mse_mean_image"]
        ax.set_title(f"MSE on missing pixels {m['mean']:.4f}\n(mean image: {b['mean']:.4f})")
        return write_figure(fig, out_dir, name, {
            "inpaint_mse": metrics["inpaint_mse"],
            "inpaint_mse_mean_image": metrics["inpaint_mse_mean_image"],
            "inpaint_ratio_to_mean_image": metrics["inpaint_ratio_to_mean_image"],
            "settings": metrics["settings"]})


def parzen_table(out_dir, metrics: dict, *, name: str = "parzen_table") -> Path:
    """Parzen LL table (markdown + png) of this model beside the paper's reported numbers."""
    out_dir = Path(out_dir)
    g, a = metrics["parzen_ll_generate"], metrics["parzen_ll_ancestral"]
    rows = [("GENERATE (this package)", f"{g['mean']:.1f} ± {g['se']:.1f}", f"{g['sigma']:.3g}",
             f"{g['mean_at_sigma_0.2']:.1f} ± {g['se_at_sigma_0.2']:.1f}"),
            ("ancestral (this package)", f"{a['mean']:.1f} ± {a['se']:.1f}", f"{a['sigma']:.3g}",
             f"{a['mean_at_sigma_0.2']:.1f} ± {a['se_at_sigma_0.2']:.1f}"),
            ("GENERATE (paper)", "236", "0.2", "236"),
            ("ancestral (paper)", "126", "0.2", "126")]
    header = ("model", "Parzen LL (nats)", "σ (chosen on valid)", "LL at σ = 0.2")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    atomic.write_text(out_dir / f"{name}.md", "\n".join(lines) + "\n")
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.5, 1.6))
        ax.axis("off")
        table = ax.table(cellText=[list(r) for r in rows], colLabels=list(header), loc="center")
        table.scale(1, 1.4)
        return write_figure(fig, out_dir, name, {
            "parzen_ll_generate": g, "parzen_ll_ancestral": a,
            "parzen_ll_generate_by_prior_spread": metrics.get("parzen_ll_generate_by_prior_spread"),
            "paper": {"generate": 236, "ancestral": 126}, "settings": metrics["settings"]})


def write_all(out_dir, metrics: dict, arrays: dict) -> list[Path]:
    """Figures 3-5 and the Parzen table from ``evaluate_model`` output."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [plot_samples(out_dir, arrays["samples_generate"], arrays["samples_ancestral"], metrics),
            plot_logp_curve(out_dir, arrays["logp_trajectory"], metrics),
            plot_inpainting(out_dir, arrays["inpaint_original"], arrays["inpaint_mask"],
                            arrays["inpaint_filled"], metrics),
            parzen_table(out_dir, metrics)]
