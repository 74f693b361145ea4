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
from spiking_em.spiking.teaching import (MAP_INPUT, SpikingTrainConfig, codes_for,
                                         decoded_inputs, teach)


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
    t0, run_s = time.perf_counter(), 0.0
    for start in range(0, len(x), config.digits_per_run):
        run = teach(net, params, codes, x[start:start + config.digits_per_run], config, rng=rng,
                    eta=eta)
        run_s += run.run_s
        values = decoded_inputs(run, codes, config, slot_ms)
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
           "binary_run_s": run_s, "maps": {}}
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
