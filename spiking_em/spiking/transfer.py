"""The LIF rate-current curve: measured in Brian2, compared with theory, fitted, and inverted.

A spiking area represents a rate-model value by its firing rate, so each population's
nonlinearity must be matched to the rate model's (softplus or sigmoid) through the neurons'
rate-current curve. This module measures that curve with one compiled standalone network (one
neuron per input current), compares it with the noise-free LIF formula, fits the smooth form
``r(I) = r_scale * softplus((I - i_shift) / i_width) ** power`` (noise rounds the threshold
onset, where a plain softplus fits poorly), and inverts the fit to give the input current that
produces a wanted rate. Voltages are dimensionless (rest 0, threshold 1, reset 0); currents are
in units of the threshold.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import brian2 as b2
import numpy as np
from scipy.optimize import brentq, curve_fit

from spiking_em.layers import softplus
from spiking_em.spiking import device
from spiking_em.validation import check_nonnegative, check_positive

LIF_EQS = """
dv/dt = (I - v) / tau_m + sigma * sqrt(2 / tau_m) * xi : 1 (unless refractory)  # membrane
I : 1 (constant)                                 # input current, in units of the threshold
tau_m : second (shared, constant)                # membrane time constant
sigma : 1 (shared, constant)                     # stationary std of the free membrane noise
"""


@dataclass(frozen=True)
class LIFParams:
    """tau_m_ms, refractory_ms, noise sigma (threshold units), dt_ms."""

    tau_m_ms: float = 20.0
    refractory_ms: float = 2.0
    sigma: float = 0.3
    dt_ms: float = 0.1

    def __post_init__(self):
        check_positive("tau_m_ms", self.tau_m_ms)
        check_nonnegative("refractory_ms", self.refractory_ms)
        check_nonnegative("sigma", self.sigma)
        check_positive("dt_ms", self.dt_ms)


def lif_rate_theory(current, params: LIFParams = LIFParams()) -> np.ndarray:
    """Noise-free LIF rate (Hz): 0 for I <= 1, else 1 / (t_ref + tau ln(I / (I - 1)))."""
    current = np.asarray(current, dtype=float)
    rate = np.zeros_like(current)
    above = current > 1
    isi = params.refractory_ms * 1e-3 + params.tau_m_ms * 1e-3 * np.log(current[above] /
                                                                        (current[above] - 1))
    rate[above] = 1 / isi
    return rate


def measure_rate_current(currents, *, params: LIFParams = LIFParams(), duration_s: float = 2.0,
                         seed: int = 0) -> dict:
    """Firing rate (Hz) of one LIF neuron per current, simulated in C++ standalone."""
    currents = np.asarray(currents, dtype=float)
    if currents.ndim != 1 or currents.size == 0:
        raise ValueError(f"currents must be a non-empty 1-d array, got shape {currents.shape}")
    check_positive("duration_s", duration_s)
    device.activate_standalone(seed)
    b2.defaultclock.dt = params.dt_ms * b2.ms
    group = b2.NeuronGroup(currents.size, LIF_EQS, threshold="v > 1", reset="v = 0",
                           refractory=params.refractory_ms * b2.ms, method="euler", name="lif")
    spikes = b2.SpikeMonitor(group, record=False, name="counts")
    net = b2.Network(group, spikes)
    net.run(duration_s * b2.second)
    directory = device.cache_dir(f"transfer_{currents.size}_{params.dt_ms:g}ms_{duration_s:g}s")
    compile_s = device.build(directory)
    run_s = device.run(directory, {group.I: currents, group.tau_m: params.tau_m_ms * b2.ms,
                                   group.sigma: params.sigma})
    rates = np.asarray(spikes.count[:]) / duration_s
    device.reset()
    return {"current": currents, "rate_hz": rates, "params": asdict(params),
            "duration_s": duration_s, "seed": seed, "compile_s": compile_s, "run_s": run_s}


def transfer_model(current, r_scale, i_shift, i_width, power):
    """r(I) = r_scale * softplus((I - i_shift) / i_width) ** power, in Hz."""
    return r_scale * softplus((np.asarray(current, dtype=float) - i_shift) / i_width) ** power


@dataclass(frozen=True)
class TransferFit:
    """Fitted rate-current curve and its worst error over the fitted range (Hz)."""

    r_scale: float
    i_shift: float
    i_width: float
    power: float
    max_error_hz: float

    def rate(self, current) -> np.ndarray:
        return transfer_model(current, self.r_scale, self.i_shift, self.i_width, self.power)

    def current_for_rate(self, rate_hz) -> np.ndarray:
        """Inverse of :meth:`rate` (the curve is strictly increasing): current giving each rate."""
        rate_hz = np.atleast_1d(np.asarray(rate_hz, dtype=float))
        if np.any(rate_hz <= 0):
            raise ValueError("current_for_rate needs rates > 0 Hz (the fitted curve never reaches 0)")
        z = np.log(np.expm1((rate_hz / self.r_scale) ** (1 / self.power)))
        return self.i_shift + self.i_width * z


def fit_transfer(current, rate_hz) -> TransferFit:
    """Least-squares fit of :func:`transfer_model` to a measured curve."""
    current, rate_hz = np.asarray(current, float), np.asarray(rate_hz, float)
    if current.shape != rate_hz.shape or current.size < 5:
        raise ValueError("fit_transfer needs matching current and rate arrays of >= 5 points")
    p0 = [max(rate_hz.max(), 1.0) / 2, 1.0, 0.2, 0.8]
    popt, _ = curve_fit(transfer_model, current, rate_hz, p0=p0, maxfev=20_000,
                        bounds=([1e-3, -5, 1e-3, 0.1], [1e4, 5, 10, 3]))
    err = float(np.max(np.abs(transfer_model(current, *popt) - rate_hz)))
    return TransferFit(*(float(v) for v in popt), max_error_hz=err)


def fitted_transfer(params: LIFParams = LIFParams(), *, r_max_hz: float = 200.0,
                    duration_s: float = 4.0, seed: int = 0) -> tuple[TransferFit, dict]:
    """Measure the rate-current curve up to ``1.2 * r_max_hz`` and fit it; cached on disk.

    The currents span from well below threshold to the noise-free current of
    ``1.2 * r_max_hz``; the fit and the measurement are stored as JSON in the Brian2 cache
    (keyed by the LIF parameters), so a network build measures its neurons once per machine.

    Returns
    -------
    (fit, measurement dict with "current", "rate_hz" and the fit's worst error).
    """
    import json

    check_positive("r_max_hz", r_max_hz)
    key = (f"tau{params.tau_m_ms:g}_ref{params.refractory_ms:g}_sigma{params.sigma:g}_"
           f"dt{params.dt_ms:g}_rmax{r_max_hz:g}_T{duration_s:g}_seed{seed}")
    path = device.cache_dir("transfer_fits") / f"{key}.json"
    if path.is_file():
        saved = json.loads(path.read_text())
        return TransferFit(**saved["fit"]), saved
    isi = 1 / (1.2 * r_max_hz) - params.refractory_ms * 1e-3
    if isi <= 0:
        raise ValueError(f"r_max_hz = {r_max_hz} is beyond what a {params.refractory_ms} ms "
                         "refractory period allows")
    i_top = 1 / (1 - np.exp(-isi / (params.tau_m_ms * 1e-3)))
    currents = np.linspace(-0.5, i_top, 120)
    measured = measure_rate_current(currents, params=params, duration_s=duration_s, seed=seed)
    fit = fit_transfer(measured["current"], measured["rate_hz"])
    saved = {"fit": asdict(fit), "current": measured["current"].tolist(),
             "rate_hz": measured["rate_hz"].tolist(), "params": asdict(params),
             "duration_s": duration_s, "seed": seed}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(saved))
    tmp.replace(path)
    return fit, saved
