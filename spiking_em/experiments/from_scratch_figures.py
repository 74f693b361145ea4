"""Figures of the learning-from-scratch comparison: learning curves and samples side by side."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from spiking_em import atomic
from spiking_em.experiments.plotting import STYLE, image_grid, plt

#: the curves' panels: (key in a history record, title)
PANELS = (("valid_reconstruction", "validation reconstruction ‖x − g1(f1(x))‖²"),
          ("f1", "local loss f1 (h1 from x)"), ("g1", "local loss g1 (x from h1)"),
          ("f2", "local loss f2 (h2 from h1)"), ("g2", "local loss g2 (h1 from h2)"))


#: a colour per learner
COLORS = {"numpy": "tab:blue", "spiking_paper_noise": "tab:red",
          "spiking_weak_noise": "tab:orange"}


def _series(history: list[dict], key: str):
    rows = [h for h in history if not h.get("diverged")]
    x = [h["presentations"] for h in rows]
    y = [h["valid_reconstruction"] if key == "valid_reconstruction"
         else h.get("local_losses_paper_noise", h["local_losses"])[key] for h in rows]
    return np.array(x), np.array(y)


def plot_curves(results: dict, path) -> Path:
    """Validation reconstruction and the four local losses (under the paper's corruption,
    1000 validation digits) against examples seen, for both learners at every grid rate (the chosen ones
    drawn thick; rates whose losses exploded leave the panel at the top)."""
    chosen = results["chosen"]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(PANELS), figsize=(3.2 * len(PANELS), 3.1))
        for run in results["runs"].values():
            learner, lr = run["learner"], run["learning_rate"]
            is_chosen = lr == chosen[learner]
            style = {"color": COLORS.get(learner, "tab:gray"),
                     "lw": 2.0 if is_chosen else 0.8, "alpha": 1.0 if is_chosen else 0.45,
                     "label": f"{learner} (rate {lr:g})" + (", chosen" if is_chosen else "")}
            for ax, (key, _) in zip(axes, PANELS, strict=False):
                x, y = _series(run["history"], key)
                ax.plot(x, y, marker="." if learner.startswith("spiking") else None, **style)
        for ax, (key, title) in zip(axes, PANELS, strict=False):   # diverged rates off the top
            chosen_values = np.concatenate([_series(r["history"], key)[1]
                                            for r in results["runs"].values()
                                            if r["learning_rate"] == chosen[r["learner"]]])
            ax.set_yscale("log")
            ax.set_ylim(0.5 * chosen_values.min(), 3 * chosen_values.max())
            ax.set_title(title)
            ax.set_xlabel("examples seen")
        axes[0].legend(fontsize=7)
        fig.suptitle("Learning from scratch: the Brian2 network (ΔW ∝ S_pre·dV/dt) beside the "
                     "numpy trainer, same initialisation, same digits in the same order; rates chosen "
                     "on the validation local losses under the paper's corruption")
        fig.tight_layout()
        png = atomic.save_figure(fig, Path(path))
        plt.close(fig)
    return png


def plot_samples(samples: dict[str, np.ndarray], evaluated: dict, path,
                 quality: dict | None = None) -> Path:
    """100 GENERATE samples of each model, its Parzen LL and in-painting MSE in the title (and
    its samples' Fréchet distance to test images and classes present, given ``quality``)."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(samples), figsize=(3.6 * len(samples), 4.2))
        for ax, (name, imgs) in zip(np.atleast_1d(axes), samples.items(), strict=False):
            ax.imshow(image_grid(imgs[:100], 10), cmap="gray", vmin=0, vmax=1)
            m = evaluated[name]
            title = (f"{name}\nParzen GENERATE {m['parzen_ll_generate']['mean']:.1f} nats\n"
                     f"in-painting MSE {m['inpaint_mse']['mean']:.4f}")
            if quality is not None and f"{name}_generate" in quality:
                q = quality[f"{name}_generate"]
                title += (f"\nFréchet distance {q['frechet_distance']:.1f}, "
                          f"{q['classes_present']}/10 classes")
            ax.set_title(title)
            ax.axis("off")
        fig.tight_layout()
        png = atomic.save_figure(fig, Path(path))
        plt.close(fig)
    return png
