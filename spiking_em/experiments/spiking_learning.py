"""Experiments of the spiking M-step: STDP = SGD at scale, learning in the network, its speed.

``stdp_sgd_at_scale`` compares, for each of the four maps, the weight change that the plastic
synapses accumulate over teaching phases with numpy gradients computed from the *same*
presynaptic spike counts (the corrupted inputs) and the same targets (the target areas' spike
counts in the same phases):

- ``matching``: the gradient of the loss the teaching dynamics descend, the matching loss of
  the map's nonlinearity (cross-entropy for sigmoid maps), in the network's coordinates
  (inputs as deviations from their code's centre): d ⊗ (T - y);
- ``squared_error``: the rate trainer's own local loss, ||act(x~ W + b) - T||^2, in the
  model's coordinates: x~ ⊗ (T - y) act'(z).
"""
from __future__ import annotations

import time

import numpy as np

from spiking_em.model.layers import ACTIVATIONS, LAYER_ACTIVATION, Params, activation_derivative
from spiking_em.model.trained import TrainedModel
from spiking_em.spiking.codes import AREA_KIND
from spiking_em.spiking.plasticity import LEARNING_MAPS
from spiking_em.spiking.teaching import (
    MAP_INPUT,
    SpikingTrainConfig,
    codes_for,
    decoded_inputs,
    teach,
)


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.vdot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def map_gradients(params: Params, name: str, inputs: np.ndarray, targets: np.ndarray,
                  centre: np.ndarray) -> dict:
    """Descent directions of map ``name`` on (inputs, targets), shape of its weight matrix."""
    w, b = getattr(params, f"w_{name}"), getattr(params, f"b_{name}")
    y = ACTIVATIONS[LAYER_ACTIVATION[name]](inputs @ w + b)
    err = targets - y
    return {"matching": (inputs - centre).T @ err,
            "squared_error": inputs.T @ (err * activation_derivative(LAYER_ACTIVATION[name], y))}


def squared_error_loss(params: Params, name: str, inputs, targets) -> float:
    """The rate trainer's local loss of map ``name``: mean over digits of ||act(...) - T||^2."""
    w, b = getattr(params, f"w_{name}"), getattr(params, f"b_{name}")
    y = ACTIVATIONS[LAYER_ACTIVATION[name]](inputs @ w + b)
    return float(np.mean(np.sum((y - targets) ** 2, axis=1)))


def corruption_size(noise: dict, clean_h2: np.ndarray) -> dict:
    """How large the spikes' corruption of each map's input is, beside the ``paper`` preset's.

    Root-mean-square of (value decoded from a teaching phase's spike counts minus the value
    the spikes carry), per area, over digits and units; the paper corrupts x by N(0, 0.5^2),
    h1 by N(0, 0.3^2) (for g1) and N(0, 0.5^2) (for f2), and h2 by the mean of 3 Bernoulli
    samples, whose rms deviation sqrt(mean h2 (1 - h2) / 3) is computed on the same h2.
    """
    rms = {area: float(np.sqrt(np.mean(np.concatenate(v) ** 2))) for area, v in noise.items()}
    h2 = np.clip(clean_h2, 0, 1)
    return {"spikes_rms": rms,
            "paper_rms": {"X": 0.5, "H1 (for g1)": 0.3, "H1 (for f2)": 0.5,
                          "H2 (Bernoulli-3 on these h2)": float(np.sqrt(np.mean(h2 * (1 - h2))
                                                                        / 3))}}


