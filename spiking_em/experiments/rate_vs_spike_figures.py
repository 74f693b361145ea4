"""Figures of ``spiking-em compare``: log p(x, h) over iterations, in-painting, samples, rasters."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from spiking_em import atomic
from spiking_em.experiments.plotting import STYLE, image_grid, plt, write_json

LABELS = {"numpy": "numpy rate model", "rate": "Brian2 rate network",
          "spiking": "Brian2 LIF network (spikes)", "stochastic": "Brian2 Poisson network (spikes)",
          "spiking_dendrite": "LIF, XR dendrite value", "stochastic_dendrite":
          "Poisson, XR dendrite value", "real_training_images": "real training images"}
COLORS = {"numpy": "k", "rate": "tab:blue", "spiking": "tab:red", "stochastic": "tab:orange"}
NETWORKS = ("rate", "spiking", "stochastic")


def plot_logp(results: dict, path: Path, slot_ms: float) -> Path:
    """Fig. 4 analogue: mean log p(x, h) against iteration / simulated time for all three,
    relative to numpy's value at the feed-forward start on the same digits (so that a network
    that starts lower shows it, instead of only its gain)."""
    inf = results["inference"]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
        for ax, key, title in ((axes[0], None, "h decoded from spikes / rates"),
                               (axes[1], "state", "hidden state h (voltage-like)")):
            for name in [n for n in ("numpy",) + NETWORKS if n in inf]:
                entry = inf[name] if key is None or name == "numpy" else inf[name][key]
                numpy_start = (entry["mean"][0] if name == "numpy" else
                               inf[name]["numpy_on_same_digits"]["mean"][0])
                mean = np.asarray(entry["mean"]) - numpy_start
                it = np.asarray(entry["iteration"])
                ax.errorbar(it, mean, yerr=entry["se"], color=COLORS[name], capsize=2,
                            label=f"{LABELS[name]} (gain {entry['gain']['mean']:+.2f}, "
                                  f"n={entry['n_digits']})")
                end = inf[name].get("end_state") if key is None else None
                if end:   # the end state read over the read-out hold
                    ax.errorbar([it[-1] + 1.5], [end["spike_read"]["mean"] - numpy_start],
                                yerr=[end["spike_read"]["se"]], fmt="*", ms=9,
                                color=COLORS[name], capsize=2)
            if key is None and any("end_state" in inf[n] for n in NETWORKS if n in inf):
                e = next(inf[n]["end_state"] for n in NETWORKS if n in inf and
                         "end_state" in inf[n])
                ax.axhline(e["target_numpy_start_plus_half_gain"] - e["numpy_start"], color="0.5",
                           ls=":", lw=0.8, label="target: numpy start + half numpy's gain")
                ax.plot([], [], "*", color="0.3", ms=8,
                        label=f"end state, read over the {e['window_ms']:g} ms read-out hold")
            ax.set_xlabel(f"INFERENCE iteration (1 iteration = {slot_ms:g} ms simulated)")
            ax.set_title(title)
            ax.legend(fontsize=7)
        axes[0].set_ylabel("log p(x, h) − numpy's value at the\nfeed-forward start (nats)")
        atomic.save_figure(fig, path)
        plt.close(fig)
    return path


def plot_images(arrays: dict, results: dict, path: Path) -> Path:
    """Fig. 5 and Fig. 3 analogues: in-painted digits and generated samples of each variant."""
    inp, gen = results["inpainting"], results["generation"]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(2, 5, figsize=(15, 6.5))
        orig, mask = arrays["inpaint_original"], arrays["inpaint_mask"]
        panels = [("original", orig), ("input (missing = grey)", np.where(mask, orig, 0.5))]
        panels += [(f"{LABELS[k]}\nMSE {inp[k]['mse']['mean']:.4f}", arrays[f"inpaint_{k}"])
                   for k in ("numpy", "spiking", "stochastic") if f"inpaint_{k}" in arrays]
        for ax, (title, imgs) in zip(axes[0], panels, strict=False):
            ax.imshow(image_grid(imgs[:8], 2), cmap="gray", vmin=0, vmax=1)
            ax.set_title(title, fontsize=8)
            ax.axis("off")
        names = [n for n in ("numpy",) + NETWORKS if n in gen]
        for ax, name in zip(axes[1], names, strict=False):
            ll = gen[name]["parzen_ll"]
            ax.imshow(image_grid(arrays[f"samples_{name}"][:36], 6), cmap="gray", vmin=0, vmax=1)
            ax.set_title(f"GENERATE, {LABELS[name]}\nParzen LL {ll['mean']:.1f} ± {ll['se']:.1f} "
                         f"(σ={gen['sigma']:.3g}, n={gen[name]['n_samples']})", fontsize=8)
            ax.axis("off")
        for ax in list(axes[1, len(names):]) + list(axes[0, len(panels):]):
            ax.axis("off")
        atomic.save_figure(fig, path)
        plt.close(fig)
    return path


def plot_raster(raster: dict, path: Path, slot_ms: float, ff_slots: int, label: str) -> Path:
    """Spike rasters of the areas x, h1, h2 (and the reconstruction g1(h1)) for one digit; ON
    neurons of a signed code in black, OFF neurons in blue."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(4, 1, figsize=(8, 8), sharex=True)
        for ax, area, title in zip(axes, ("X", "H1", "H2", "XR"),
                                   ("x (Poisson input)", "h1", "h2", "reconstruction g1(h1)"), strict=False):
            t, unit, sign = raster.get(area, (np.array([]), np.array([]), np.array([])))
            t, unit, sign = np.asarray(t) * 1e3, np.asarray(unit), np.asarray(sign)
            for polarity, color, kind in ((1, "k", "ON"), (-1, "tab:blue", "OFF")):
                keep = sign == polarity
                if keep.any():
                    ax.plot(t[keep], unit[keep], "|", ms=1.5, color=color, alpha=0.6,
                            label=f"{kind} ({keep.sum()} spikes)")
            ax.axvline(ff_slots * slot_ms, color="tab:red", lw=0.8)
            ax.set_ylabel(f"{title}\nunit")
            ax.legend(fontsize=6, loc="upper right", markerscale=4)
        axes[0].set_title(f"{label}, one test digit: feed-forward sweep (left of the red "
                          "line), INFERENCE, read-out hold")
        axes[-1].set_xlabel("time (ms)")
        atomic.save_figure(fig, path)
        plt.close(fig)
    return path


