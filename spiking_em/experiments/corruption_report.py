"""The corruption study's table and figure: one row per training corruption scheme.

Reads, for every scheme's run directory, ``metrics.json`` (``spiking-em evaluate``) and
``spiking/rate_vs_spike.json`` (``spiking-em compare``) and puts side by side: Parzen LL of
GENERATE and ancestral samples, in-painting MSE, the Fig. 4 gain, and the spiking network's
in-painting MSE and Parzen LL with their gaps to the same model's rate version.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from spiking_em import atomic
from spiking_em.experiments.plotting import STYLE, plt


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.is_file() else None


def scheme_row(run_dir: Path) -> dict:
    """The numbers of one trained model (missing files give missing entries)."""
    run_dir = Path(run_dir)
    row = {"run_dir": str(run_dir)}
    metrics = _load(run_dir / "metrics.json")
    if metrics:
        row["corruptions"] = metrics["settings"]["train_config"]["corruptions"]
        row["parzen_generate"] = metrics["parzen_ll_generate"]["mean"]
        row["parzen_generate_se"] = metrics["parzen_ll_generate"]["se"]
        row["parzen_ancestral"] = metrics["parzen_ll_ancestral"]["mean"]
        row["parzen_ancestral_se"] = metrics["parzen_ll_ancestral"]["se"]
        row["inpaint_mse"] = metrics["inpaint_mse"]["mean"]
        row["logp_curve"] = metrics["logp_curve"]["mean"]
        row["logp_gain_alpha_0.1"] = metrics["logp_curve"]["alpha_sweep"]["0.1"]["gain"]
    spiking = _load(run_dir / "spiking" / "rate_vs_spike.json")
    if spiking:
        inp, gen = spiking["inpainting"], spiking["generation"]
        row["spiking_inpaint_mse"] = inp["spiking"]["mse"]["mean"]
        row["rate_inpaint_mse_same_digits"] = inp["spiking"]["numpy_on_same_digits"]["mean"]
        row["inpaint_gap_ratio"] = inp["spiking"]["ratio_to_numpy"]
        row["spiking_parzen"] = gen["spiking"]["parzen_ll"]["mean"]
        row["rate_parzen_same_count"] = gen["spiking"]["numpy_same_count"]["mean"]
        row["parzen_gap"] = gen["spiking"]["difference_to_numpy"]
        row["spiking_n_digits"] = inp["spiking"]["mse"]["n"]
        row["spiking_n_samples"] = gen["spiking"]["n_samples"]
        row["spiking_logp_gain"] = spiking["inference"]["spiking"]["gain"]["mean"]
        row["spiking_logp_gain_state"] = spiking["inference"]["spiking"]["state"]["gain"]["mean"]
    return row


def collect(runs: dict, *, sweep: dict, window: float, settings: dict) -> dict:
    return {"schemes": {name: scheme_row(path) for name, path in runs.items()},
            "window_sweep": sweep, "window_chosen_s": window, "settings": settings}


def _fmt(value, spec=".1f"):
    return "—" if value is None else format(value, spec)


def table_markdown(study: dict) -> str:
    head = ("| scheme | Parzen GENERATE | Parzen ancestral | in-painting MSE | spiking in-painting "
            "MSE (× rate) | spiking Parzen (− rate, same n) |\n|---|---|---|---|---|---|\n")
    lines = []
    for name, r in study["schemes"].items():
        lines.append(
            f"| {name} | {_fmt(r.get('parzen_generate'))} ± {_fmt(r.get('parzen_generate_se'))} "
            f"| {_fmt(r.get('parzen_ancestral'))} | {_fmt(r.get('inpaint_mse'), '.4f')} "
            f"| {_fmt(r.get('spiking_inpaint_mse'), '.4f')} (×{_fmt(r.get('inpaint_gap_ratio'), '.2f')}) "
            f"| {_fmt(r.get('spiking_parzen'))} ({_fmt(r.get('parzen_gap'), '+.1f')}) |")
    note = (f"\nPoisson window T* = {study['window_chosen_s']:g} s (chosen on validation from "
            f"{sorted(study['window_sweep'])}).\n")
    return head + "\n".join(lines) + "\n" + note


def plot_study(study: dict, path: Path) -> Path:
    schemes = study["schemes"]
    names = list(schemes)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
        x = np.arange(len(names))
        n_lif = max((r.get("spiking_n_samples") or 0) for r in schemes.values())
        for key, offset, label in (("parzen_generate", -0.2, "GENERATE (rate, 10k samples)"),
                                   ("parzen_ancestral", 0.0, "ancestral (rate, 10k samples)"),
                                   ("spiking_parzen", 0.2, f"LIF network ({n_lif} samples)")):
            vals = [schemes[n].get(key, np.nan) for n in names]
            axes[0].bar(x + offset, vals, width=0.2, label=label)
        axes[0].set_xticks(x, names)
        axes[0].set_ylabel("Parzen LL (nats)")
        axes[0].legend(fontsize=7)
        for key, offset, label in (("inpaint_mse", -0.15, "rate model (20 cycles)"),
                                   ("rate_inpaint_mse_same_digits", 0.0, "rate, compare setting"),
                                   ("spiking_inpaint_mse", 0.15, "LIF network")):
            axes[1].bar(x + offset, [schemes[n].get(key, np.nan) for n in names], width=0.15,
                        label=label)
        axes[1].set_xticks(x, names)
        axes[1].set_ylabel("in-painting MSE, missing pixels")
        axes[1].legend(fontsize=7)
        for n in names:
            curve = schemes[n].get("logp_curve")
            if curve:
                axes[2].plot(np.asarray(curve) - curve[0], label=n)
        axes[2].set_xlabel("INFERENCE iteration (α = 0.001)")
        axes[2].set_ylabel("log p(x, h) − start (nats)")
        axes[2].legend(fontsize=7)
        fig.suptitle("Training corruption: Gaussian/Bernoulli (paper) vs Poisson-rate spikes")
        atomic.save_figure(fig, path)
        plt.close(fig)
    return Path(path)
