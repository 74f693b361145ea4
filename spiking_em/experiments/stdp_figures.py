"""Runs and plots for Fig. 1 (STDP curve) and STDP-as-SGD, for the numpy and Brian2 backends.

Each ``run_*`` function writes ``<name>.png`` and ``<name>.json`` (numbers, seed, settings,
timings) into ``out_dir`` and returns the JSON payload.
"""
from __future__ import annotations

import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from spiking_em import atomic
from spiking_em.experiments.plotting import STYLE, plt, write_json
from spiking_em.stdp import ramp

BACKENDS = ("numpy", "brian2")


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")


def curve_results(backend: str, *, seed: int, quick: bool = False) -> dict:
    """Simulate the curve (hard threshold; plus escape noise for numpy, raw dV/dt for Brian2)."""
    _check_backend(backend)
    config = ramp.RampConfig(n_trials=4000 if quick else 40_000)
    rng = np.random.default_rng(seed)
    out = {"backend": backend, "seed": seed, "settings": asdict(config), "variants": {}}
    t0 = time.perf_counter()
    if backend == "numpy":
        variants = {"hard threshold": ramp.simulate_ramps(config, rng=rng),
                    "escape noise": ramp.simulate_ramps(replace(config, threshold="escape"), rng=rng)}
        out["timing"] = {"run_s": time.perf_counter() - t0}
    else:
        from spiking_em.spiking import device
        from spiking_em.stdp import synapse
        net = synapse.build_ramp_network(config, seed=seed)
        pairs, info = synapse.run_ramp_network(net, rng=rng)
        device.reset()
        variants = {"reset-free dV/dt (used)": pairs,
                    "raw membrane dV/dt (reset artefact)": info["raw_derivative_pairs"]}
        out["timing"] = {"compile_s": net.compile_s, "run_s": info["run_s"],
                         "n_compilations": 1}
    out["timing"]["trials_per_s"] = config.n_trials / out["timing"]["run_s"]
    for name, pairs in variants.items():
        curve = ramp.bin_curve(pairs)
        entry = dict(curve, parametric=ramp.parametric_curve(pairs), shape=ramp.check_stdp_shape(curve))
        try:
            entry["fit"] = ramp.fit_window(curve["dt_ms"], curve["mean_dw"], curve["se_dw"])
        except (ValueError, RuntimeError) as exc:
            entry["fit"] = {"error": str(exc)}
        out["variants"][name] = entry
    main = next(iter(out["variants"].values()))
    out.update({k: main[k] for k in ("dt_ms", "mean_dw", "se_dw", "n", "fit", "shape")})
    out["bi_poo_1998"] = {"tau_plus_ms": ramp.BI_POO_TAU_PLUS_MS,
                          "tau_minus_ms": ramp.BI_POO_TAU_MINUS_MS}
    out["note"] = ("The time constants are set by the spread of drifts |V̇| (log-uniform "
                   f"{config.slope_min:g}-{config.slope_max:g} /s) and of starting voltages "
                   "(uniform below threshold): ΔT ≈ (1 − V0)/V̇, so a narrower or faster slope "
                   "range shortens τ. The model is symmetric in the sign of V̇, so τ+ ≈ τ−; "
                   "Bi & Poo's longer τ− would need weaker or more spread hyperpolarising drifts. "
                   "No parameter was tuned to their values.")
    return out


def plot_curve(results: list[dict], path: Path) -> Path:
    """Fig. 1: mean ΔW per ΔT bin with the exponential fit, and the parametric (V̇-level) view."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
        k = 0
        for res in results:
            for name, v in res["variants"].items():
                dt, m, se = (np.asarray(v[key]) for key in ("dt_ms", "mean_dw", "se_dw"))
                style = "o" if k % 2 == 0 else "s"
                axes[0].errorbar(dt, m, yerr=se, fmt=style, ms=3, capsize=1.5, color=f"C{k}",
                                 label=f"{res['backend']}: {name}")
                fit = v.get("fit", {})
                if "tau_plus_ms" in fit:
                    grid = np.linspace(dt.min(), dt.max(), 400)
                    grid = grid[grid != 0]
                    axes[0].plot(grid, ramp.two_sided_exponential(grid, fit["a_plus"], fit["tau_plus_ms"],
                                                                  fit["a_minus"], fit["tau_minus_ms"]),
                                 color=f"C{k}", lw=0.8)
                p = v["parametric"]
                axes[1].plot(p["mean_dt_ms"], p["mean_dw"], style + "-", ms=3, color=f"C{k}",
                             label=f"{res['backend']}: {name}")
                k += 1
        for ax in axes:
            ax.axhline(0, color="0.5", lw=0.5)
            ax.axvline(0, color="0.5", lw=0.5)
            ax.set_xlabel("ΔT = t_post − t_pre (ms)")
        axes[0].set_ylabel("mean ΔW (per unit η, 1/s)")
        axes[0].set_title("ΔW per ΔT bin (lines: two-sided exponential fits)")
        axes[1].set_ylabel("mean ΔW")
        axes[1].set_title("parametric view: one point per V̇ level")
        axes[0].legend(frameon=False, fontsize=7)
        fit = results[0]["fit"]
        if "tau_plus_ms" in fit:
            axes[1].text(0.02, 0.97, f"fit τ+ = {fit['tau_plus_ms']:.1f} ms, τ− = "
                         f"{fit['tau_minus_ms']:.1f} ms\nBi & Poo: τ+ = 16.8, τ− = 33.7 ms",
                         transform=axes[1].transAxes, va="top", fontsize=7)
        atomic.save_figure(fig, path)
        plt.close(fig)
    return path


def _run_and_write(results_fn, plot_fn, backend: str, out_dir, name: str, *, seed: int,
                   quick: bool) -> dict:
    """Compute one backend's results, write ``name``.png and ``name``.json into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    res = results_fn(backend, seed=seed, quick=quick)
    plot_fn([res], out_dir / f"{name}.png")
    write_json(out_dir / f"{name}.json", res)
    return res


