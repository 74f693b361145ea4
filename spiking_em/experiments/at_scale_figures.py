"""Figures of the long run: sample quality against examples seen, and samples at the end."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from spiking_em import atomic
from spiking_em.experiments.plotting import STYLE, image_grid, plt

#: (key of a checkpoint row, panel title); the Parzen panel also draws its standard error
PANELS = (("parzen_generate", "Parzen LL of GENERATE (nats, 10,000 samples)"),
          ("frechet_generate", "Fréchet distance of GENERATE to test images"),
          ("classes", "classes among GENERATE samples"),
          ("inpaint_mse", "in-painting MSE (half the pixels missing)"))
COLORS = {"spiking": "tab:red", "numpy": "tab:blue", "trainer": "tab:green"}
LABELS = {"spiking": "Brian2 network (ΔW ∝ S_pre·dV/dt), 2 Dask workers",
          "numpy": "numpy, batch 1 (paper preset's noise)",
          "trainer": "package trainer (TrainConfig.paper, minibatch 100)"}


def plot_curves(results: dict, path) -> Path:
    """The four evaluation numbers of every learner against examples seen (the untrained model
    at 0 for all)."""
    rows = results["checkpoints"]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(PANELS), figsize=(4.0 * len(PANELS), 3.4))
        for learner, color in COLORS.items():
            points = [(0, results["untrained"])] if "untrained" in results else []
            points += [(r["presentations"], r[learner]) for r in rows if learner in r]
            if not points:
                continue
            n = np.array([p[0] for p in points])
            for ax, (key, _) in zip(axes, PANELS, strict=True):
                y = np.array([p[1][key] for p in points])
                ax.plot(n, y, marker="o", color=color, label=LABELS[learner])
                if key == "parzen_generate":
                    se = np.array([p[1]["parzen_generate_se"] for p in points])
                    ax.fill_between(n, y - 2 * se, y + 2 * se, color=color, alpha=0.2, lw=0)
        _untrained_off_the_axis(axes[0], results, rows)
        for ax, (_, title) in zip(axes, PANELS, strict=True):
            ax.set_title(title)
            ax.set_xlabel("examples seen (digits, one epoch = 50,000)")
        axes[-1].legend(fontsize=7, loc="upper right")   # (the curves lie low there)
        fig.suptitle("Learning a generative model from scratch over one MNIST epoch: the same "
                     "digits in the same order for the three learners")
        fig.tight_layout()
        png = atomic.save_figure(fig, Path(path))
        plt.close(fig)
    return png


def _untrained_off_the_axis(ax, results: dict, rows: list[dict]) -> None:
    """Zoom the Parzen panel on the trained checkpoints; the untrained model's value (hundreds
    of nats lower) is written on the panel instead."""
    values = [r[k]["parzen_generate"] for r in rows for k in COLORS if k in r]
    if "untrained" not in results or not values:
        return
    low, high = min(values), max(values)
    margin = 0.15 * (high - low or 1.0)
    ax.set_ylim(low - margin, high + margin)
    ax.text(0.02, 0.02, f"untrained (0 digits): {results['untrained']['parzen_generate']:.0f} "
            "nats, below the axis", transform=ax.transAxes, fontsize=7)


def plot_samples(samples: dict[str, np.ndarray], row: dict, path) -> Path:
    """100 GENERATE samples of each learner at one checkpoint, its numbers in the title (whose
    first line is ``row[learner]["title"]`` where given)."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(samples), figsize=(3.8 * len(samples), 4.4))
        for ax, (learner, imgs) in zip(np.atleast_1d(axes), samples.items(), strict=True):
            ax.imshow(image_grid(imgs[:100], 10), cmap="gray", vmin=0, vmax=1)
            m = row[learner]
            title = m["title"] if "title" in m else f"{learner} at {row['presentations']} digits"
            ax.set_title(f"{title}\n"
                         f"Parzen GENERATE {m['parzen_generate']:.1f} nats\n"
                         f"Fréchet {m['frechet_generate']:.1f}, "
                         f"{m.get('classes', m.get('classes_generate'))}/10 classes\n"
                         f"in-painting MSE {m['inpaint_mse']:.4f}")
            ax.axis("off")
        fig.tight_layout()
        png = atomic.save_figure(fig, Path(path))
        plt.close(fig)
    return png
