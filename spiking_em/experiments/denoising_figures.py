"""Figure of the denoising measurement (figures/spiking_denoising.png): the spikes' corruption
against the sample's rate factor, and the cosines of each map's change with the same and an
independent sample's denoising gradient."""
from __future__ import annotations

import numpy as np

from spiking_em.spiking.plasticity import LEARNING_MAPS

KINDS = ("x", "h1", "h2")


def plot_denoising(results: dict, path):
    from spiking_em import atomic
    from spiking_em.experiments.plotting import STYLE, plt
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
        curve = results["curve"]
        rates = [p["rate"] for p in curve]
        for k, kind in enumerate(KINDS):
            colour = f"C{k}"
            axes[0].loglog(rates, [p["rms"][kind] for p in curve], "o-", color=colour,
                           label=f"{kind} (spikes)")
            axes[0].axhline(results["paper_rms"][kind], color=colour, ls="--", lw=0.8)
            chosen = results["settings"]["paper"]["sample"][f"rate_{kind}"]
            axes[0].axvline(chosen, color=colour, ls=":", lw=0.8)
            if "floor" in results and kind != "x":
                floor = results["floor"]
                axes[0].loglog([p["rate"] for p in floor["curve"]],
                               [p["rms"][kind] for p in floor["curve"]], "s--", color=colour,
                               mfc="none", label=f"{kind}, floor {floor['floor_spikes']:g} "
                                                 "spike")
        axes[0].set_xlabel("sample rate factor rho")
        axes[0].set_ylabel("rms corruption (decoded sample - value)")
        axes[0].set_title("corruption vs the knob (dashed: paper preset,\n"
                          "dotted: the paper-sized setting)")
        axes[0].legend(fontsize=7)
        names = list(LEARNING_MAPS)
        xs = np.arange(len(names))
        bars = [("paper", "cosine_same_sample", "paper-sized: same sample"),
                ("paper", "cosine_independent_sample", "paper-sized: independent sample"),
                ("weak", "cosine_same_sample", "weak: same sample"),
                ("weak", "cosine_independent_sample", "weak: independent sample")]
        if "paper_floor" in results["settings"]:
            bars += [("paper_floor", "cosine_same_sample", "paper-sized + floor: same"),
                     ("paper_floor", "cosine_independent_sample",
                      "paper-sized + floor: independent")]
        width = 0.8 / len(bars)
        for k, (setting, key, label) in enumerate(bars):
            values = results["settings"][setting][key]
            axes[1].bar(xs + (k - (len(bars) - 1) / 2) * width,
                        [np.nan if values[n] is None else values[n] for n in names],   # no change
                        width, label=label)
        axes[1].axhline(0.9, color="k", lw=0.8, ls="--")
        axes[1].set_xticks(xs, names)
        axes[1].set_ylim(min(0.0, axes[1].get_ylim()[0]), 1.02)
        axes[1].set_ylabel("cosine(ΔW of the synapses, denoising gradient)")
        axes[1].set_title(f"{results['n_digits']} MNIST digits, 20-epoch model")
        axes[1].legend(fontsize=6, loc="lower left")
        axes[2].semilogx(rates, [p["events_per_presentation"] / 1e6 for p in curve], "o-")
        for setting, marker in (("paper", "*"), ("weak", "s"), ("paper_floor", "^")):
            if setting not in results["settings"]:
                continue
            s = results["settings"][setting]
            axes[2].plot([], [], marker, label=f"{setting}: {s['events_per_presentation'] / 1e6:.1f} M"
                         f" events, {s['presentations_per_minute']:.0f}/min")
        axes[2].set_xlabel("sample rate factor rho (all three areas)")
        axes[2].set_ylabel("synaptic events per presentation (M)")
        axes[2].set_title("cost")
        axes[2].legend(fontsize=7)
        png = atomic.save_figure(fig, path)
        plt.close(fig)
    return png