def run_stdp_curve(backend: str, out_dir: Path, *, seed: int = 0, quick: bool = False,
                   print_fn=print, name: str = "stdp_curve") -> dict:
    """``spiking-em stdp-curve``: simulate, fit, write PNG + JSON, print the fitted constants."""
    res = _run_and_write(curve_results, plot_curve, backend, out_dir, name, seed=seed, quick=quick)
    out_dir = Path(out_dir)
    fit = res["fit"]
    print_fn(f"{backend}: STDP shape {res['shape']}")
    if "tau_plus_ms" in fit:
        print_fn(f"fitted tau+ = {fit['tau_plus_ms']:.1f} ± {fit['tau_plus_ms_err']:.1f} ms, "
                 f"tau- = {fit['tau_minus_ms']:.1f} ± {fit['tau_minus_ms_err']:.1f} ms "
                 f"(Bi & Poo 1998: 16.8 and 33.7 ms)")
    print_fn(f"timing: {res['timing']}\nwrote {out_dir / (name + '.png')} and .json")
    return res


def sgd_results(backend: str, *, seed: int, quick: bool = False) -> dict:
    """Cosine(rule updates, −gradient) with frozen weights, and the loss when the rule trains."""
    _check_backend(backend)
    config = ramp.DeltaRuleConfig(epochs=8 if quick else 30)
    rng = np.random.default_rng(seed)
    x, w_teacher, y = ramp.regression_task(config, rng=rng)
    w0 = np.zeros((config.n_in, config.n_out))
    t0 = time.perf_counter()
    timing = {}
    if backend == "numpy":
        cosine = ramp.rule_gradient_cosine(w0, x, y, config, rng=rng)
        _, losses = ramp.train_with_rule(x, y, config, rng=rng, w0=w0)
        timing["run_s"] = time.perf_counter() - t0
    else:
        from spiking_em.spiking import device
        from spiking_em.stdp import synapse
        order = np.concatenate([rng.permutation(len(x)) for _ in range(config.epochs)])
        net = synapse.build_delta_network(config, len(order), seed=seed)
        frozen = synapse.run_delta_network(net, x[order], y[order], w0, learn=False)
        # weights frozen at w0: the rule's sum over all epochs against epochs x (-gradient at w0)
        rule_sum = frozen["dw_sum"]
        neg_grad = config.epochs * (x.T @ (y - x @ w0))
        cosine = float(np.sum(rule_sum * neg_grad)
                       / (np.linalg.norm(rule_sum) * np.linalg.norm(neg_grad)))
        trained = synapse.run_delta_network(net, x[order], y[order], w0, learn=True)
        w_epochs = trained["w_history"][::len(x)]     # weights at the start of each epoch
        losses = np.array([ramp.squared_error(w, x, y) for w in w_epochs]
                          + [ramp.squared_error(trained["w"], x, y)])
        device.reset()
        timing = {"compile_s": net.compile_s, "run_s": frozen["run_s"] + trained["run_s"],
                  "n_compilations": 1, "simulated_s": 2 * len(order) * config.present_ms / 1e3}
    return {"backend": backend, "seed": seed, "settings": config.as_dict(),
            "cosine_rule_vs_gradient": cosine, "loss_per_epoch": losses.tolist(),
            "loss_reduction": float(1 - losses[-1] / losses[0]), "timing": timing}


def plot_sgd(results: list[dict], path: Path) -> Path:
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for k, res in enumerate(results):
            ax.semilogy(res["loss_per_epoch"], "o-", ms=3, color=f"C{k}",
                        label=f"{res['backend']}: cos(rule, −grad) = "
                              f"{res['cosine_rule_vs_gradient']:.3f}, loss −"
                              f"{100 * res['loss_reduction']:.1f}%")
        ax.set_xlabel("epoch (each pattern presented once)")
        ax.set_ylabel("squared error Σ_j (y*_j − y_j)²")
        ax.set_title("weights trained only by ΔW = η S_pre dV_post/dt")
        ax.legend(frameon=False, fontsize=7)
        atomic.save_figure(fig, path)
        plt.close(fig)
    return path


def run_stdp_sgd(backend: str, out_dir: Path, *, seed: int = 0, quick: bool = False,
                 print_fn=print, name: str = "stdp_sgd") -> dict:
    """``spiking-em stdp-sgd``: cosine to the gradient and the training curve, PNG + JSON."""
    res = _run_and_write(sgd_results, plot_sgd, backend, out_dir, name, seed=seed, quick=quick)
    out_dir = Path(out_dir)
    print_fn(f"{backend}: cosine(rule updates, −gradient) = {res['cosine_rule_vs_gradient']:.3f}; "
             f"squared error {res['loss_per_epoch'][0]:.4g} -> {res['loss_per_epoch'][-1]:.4g} "
             f"({100 * res['loss_reduction']:.1f}% lower)\nwrote {out_dir / (name + '.png')} and .json")
    return res