def stdp_sgd_at_scale(net, model: TrainedModel, x: np.ndarray, x_reference: np.ndarray,
                      config: SpikingTrainConfig, *, seed: int, eta: float,
                      progress=None) -> dict:
    """Weight changes of the plastic synapses vs numpy gradients, per map, on digits ``x``.

    Every binary run starts from the model's weights (learning rate ``eta`` small enough that
    the weights barely move within a run), so the accumulated change is the sum of the
    teaching phases' changes at the model's weights; numpy's gradients are summed over the
    same digits with each phase's decoded spike counts as inputs and targets.
    """
    rng = np.random.default_rng(seed)
    params = model.params.astype(np.float64)
    codes = codes_for(params, model.prior, x_reference, config)
    slot_ms = net.config.slot_ms
    dw = {name: 0.0 for name in LEARNING_MAPS}
    grads = {name: {"matching": 0.0, "squared_error": 0.0} for name in LEARNING_MAPS}
    batches = {name: ([], []) for name in LEARNING_MAPS}
    noise = {"X": [], "H1": [], "H2": []}   # spike-decoded value minus the value it carries
    t0, run_s, h2_states = time.perf_counter(), 0.0, []
    for start in range(0, len(x), config.digits_per_run):
        run = teach(net, params, codes, x[start:start + config.digits_per_run], config, rng=rng,
                    eta=eta)
        run_s += run.run_s
        h2_states.append(run.teach_states["H2"])
        values = decoded_inputs(run, codes, config, slot_ms)
        clean = {"X": x[start:start + config.digits_per_run], **run.teach_states}
        for area in noise:
            noise[area].append(values[area] - clean[area])
        for name in LEARNING_MAPS:
            src, target = MAP_INPUT[name]
            dw[name] = dw[name] + (getattr(run.params, f"w_{name}") - getattr(params, f"w_{name}"))
            g = map_gradients(params, name, values[src], values[target],
                              codes[AREA_KIND[src]].centre)
            for k in g:
                grads[name][k] = grads[name][k] + g[k]
            batches[name][0].append(values[src])
            batches[name][1].append(values[target])
        if progress is not None:
            progress(min(start + config.digits_per_run, len(x)), len(x))
    out = {"n_digits": int(len(x)), "eta": eta, "seed": seed, "wall_s": time.perf_counter() - t0,
           "binary_run_s": run_s, "maps": {},
           "corruption": corruption_size(noise, clean_h2=np.concatenate(h2_states))}
    for name in LEARNING_MAPS:
        inputs, targets = (np.concatenate(v) for v in batches[name])
        before = squared_error_loss(params, name, inputs, targets)
        # one step along the spiking change, scaled to the size of a plain gradient step
        step = dw[name] / np.linalg.norm(dw[name]) * 1e-3 * np.linalg.norm(
            grads[name]["squared_error"]) / len(x)
        moved = params.copy()
        setattr(moved, f"w_{name}", getattr(params, f"w_{name}") + step)
        after = squared_error_loss(moved, name, inputs, targets)
        out["maps"][name] = {
            "input_area": MAP_INPUT[name][0], "target_area": MAP_INPUT[name][1],
            "cosine_matching_loss": _cosine(dw[name], grads[name]["matching"]),
            "cosine_squared_error": _cosine(dw[name], grads[name]["squared_error"]),
            "cosine_matching_vs_squared_error": _cosine(grads[name]["matching"],
                                                        grads[name]["squared_error"]),
            "squared_error_before": before, "squared_error_after_step": after,
            "relative_change_of_weights": float(np.linalg.norm(dw[name])
                                                / np.linalg.norm(getattr(params, f"w_{name}")))}
    return out


def _evaluation_config(quick: bool):
    from spiking_em.evaluation.evaluate import EvalConfig
    if quick:
        return EvalConfig.quick()
    return EvalConfig(n_samples=10_000, n_parzen_valid=2_000, n_parzen_test=10_000,
                      n_logp=1_000, n_inpaint=2_000, n_nearest=300)


def _headline(metrics: dict) -> dict:
    return {"parzen_ll_generate": metrics["parzen_ll_generate"],
            "parzen_ll_ancestral": metrics["parzen_ll_ancestral"],
            "inpaint_mse": metrics["inpaint_mse"],
            "inpaint_mse_mean_image": metrics["inpaint_mse_mean_image"]}


