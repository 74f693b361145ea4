"""One setting of the stochastic-neuron budget study: the comparison's three spike-read numbers.

A sweep task (see ``simulations/stochastic_budget.py``): builds the network of one unit model
and schedule for a trained model, runs INFERENCE, in-painting and GENERATE against numpy on
the same digits and samples, and returns the numbers with their cost; ``plot_budget`` draws
the settings side by side.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path


def budget_run(run_dir: str, data_dir: str | None, variant: str, changes: dict,
               network_changes: dict, n_digits: int, n_samples: int, seed: int) -> dict:
    """The comparison of ``variant`` with ``changes`` to the compare and network settings."""
    from spiking_em import data
    from spiking_em.experiments.rate_vs_spike import CompareConfig, compare
    from spiking_em.model.trained import TrainedModel
    from spiking_em.spiking import device

    model = TrainedModel.load(run_dir)
    dataset = data.load(model.meta.get("dataset", "mnist"), data_dir)
    base = CompareConfig(n_digits=n_digits, n_samples=n_samples, n_rate_digits=0,
                         variants=(variant,))
    config = replace(base, network=replace(base.network, **network_changes), **changes)
    try:
        results, _ = compare(model, dataset, config, seed=seed)
    finally:
        device.reset()
    inf, inp, gen = (results["inference"][variant], results["inpainting"][variant],
                     results["generation"][variant])
    end = inf["end_state"]
    return {"variant": variant, "changes": changes, "network_changes": network_changes,
            "inpaint_mse": inp["mse"]["mean"], "inpaint_ratio_to_numpy": inp["ratio_to_numpy"],
            "parzen_ll": gen["parzen_ll"]["mean"], "parzen_minus_numpy":
            gen["difference_to_numpy"], "end_state": end["spike_read"]["mean"],
            "end_state_target": end["target_numpy_start_plus_half_gain"],
            "end_state_in_numpy_gains": end["above_numpy_start_in_numpy_gains"],
            "fano_h1": inf["fano_factor"]["H1"]["pooled"],
            "h1_rms_difference_to_numpy": inf["h1_rms_difference_to_numpy"]["spike_read_end"],
            "digits_per_minute": inf["cost"]["items_per_minute"],
            "inference_simulated_ms_per_digit": (config.ff_slots + config.n_steps
                                                 + config.end_slots) * config.network.slot_ms,
            "wall_s": results["wall_s"]}


def plot_budget(results: dict, path) -> Path:
    """One bar per setting for each of the four measures (in-painting × numpy, Parzen − numpy
    in nats, INFERENCE end state − target in nats, h1's rms distance from numpy's)."""
    from spiking_em import atomic
    from spiking_em.experiments.plotting import STYLE, plt
    measures = (("inpaint_ratio_to_numpy", "in-painting MSE × numpy's", 1.0),
                ("parzen_minus_numpy", "Parzen LL − numpy's (nats)", 0.0),
                ("end_state_minus_target", "INFERENCE end − target (nats)", 0.0),
                ("h1_rms_difference_to_numpy", "h1 rms distance from numpy's", 0.0))
    names = list(results)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(measures), figsize=(3.3 * len(measures), 3.6))
        for ax, (key, label, reference) in zip(axes, measures, strict=False):
            values = [results[n]["end_state"] - results[n]["end_state_target"]
                      if key == "end_state_minus_target" else results[n][key] for n in names]
            ax.bar(range(len(names)), values, color=["C0" if results[n]["variant"] == "spiking"
                                                      else "C3" for n in names])
            ax.axhline(reference, color="k", lw=0.8)
            ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
            ax.set_title(label, fontsize=9)
        fig.suptitle("What Poisson neurons cost (red) against the sigma-delta LIF (blue), and "
                     "what a longer read-out or slower iterations buy back", fontsize=10)
        fig.tight_layout()
        png = atomic.save_figure(fig, Path(path))
        plt.close(fig)
    return png