def plot_transfer(measurement: dict, fit: dict, path: Path) -> Path:
    """The measured LIF rate-current curve (reset by subtraction), the fitted LIF formula the
    areas invert, its error, and the continuous-time LIF theory."""
    from spiking_em.spiking.transfer import LIFParams, lif_formula, lif_rate_theory
    current = np.asarray(measurement["current"])
    rate = np.asarray(measurement["rate_hz"])
    fitted = lif_formula(current, fit["t_ref_s"], fit["tau_s"], fit["theta"])
    p = measurement["params"]
    theory = lif_rate_theory(current, LIFParams(**p))
    with plt.rc_context(STYLE):
        fig, (ax, err) = plt.subplots(2, 1, figsize=(5, 5), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 1]})
        ax.plot(current, rate, ".", ms=3, color="k", label="Brian2 LIF, measured")
        ax.plot(current, fitted, color="tab:red",
                label=f"fit 1/(t_ref + τ ln(I/(I−θ))): t_ref {fit['t_ref_s'] * 1e3:.2f} ms, "
                      f"τ {fit['tau_s'] * 1e3:.2f} ms, θ {fit['theta']:.4f}")
        ax.plot(current, theory, "--", color="0.5", lw=0.8, label="continuous-time LIF theory")
        ax.set_xscale("log")
        ax.set_ylabel("firing rate (Hz)")
        ax.set_title(f"LIF τ={p['tau_m_ms']:g} ms, refractory {p['refractory_ms']:g} ms, "
                     f"dt={p['dt_ms']:g} ms, reset by subtraction", fontsize=8)
        ax.legend(fontsize=6)
        err.plot(current, fitted - rate, ".", ms=3, color="tab:red")
        err.axhline(0, color="0.5", lw=0.5)
        err.set_ylabel("fit − measured (Hz)")
        err.set_xlabel("input current I (threshold units)")
        err.set_title(f"worst error {fit['max_error_hz']:.2f} Hz", fontsize=8)
        atomic.save_figure(fig, path)
        plt.close(fig)
    write_json(Path(path).with_suffix(".json"), {"measurement": measurement, "fit": fit})
    return Path(path)


def _model_samples(arrays: dict) -> dict:
    """The networks' GENERATE samples by name (``numpy``, ``spiking``, ``spiking_dendrite``,
    the closed-form value beside the spikes, ...): not the data set's images drawn to compare
    with them."""
    return {k: v for k, v in arrays["generation_samples"].items()
            if k != "real_training_images"}


def write_all(out_dir, results: dict, arrays: dict) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    slot_ms = results["settings"]["compare"]["network"]["slot_ms"]
    ff = results["settings"]["compare"]["ff_slots"]
    paths = [write_json(out_dir / "rate_vs_spike.json", results),
             atomic.write_atomic(out_dir / "rate_vs_spike_samples.npz",
                                 lambda fh: np.savez(fh, **_model_samples(arrays))),
             plot_logp(results, out_dir / "rate_vs_spike_logp.png", slot_ms),
             plot_images(arrays, results, out_dir / "rate_vs_spike_images.png")]
    for variant, suffix in (("spiking", ""), ("stochastic", "_stochastic")):
        if f"raster_{variant}" in arrays:
            paths.append(plot_raster(arrays[f"raster_{variant}"],
                                     out_dir / f"rate_vs_spike_raster{suffix}.png", slot_ms, ff,
                                     LABELS[variant]))
    if "transfer" in arrays:
        paths.append(plot_transfer(arrays["transfer"], results["transfer_fit"],
                                   out_dir / "lif_transfer.png"))
    return paths
