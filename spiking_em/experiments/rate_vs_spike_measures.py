"""The numbers of the rate-vs-spike comparison: log p(x, h) curves and INFERENCE's end state
against numpy's, Parzen LL of every implementation's samples at one sigma, and the printed
summary of a comparison (spike-read values first)."""
from __future__ import annotations

import numpy as np

from spiking_em.evaluation.metrics import mean_se
from spiking_em.evaluation.parzen import (
    DEFAULT_SIGMAS,
    parzen_evaluate,
    parzen_log_likelihoods,
)
from spiking_em.model.inference import log_joint

#: the Brian2 networks in the order the summary lists them
NETWORK_ORDER = ("spiking", "stochastic", "rate")


def end_state_summary(lp_end: np.ndarray, lp_numpy: np.ndarray, lp_end_dendrite: np.ndarray, *,
               window_ms: float) -> dict:
    """INFERENCE's end state read from spikes against numpy's start and end on the same digits;
    target: above numpy's start by at least half of numpy's gain."""
    start, end = lp_numpy[0].mean(), lp_numpy[-1].mean()
    target = start + 0.5 * (end - start)
    value = float(lp_end.mean())
    return {"spike_read": mean_se(lp_end), "window_ms": window_ms,
            "dendrite_state": mean_se(lp_end_dendrite),
            "numpy_start": float(start), "numpy_end": float(end),
            "target_numpy_start_plus_half_gain": float(target), "target_met": value >= target,
            "above_numpy_start_in_numpy_gains": float((value - start) / (end - start))}


def parzen_comparison(samples: dict, valid, test) -> dict:
    """Parzen LL of every implementation's samples at the numpy samples' validation sigma."""
    reference = parzen_evaluate(samples["numpy"], valid, test, sigmas=DEFAULT_SIGMAS)
    out = {"sigma": reference.sigma, "sigma_chosen_on": "validation, numpy GENERATE samples"}
    for name, s in samples.items():
        ll = parzen_log_likelihoods(s, test, [reference.sigma])[0]
        entry = {"parzen_ll": mean_se(ll), "n_samples": len(s)}
        if name != "numpy":
            # the rate model with as many samples (a Parzen LL depends on the sample count)
            ll_ref = parzen_log_likelihoods(samples["numpy"][:len(s)], test, [reference.sigma])[0]
            entry["numpy_same_count"] = mean_se(ll_ref)
            entry["difference_to_numpy"] = entry["parzen_ll"]["mean"] - float(ll_ref.mean())
            entry["own_sigma"] = parzen_evaluate(s, valid, test).as_dict()
        out[name] = entry
    return out


def logp_over(x, h1s, h2s, params, prior) -> np.ndarray:
    """(n_instants, n_digits) log p(x, h1, h2) over the readout instants."""
    return np.stack([log_joint(x, h1s[:, k], h2s[:, k], params, prior)
                     for k in range(h1s.shape[1])])


def logp_summary(lp: np.ndarray, reference: np.ndarray | None = None) -> dict:
    """Mean curve, gain over the first point and, with ``reference`` (numpy's curve on the same
    digits), the first and last points' difference to it."""
    gain = lp[-1] - lp[0]
    means = lp.mean(axis=1)
    out = {"iteration": list(range(lp.shape[0])), "mean": means.tolist(),
           "se": (lp.std(axis=1, ddof=1) / np.sqrt(lp.shape[1])).tolist() if lp.shape[1] > 1
           else [0.0] * lp.shape[0],
           "gain": mean_se(gain), "n_digits": int(lp.shape[1]),
           "rises_over_run": bool(means[-1] > means[0])}
    if reference is not None:
        out["start_minus_numpy"] = mean_se(lp[0] - reference[0])
        out["end_minus_numpy"] = mean_se(lp[-1] - reference[-1])
    return out


def summary_lines(results: dict) -> list[str]:
    """The comparison's headline numbers as printable lines (spike-read values first)."""
    inf, inp, gen = results["inference"], results["inpainting"], results["generation"]
    n = inf["numpy"]
    lines = [f"INFERENCE log p(x, h): numpy {n['mean'][0]:.2f} -> {n['mean'][-1]:.2f} "
             f"(gain {n['gain']['mean']:+.2f})"]
    for v in NETWORK_ORDER:
        if v not in inf:
            continue
        e, g = inf[v].get("end_state"), inf[v]
        source = f"spikes over {e['window_ms']:g} ms" if v != "rate" else "rates"
        line = (f"  {v}: start {g['mean'][0]:.2f}, end read from {source} "
                f"{e['spike_read']['mean']:.2f} (target "
                f"{e['target_numpy_start_plus_half_gain']:.2f}: "
                f"{'met' if e['target_met'] else 'NOT met'}); dendrite state "
                f"{e['dendrite_state']['mean']:.2f}")
        if "fano_factor" in g:
            line += "; Fano " + ", ".join(f"{a} {f['pooled']:.2f}" for a, f in
                                         g["fano_factor"].items()
                                         if isinstance(f, dict) and f["pooled"] is not None)
        lines.append(line)
    lines.append(f"in-painting MSE (same starts): numpy {inp['numpy']['mse']['mean']:.4f}, "
                 + ", ".join(f"{v} {inp[v]['mse']['mean']:.4f} (x{inp[v]['ratio_to_numpy']:.2f};"
                             f" dendrite {inp[v]['mse_dendrite']['mean']:.4f})"
                             for v in NETWORK_ORDER if v in inp)
                 + f", mean image {inp['mean_image']['mse']['mean']:.4f}")
    lines.append(f"Parzen LL (sigma {gen['sigma']:.3g}, {gen['numpy']['n_samples']} samples): "
                 f"numpy {gen['numpy']['parzen_ll']['mean']:.1f}, "
                 + ", ".join(f"{v} {gen[v]['parzen_ll']['mean']:.1f} "
                             f"({gen[v]['difference_to_numpy']:+.1f})"
                             for v in NETWORK_ORDER + tuple(f"{w}_dendrite" for w in NETWORK_ORDER)
                             + ("real_training_images",) if v in gen))
    return lines
