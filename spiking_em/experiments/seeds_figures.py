"""Figure of the seed sweep: every headline number per seed, with the across-seed mean ± sd."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from spiking_em import atomic
from spiking_em.experiments.plotting import STYLE, plt

#: panels: (title, unit, [(label, headline name)])
PANELS = (
    ("Parzen LL (10k samples)", "nats", [("GENERATE", "parzen_generate"),
                                         ("ancestral", "parzen_ancestral"),
                                         ("real train images", "parzen_real_data")]),
    ("Fréchet distance to test images", "classifier features²",
     [("GENERATE", "frechet_generate"), ("ancestral", "frechet_ancestral"),
      ("real train", "frechet_real_train")]),
    ("Fréchet distance, 500 samples", "classifier features²",
     [("numpy GEN.", "frechet_numpy_same_count"), ("LIF", "frechet_lif_samples"),
      ("Poisson", "frechet_stochastic_samples"), ("real", "frechet_real_same_count")]),
    ("network Parzen − numpy's (spike read)", "nats",
     [("LIF", "lif_parzen_minus_numpy"), ("Poisson", "stochastic_parzen_minus_numpy")]),
    ("in-painting MSE / numpy's (spike read)", "ratio",
     [("LIF", "lif_inpaint_ratio_to_numpy"), ("Poisson", "stochastic_inpaint_ratio_to_numpy")]),
    ("INFERENCE end state − target", "nats",
     [("LIF", "lif_end_state_minus_target"), ("Poisson", "stochastic_end_state_minus_target")]),
)


def plot_seeds(summary: dict, path) -> Path:
    """One panel per group of headline numbers: seeds as dots, mean ± sd as a bar."""
    stats = summary["across_seeds"]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(PANELS), figsize=(3.0 * len(PANELS), 3.3))
        for ax, (title, unit, items) in zip(axes, PANELS, strict=False):
            items = [(label, stats[key]) for label, key in items if key in stats]
            for k, (_, s) in enumerate(items):
                ax.plot(np.full(len(s["values"]), k), s["values"], "o", ms=3, color="0.5")
                ax.errorbar([k + 0.15], [s["mean"]], yerr=[s["sd"] or 0], fmt="s", ms=4,
                            color="k", capsize=3)
            ax.set_xticks(range(len(items)), [label for label, _ in items], rotation=30,
                          fontsize=7)
            ax.set_title(title, fontsize=8)
            ax.set_ylabel(unit, fontsize=7)
            ax.set_xlim(-0.5, len(items) - 0.3)
        fig.suptitle(f"Headline numbers over seeds {summary['settings']['seeds']} "
                     "(dots: seeds; squares: mean ± sd)")
        fig.tight_layout()
        png = atomic.save_figure(fig, Path(path))
        plt.close(fig)
    return png