def continued_training(model: TrainedModel, dataset, config: SpikingTrainConfig, *,
                       n_presentations: int, eta: float, seed: int, out_dir, quick: bool,
                       say=print, net=None, n_prior: int = 1000) -> dict:
    """Train ``model`` further in the spiking network, then evaluate start and result alike.

    The run lives in ``out_dir`` and resumes from its checkpoint if one is there (a finished
    run is only evaluated). The result is evaluated twice: with the prior fitted on the
    network's own h2 (the model as written) and with the prior numpy INFERENCE gives, so that
    the weights' effect shows apart from the prior's.
    """
    from dataclasses import replace
    from pathlib import Path

    from spiking_em.evaluation.evaluate import evaluate_model
    from spiking_em.model.sampling import fit_prior
    from spiking_em.model.training import infer_all
    from spiking_em.spiking.trainer import CHECKPOINT_FILE, train_spiking

    out_dir = Path(out_dir)
    config = replace(config, eta=eta)
    if (out_dir / TrainedModel.FILE).exists():
        say(f"found the continued model in {out_dir}; evaluating it")
        trained = TrainedModel.load(out_dir)
    else:
        trained = train_spiking(dataset.train, dataset.valid[:1000], model, config,
                                n_presentations=n_presentations, seed=seed, out_dir=out_dir,
                                resume=(out_dir / CHECKPOINT_FILE).exists(),
                                dataset_name=dataset.name, net=net, n_prior=n_prior,
                                on_run=lambda r: say(f"  {r.presentations} presentations, "
                                                     f"{60 * r.presentations / r.wall_s:.0f}/min")
                                if r.presentations % 500 < config.digits_per_run else None,
                                say=say)
    eval_config = _evaluation_config(quick)
    say("evaluating the start model and the continued one (same protocol and seed)")
    start_metrics, _ = evaluate_model(model, dataset, seed=seed, config=eval_config)
    end_metrics, _ = evaluate_model(trained, dataset, seed=seed, config=eval_config)
    _, h2 = infer_all(dataset.train[:10_000], trained.params, model.config.inference)
    numpy_prior = TrainedModel(trained.params, fit_prior(h2), trained.config, trained.meta)
    end_numpy_prior, _ = evaluate_model(numpy_prior, dataset, seed=seed, config=eval_config)
    s, e = _headline(start_metrics), _headline(end_metrics)
    spiking = trained.meta["spiking"]
    return {
        "presentations": spiking["presentations"], "eta": eta, "run_dir": str(out_dir),
        "start": s, "continued": e, "continued_with_numpy_prior": _headline(end_numpy_prior),
        "parzen_change_nats": e["parzen_ll_generate"]["mean"] - s["parzen_ll_generate"]["mean"],
        "inpaint_change_fraction": e["inpaint_mse"]["mean"] / s["inpaint_mse"]["mean"] - 1,
        "history": spiking["history"],
        "speed": {"presentations_per_minute": 60 * spiking["presentations"] / spiking["wall_s"],
                  "binary_run_s": spiking["binary_run_s"], "wall_s": spiking["wall_s"],
                  "synaptic_events_per_binary_s": spiking["synaptic_events"]
                  / spiking["binary_run_s"],
                  "compilations": spiking["compilations"],
                  "projected_mnist_epoch_h": 50_000 * spiking["wall_s"]
                  / spiking["presentations"] / 3600},
        "evaluation": {k: v for k, v in eval_config.__dict__.items() if k != "sigmas"}}


def plot_summary(results: dict, path):
    """Cosines per map (part 1) and the continued run's learning curve (part 2)."""
    from spiking_em import atomic
    from spiking_em.experiments.plotting import STYLE, plt
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
        if "stdp_sgd" in results:
            maps = results["stdp_sgd"]["maps"]
            names = list(maps)
            xs = np.arange(len(names))
            for k, (key, label) in enumerate((("cosine_matching_loss", "matching loss (descended)"),
                                              ("cosine_squared_error", "rate trainer's squared error"))):
                axes[0].bar(xs + (k - 0.5) * 0.38, [maps[n][key] for n in names], 0.38,
                            label=label)
            axes[0].axhline(0.9, color="k", lw=0.8, ls="--")
            axes[0].set_xticks(xs, [f"{n}\n{maps[n]['input_area']}→{LEARNING_MAPS[n].area}" for n in names])
            axes[0].set_ylim(0, 1.02)
            axes[0].set_ylabel("cosine(ΔW synapses, numpy gradient)")
            axes[0].set_title(f"STDP = SGD: {results['stdp_sgd']['n_digits']} digits")
            axes[0].legend(fontsize=7, loc="lower left")
        if "continued" in results:
            c = results["continued"]
            hist = c["history"]
            axes[1].plot([h["presentations"] for h in hist],
                         [h["valid_reconstruction"] for h in hist], "o-")
            axes[1].set_xlabel("presentations")
            axes[1].set_ylabel("validation reconstruction (sum of squares)")
            axes[1].set_title(
                f"continued in the network: Parzen {c['start']['parzen_ll_generate']['mean']:.1f}"
                f" → {c['continued']['parzen_ll_generate']['mean']:.1f} nats\nin-painting "
                f"{c['start']['inpaint_mse']['mean']:.4f} → {c['continued']['inpaint_mse']['mean']:.4f}")
        else:
            axes[1].axis("off")
        png = atomic.save_figure(fig, path)
        plt.close(fig)
    return png
